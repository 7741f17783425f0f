"""``vanban sign-agent`` on a SoftHSM2 token, as a process on 127.0.0.1: the certificates and digest signatures it
gives, and what it refuses (foreign origins and host names, anything but a sane list of SHA-256 digests, a wrong
PIN, a missing token, a request the leader says no to)."""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from cryptography.x509.oid import NameOID

from signing.keys import read_pkcs12
from signing.pki import DemoPki, issue
from tests.signing.agent_process import ORIGIN, AgentProcess, started
from tests.signing.conftest import PASSWORD
from tests.signing.softhsm import PIN, add_token, softhsm_environment


def _ec_certificate() -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A self-signed certificate of an EC key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Lê Thị Hoa (EC)")])
    return key, issue(name, key, name, key)


@pytest.fixture(scope="module")
def tokens(pki: DemoPki, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Two tokens: "vanban" with the leader's RSA key, its certificate and the CA's; "vanban-ec" with an EC key."""
    env = softhsm_environment(tmp_path_factory.mktemp("agent-softhsm"))
    key, cert, chain = read_pkcs12(pki.leader_p12, PASSWORD)
    add_token(env, "vanban", key, cert, chain)
    ec_key, ec_cert = _ec_certificate()
    add_token(env, "vanban-ec", ec_key, ec_cert, key_label="hoa")
    return env


@pytest.fixture(scope="module")
def agent(tokens: dict[str, str]) -> Iterator[AgentProcess]:
    process = started(tokens, PIN, "--token", "vanban", "--key", "leader", "--origin", ORIGIN + "/", "--yes")
    yield process
    process.stop()


def _digests(n: int) -> list[bytes]:
    return [hashlib.sha256(f"văn bản {i}".encode()).digest() for i in range(n)]


def _request(digests: list[bytes], **extra: Any) -> dict[str, Any]:
    documents = [{"document_id": f"doc-{i}", "digest": base64.b64encode(d).decode()} for i, d in enumerate(digests)]
    return {"documents": documents, **extra}


def _refused(r: httpx.Response, status: int, code: str, field: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()
    assert body["code"] == code and body["message"] and body["message_vi"] != body["message"], body
    assert body.get("field") == field, body
    return body


def test_gives_the_certificates_and_signs_digests_that_verify(agent: AgentProcess, pki: DemoPki) -> None:
    _, leader, chain = read_pkcs12(pki.leader_p12, PASSWORD)
    with agent.client() as c:
        status = c.get("/v1/status").json()
        assert status["signer"] == "Nguyễn Văn An (DEMO)" and status["token"] == "vanban" and status["protocol"] == 1
        certs = c.get("/v1/certificates")
        assert certs.headers["access-control-allow-origin"] == ORIGIN
        pem = x509.load_pem_x509_certificates(certs.json()["certificates"].encode())
        assert pem == [leader, *chain]  # the signer's first, then the CA's from the token
        digests = _digests(3)
        r = c.post("/v1/sign", json=_request(digests, session_id="phien-1"))
    assert r.status_code == 200, r.text
    assert r.json()["session_id"] == "phien-1"
    signatures = r.json()["signatures"]
    assert [s["document_id"] for s in signatures] == ["doc-0", "doc-1", "doc-2"]
    public = leader.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    for s, d in zip(signatures, digests, strict=True):
        public.verify(base64.b64decode(s["signature"]), d, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
    assert "signed 3" in agent.output  # every request is shown on the terminal, even with --yes


def test_an_ec_key_signs_der_ecdsa_and_is_found_without_its_label(tokens: dict[str, str], pki: DemoPki) -> None:
    chain = ("--chain", str(pki.ca_cert))  # a CA certificate the token does not carry
    process = started(tokens, PIN, "--token", "vanban-ec", "--origin", ORIGIN, "--yes", *chain)
    try:
        with process.client() as c:
            pem = c.get("/v1/certificates").json()["certificates"].encode()
            cert, *rest = x509.load_pem_x509_certificates(pem)
            assert rest == x509.load_pem_x509_certificates(pki.ca_cert.read_bytes())
            digest = _digests(1)[0]
            r = c.post("/v1/sign", json=_request([digest]))
        assert r.status_code == 200, r.text
        public = cert.public_key()
        assert isinstance(public, ec.EllipticCurvePublicKey)
        value = base64.b64decode(r.json()["signatures"][0]["signature"])
        public.verify(value, digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))  # DER, as CMS carries it
    finally:
        process.stop()


def test_preflight_answers_private_network_access_for_the_configured_origin_only(agent: AgentProcess) -> None:
    asked = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
        "Access-Control-Request-Private-Network": "true",
    }
    with agent.client() as c:
        r = c.options("/v1/sign", headers=asked)
        assert r.status_code == 204, r.text
        assert r.headers["access-control-allow-origin"] == ORIGIN
        assert r.headers["access-control-allow-private-network"] == "true"
        assert "POST" in r.headers["access-control-allow-methods"]
        # A header the protocol does not use is not allowed.
        _refused(
            c.options("/v1/sign", headers=asked | {"Access-Control-Request-Headers": "x-pin"}),
            405,
            "method_not_allowed",
        )
    with agent.client("https://evil.example") as c:
        r = c.options("/v1/sign", headers=asked)
        _refused(r, 403, "origin_refused")
        assert "access-control-allow-origin" not in r.headers
        assert "access-control-allow-private-network" not in r.headers


def test_foreign_origins_no_origin_and_rebound_host_names_are_refused(agent: AgentProcess) -> None:
    body = _request(_digests(1))
    for origin in ("https://evil.example", "http://vanban.truong.local", "https://vanban.truong.local:8443", "null"):
        with agent.client(origin) as c:
            r = c.post("/v1/sign", json=body)
            assert "access-control-allow-origin" not in r.headers
            assert "không được phép" in _refused(r, 403, "origin_refused")["message_vi"]
            _refused(c.get("/v1/certificates"), 403, "origin_refused")
    with agent.client(None) as c:  # not a browser page: may ask the status, never sign
        assert c.get("/v1/status").status_code == 200
        _refused(c.post("/v1/sign", json=body), 403, "origin_refused")
    with agent.client() as c:  # DNS rebinding: a page of evil.example whose name now points to 127.0.0.1
        _refused(c.post("/v1/sign", json=body, headers={"Host": f"evil.example:{agent.port}"}), 403, "host_refused")
        _refused(c.get("/v1/certificates", headers={"Host": "evil.example"}), 403, "host_refused")
    assert "refused origin: https://evil.example" in agent.output


def test_anything_but_a_sane_list_of_sha256_digests_is_refused(agent: AgentProcess) -> None:
    digest = base64.b64encode(_digests(1)[0]).decode()
    one = {"document_id": "doc-0", "digest": digest}
    cases: list[tuple[Any, str]] = [
        ({"documents": []}, "documents"),
        ({"documents": [one] * 2}, "documents[1].document_id"),  # the same document twice
        ({"documents": [{"document_id": f"d{i}", "digest": digest} for i in range(501)]}, "documents"),
        ({"documents": [one | {"digest": base64.b64encode(b"x" * 31).decode()}]}, "documents[0].digest"),
        ({"documents": [one | {"digest": base64.b64encode(b"x" * 64).decode()}]}, "documents[0].digest"),
        ({"documents": [one | {"digest": "not base64!"}]}, "documents[0].digest"),
        ({"documents": [one | {"digest": 42}]}, "documents[0].digest"),
        ({"documents": [one | {"document_id": ""}]}, "documents[0].document_id"),
        ({"documents": [one | {"data": "a whole PDF"}]}, "documents[0].data"),
        (
            {"documents": [one | {"signed_attributes": base64.b64encode(b"other").decode()}]},
            "documents[0].signed_attributes",
        ),
        ({"documents": [one], "digest_algorithm": "sha1"}, "digest_algorithm"),
        ({"documents": [one], "pin": "1234"}, "pin"),
        ([one], "body"),
    ]
    with agent.client() as c:
        for body, field in cases:
            _refused(c.post("/v1/sign", json=body), 422, "invalid_request", field)
        _refused(
            c.post("/v1/sign", content=b"{not json", headers={"Content-Type": "application/json"}), 400, "bad_request"
        )
        _refused(
            c.post("/v1/sign", content=b"documents=1", headers={"Content-Type": "text/plain"}),
            415,
            "unsupported_media_type",
        )
        big = b'{"documents": "' + b"x" * 1_000_001 + b'"}'
        _refused(c.post("/v1/sign", content=big, headers={"Content-Type": "application/json"}), 413, "too_large")
        _refused(c.get("/v1/sign"), 405, "method_not_allowed")
        _refused(c.get("/v1/pin"), 404, "not_found")
        # signed_attributes that hash to the digest are taken: the page may send inbox:prepare's answer as it is
        attributes = b"\x31\x03\x02\x01\x01"
        matching = {"document_id": "doc-0", "digest": base64.b64encode(hashlib.sha256(attributes).digest()).decode()}
        matching["signed_attributes"] = base64.b64encode(attributes).decode()
        prepared = {"session_id": "s", "expires_at": "2026-12-01T05:00:00Z", "documents": [matching]}
        assert c.post("/v1/sign", json=prepared).status_code == 200


def test_each_request_waits_for_the_leaders_yes(tokens: dict[str, str]) -> None:
    process = started(tokens, PIN, "--token", "vanban", "--key", "leader", "--origin", ORIGIN)
    try:
        results: list[httpx.Response] = []

        def ask(label: str) -> threading.Thread:
            body = _request(_digests(2))
            body["documents"][0]["label"] = label

            def post() -> None:
                with process.client() as c:
                    results.append(c.post("/v1/sign", json=body))

            thread = threading.Thread(target=post)
            thread.start()
            return thread

        # A label that tries to rewrite the terminal is shown without its escape sequences.
        asking = ask("Quyết định 12\x1b[2K\rĐã ký xong")
        process.wait_for("Sign 2 document(s)?")
        assert "\x1b" not in process.output and "Quyết định 12?[2K?Đã ký xong" in process.output
        process.answer("k")
        asking.join(60)
        assert "Lãnh đạo không đồng ý" in _refused(results.pop(), 403, "declined")["message_vi"]

        asking = ask("Quyết định 13")
        process.wait_for("Sign 2 document(s)?")
        process.answer("có")
        asking.join(60)
        assert results.pop().status_code == 200
    finally:
        process.stop()


def test_a_wrong_pin_or_a_missing_token_stops_the_agent_with_a_clear_error(tokens: dict[str, str]) -> None:
    wrong = AgentProcess(tokens, "9999", "--token", "vanban", "--origin", ORIGIN)
    assert wrong.exit_code() == 1
    wrong.wait_for("Error")
    assert "Sai mã PIN" in wrong.output and "wrong PIN" in wrong.output and "9999" not in wrong.output
    assert "waiting" not in wrong.output  # it never listened
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{wrong.url}/v1/status")

    missing = AgentProcess(tokens, PIN, "--token", "the-leaders-usb-token", "--origin", ORIGIN)
    assert missing.exit_code() == 1
    missing.wait_for("Error")
    assert "Không tìm thấy token" in missing.output and "token not found" in missing.output

    several = AgentProcess(tokens, PIN, "--origin", ORIGIN)  # two tokens plugged in, none named
    assert several.exit_code() == 1
    several.wait_for("Error")
    assert "vanban, vanban-ec" in several.output

    foreign = AgentProcess(tokens, PIN, "--token", "vanban", "--origin", "*")
    assert foreign.exit_code() == 1


def test_it_listens_on_127_0_0_1_only(agent: AgentProcess) -> None:
    listening = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        for row in Path(table).read_text().splitlines()[1:]:
            local, state = row.split()[1], row.split()[3]
            address, port = local.rsplit(":", 1)
            if int(port, 16) == agent.port and state == "0A":  # LISTEN
                listening.add(address)
    assert listening == {"0100007F"}  # 127.0.0.1, little-endian; nothing on 0.0.0.0 or ::


def test_a_token_unplugged_after_the_start_is_a_clear_refusal(pki: DemoPki, tmp_path: Path) -> None:
    """The agent logs in again for each request: a token pulled out in between is named, in both languages."""
    env = softhsm_environment(tmp_path / "softhsm")
    key, cert, chain = read_pkcs12(pki.leader_p12, PASSWORD)
    add_token(env, "vanban", key, cert, chain)
    process = started(env, PIN, "--origin", ORIGIN, "--yes")
    try:
        with process.client() as c:
            assert c.post("/v1/sign", json=_request(_digests(1))).status_code == 200
            for token in (tmp_path / "softhsm" / "tokens").iterdir():  # SoftHSM2's way of pulling the token out
                shutil.rmtree(token)
            refused = _refused(c.post("/v1/sign", json=_request(_digests(1))), 503, "token_missing")
        assert "cắm token" in refused["message_vi"]
    finally:
        process.stop()
