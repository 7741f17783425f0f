"""Our verification against poppler's pdfsig on a corpus of good and broken files: on every file, each signature's
integrity and whether it covers the whole file agree, and our overall verdict is never "ok" where pdfsig finds a
signature invalid."""

from __future__ import annotations

import json
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pytest
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from service.config import PROJECT_ROOT
from signing.appearance import add_info_line
from signing.errors import NotVerifiable
from signing.forms import add_signature_fields
from signing.keys import KeyMaterial
from signing.pki import DemoPki
from signing.sign import Box, Level, SignatureRequest, SigningContext, sign_pdf
from signing.trust import Trust
from signing.verify import verify_pdf
from tests.signing.conftest import write
from tests.signing.pdfsig import pdfsig


def _unsign(pdf: bytes) -> bytes:
    """An incremental update that takes the signature value out of its field."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    fields = writer.root["/AcroForm"]["/Fields"]
    field = fields[0]
    del field["/V"]
    writer.mark_update(fields.raw_get(0))
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _flip(pdf: bytes, needle: bytes) -> bytes:
    data = bytearray(pdf)
    i = data.index(needle) + 2
    data[i] ^= 0x01
    return bytes(data)


@pytest.fixture(scope="module")
def corpus(unsigned_pdf: bytes, leader: KeyMaterial, org: KeyMaterial, context: SigningContext) -> dict[str, bytes]:
    """Good and broken signed files, by name (the good ones' names start with ``good``)."""
    unsigned = unsigned_pdf
    bb = sign_pdf(unsigned, org)
    bt = sign_pdf(unsigned, org, SignatureRequest(level=Level.B_T), context)
    two = sign_pdf(sign_pdf(unsigned, leader, SignatureRequest("LanhDao")), org, SignatureRequest("ToChuc"))
    fields = add_signature_fields(unsigned, {"LanhDao": Box(0, 300, 100, 400, 150)})
    certified = sign_pdf(fields, leader, SignatureRequest("LanhDao", certify=True))
    contents_at = bb.rindex(b"/Contents <") + len(b"/Contents <") + 40
    zeroed = bb[:contents_at] + b"0" * 16 + bb[contents_at + 16 :]
    return {
        "good-b-b": bb,
        "good-b-t": bt,
        "good-two-signatures": two,
        "good-certified": certified,
        "changed-byte": _flip(bb, b"/Producer"),
        "changed-page-text": _flip(bb, b"stream\n"),
        "signature-value-damaged": zeroed,
        "signature-removed": _unsign(bb),
        "page-changed-after-certification": add_info_line(certified, "thêm trái phép"),
        "appended-after-signing": add_info_line(bb, "thêm sau khi ký"),
    }


def test_verdicts_agree_with_pdfsig(corpus: dict[str, bytes], trust: Trust, tmp_path: Path) -> None:
    for name, pdf in corpus.items():
        path = write(tmp_path, f"{name}.pdf", pdf)
        theirs = {s.field: s for s in pdfsig(path) if s.kind}  # pdfsig lists empty fields too, with no type
        try:
            ours = verify_pdf(pdf, trust)
        except NotVerifiable as exc:  # no signature left to verify: pdfsig finds none valid either
            assert exc.reason == "unsigned" and not name.startswith("good"), (name, exc)
            assert not any(s.valid for s in theirs.values()), name
            continue
        assert set(theirs) >= {s.field for s in ours.signatures}, name
        for sig in ours.signatures:
            assert sig.intact == theirs[sig.field].valid, (name, sig.field, sig, theirs[sig.field])
            assert sig.covers_whole_file == theirs[sig.field].whole, (name, sig.field)
        if not theirs or not all(s.valid for s in theirs.values()):
            assert not ours.ok, name
        # a page changed after signing is reported even where the signer did not certify
        assert ours.ok == name.startswith("good"), (name, ours.to_dict())


@pytest.mark.slow
def test_verify_command_exit_codes_and_json(
    pki: DemoPki, org: KeyMaterial, unsigned_pdf: bytes, tmp_path: Path
) -> None:
    good = write(tmp_path, "good.pdf", sign_pdf(unsigned_pdf, org))
    bad = write(tmp_path, "bad.pdf", _flip(good.read_bytes(), b"/Producer"))
    cmd = [sys.executable, "-m", "service.cli", "verify", "--trust", str(pki.ca_cert), "--crl", str(pki.crl)]
    ok = subprocess.run([*cmd, "--json", str(good)], capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert ok.returncode == 0, ok.stderr
    body = json.loads(ok.stdout)
    assert body["ok"] and body["signatures"][0]["revocation"] == "good"
    assert subprocess.run([*cmd, str(bad)], capture_output=True, cwd=PROJECT_ROOT).returncode == 1
    untrusted = subprocess.run(
        [sys.executable, "-m", "service.cli", "verify", "--trust", str(tmp_path / "none.pem"), str(good)],
        capture_output=True,
        cwd=PROJECT_ROOT,
    )
    assert untrusted.returncode == 2 and b"none.pem" in untrusted.stderr
