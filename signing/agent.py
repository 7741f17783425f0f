"""The signing agent (chương trình ký trên máy lãnh đạo: the leader's signing agent): a small HTTP server on the
leader's own computer that signs, with the leader's USB token, the digests the inbox page got from
``POST /api/v1/inbox:prepare``; the page sends the values to ``POST /api/v1/inbox:complete``. The key and the PIN
never leave the computer: the PIN is typed into the agent's terminal, kept in its memory only, never sent or
written; the PDF never reaches the agent, only SHA-256 digests.

Safety: it listens on 127.0.0.1 only and answers only requests naming it by ``127.0.0.1`` or ``localhost`` (a
rebound DNS name is refused); only the configured origins may call it (CORS, with the Private Network Access
preflight); each signing request is shown on the terminal and waits for the leader's yes unless the agent was
started to sign without asking; a request is a list of SHA-256 digests of a bounded size, or it is refused.

The protocol (version 1; every body is JSON, every error ``{"code", "message", "message_vi", "field"?}``)::

    GET  /v1/status        {"agent": "vanban-sign-agent", "protocol": 1, "token", "signer", "confirm",
                            "max_documents"}
    GET  /v1/certificates  {"certificates": PEM (the signer's certificate, then its chain), "signer", "serial",
                            "not_after"}: the ``certificates`` ``inbox:prepare`` takes
    POST /v1/sign          {"session_id"?, "expires_at"?, "digest_algorithm"?: "sha256",
                            "documents": [{"document_id", "digest", "signed_attributes"?, "label"?}]}
                           -> {"session_id"?, "signatures": [{"document_id", "signature"}]}: the body
                           ``inbox:complete`` takes
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol, TextIO
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from signing.errors import CertificateRefused, KeyLoadError, PinIncorrect, SigningError, TokenMissing
from signing.keys import common_name

PROTOCOL = 1
DEFAULT_PORT = 8711
MAX_DOCUMENTS = 500  # as many as one inbox:prepare session holds
MAX_BODY_BYTES = 1_000_000
DISCARD_LIMIT = 16_000_000  # a refused body up to this size is read before the refusal is sent
MAX_TEXT = 300  # a document id, a session id, a label


class DigestSigner(Protocol):
    """What the agent needs of a key: its certificate, the certificates beside it, and digest signatures."""

    certificate: x509.Certificate

    @property
    def chain(self) -> list[x509.Certificate]: ...

    def sign_digests(self, digests: list[bytes]) -> list[bytes]: ...


@dataclass(frozen=True)
class AgentSettings:
    """How the agent runs.

    port: the TCP port on 127.0.0.1.
    origins: the vanban origins (``https://vanban.truong.local``) whose pages may call the agent.
    confirm: ask the leader on the terminal before each signing request (off only for a run started with ``--yes``).
    confirm_seconds: how long a question waits for an answer before the request is declined.
    max_documents: the most digests one request may carry.
    """

    port: int = DEFAULT_PORT
    origins: tuple[str, ...] = ()
    confirm: bool = True
    confirm_seconds: float = 120.0
    max_documents: int = MAX_DOCUMENTS


@dataclass(frozen=True)
class PendingSignature:
    """One digest waiting for its signature value, as the page described it."""

    document_id: str
    digest: bytes
    label: str = ""


class AgentError(Exception):
    """A refusal, answered as ``{"code", "message", "message_vi", "field"?}`` with ``status``."""

    def __init__(self, status: int, code: str, message: str, message_vi: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.message_vi, self.field = status, code, message, message_vi, field

    def body(self) -> dict[str, str]:
        out = {"code": self.code, "message": self.message, "message_vi": self.message_vi}
        return out | ({"field": self.field} if self.field else {})


def explain(exc: SigningError) -> tuple[str, str, str]:
    """A key error for the leader: (code, English, Vietnamese)."""
    if isinstance(exc, PinIncorrect) and exc.locked:
        return (
            "pin_locked",
            f"{exc}; unlock it with the token's own tool",
            f"Token đã bị khóa do nhập sai PIN quá số lần cho phép ({exc})",
        )
    if isinstance(exc, PinIncorrect):
        return "pin_incorrect", f"wrong PIN: {exc}", f"Sai mã PIN: token không chấp nhận mã PIN ({exc})"
    if isinstance(exc, TokenMissing):
        return "token_missing", f"token not found: {exc}", f"Không tìm thấy token: hãy cắm token ký số vào máy ({exc})"
    if isinstance(exc, CertificateRefused):
        return "certificate_refused", str(exc), f"Chứng thư số trên token không dùng để ký được ({exc})"
    if isinstance(exc, KeyLoadError):
        return "key_unusable", str(exc), f"Không dùng được khóa trên token ({exc})"
    return "signing_failed", str(exc), f"Token không ký được ({exc})"


def normalise_origin(text: str) -> str:
    """``scheme://host[:port]`` as browsers send it in ``Origin``; anything else (a path, ``*``, ``null``) is a
    ``ValueError``."""
    parts = urlsplit(text.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.path not in ("", "/"):
        raise ValueError(f"an origin is scheme://host[:port], not {text!r}")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError(f"an origin is scheme://host[:port], not {text!r}")
    default = {"https": 443, "http": 80}[parts.scheme]
    port = f":{parts.port}" if parts.port and parts.port != default else ""
    return f"{parts.scheme}://{parts.hostname.lower()}{port}"


def shown(text: str, limit: int = 80) -> str:
    """Untrusted text made safe for a terminal: no control characters (no escape sequences), at most ``limit``."""
    clean = "".join(c if c.isprintable() else "?" for c in text)
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


def _invalid(field: str, message: str, message_vi: str) -> AgentError:
    return AgentError(422, "invalid_request", f"{field}: {message}", f"{field}: {message_vi}", field)


def _text(value: object, field: str, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value) or len(value) > MAX_TEXT:
        raise _invalid(field, f"must be text of 1 to {MAX_TEXT} characters", f"phải là chuỗi từ 1 đến {MAX_TEXT} ký tự")
    return value


def _base64(value: object, field: str) -> bytes:
    if not isinstance(value, str) or len(value) > 8000:
        raise _invalid(field, "must be base64 text", "phải là chuỗi base64")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise _invalid(field, "is not valid base64", "không phải base64 hợp lệ") from None


_TOP = {"session_id", "expires_at", "digest_algorithm", "documents"}
_ITEM = {"document_id", "digest", "signed_attributes", "label"}


def parse_sign_request(body: bytes, max_documents: int = MAX_DOCUMENTS) -> tuple[str | None, list[PendingSignature]]:
    """The session id (if the page sent it) and the digests of a ``POST /v1/sign`` body; ``AgentError`` naming the
    first wrong field otherwise. Only SHA-256 digests: 32 bytes each; ``signed_attributes``, when sent, must hash
    to the digest."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise AgentError(400, "bad_request", "the body is not JSON", "Nội dung yêu cầu không phải JSON") from None
    if not isinstance(data, dict):
        raise _invalid("body", "must be a JSON object", "phải là một đối tượng JSON")
    for name in data:
        if name not in _TOP:
            raise _invalid(
                shown(str(name), 40), "is not a field of a signing request", "không phải trường của yêu cầu ký"
            )
    if data.get("digest_algorithm", "sha256") != "sha256":
        raise _invalid("digest_algorithm", "only sha256 digests are signed", "chỉ ký giá trị băm SHA-256")
    session_id = _text(data["session_id"], "session_id") if "session_id" in data else None
    if "expires_at" in data:
        _text(data["expires_at"], "expires_at")
    documents = data.get("documents")
    if not isinstance(documents, list) or not 1 <= len(documents) <= max_documents:
        raise _invalid(
            "documents",
            f"must list 1 to {max_documents} documents to sign",
            f"phải có từ 1 đến {max_documents} văn bản cần ký",
        )
    pending: list[PendingSignature] = []
    seen: set[str] = set()
    for i, item in enumerate(documents):
        at = f"documents[{i}]"
        if not isinstance(item, dict):
            raise _invalid(at, "must be an object", "phải là một đối tượng")
        for name in item:
            if name not in _ITEM:
                raise _invalid(
                    f"{at}.{shown(str(name), 40)}", "is not a field of a document", "không phải trường của văn bản"
                )
        document_id = _text(item.get("document_id"), f"{at}.document_id")
        if document_id in seen:
            raise _invalid(f"{at}.document_id", "is listed twice", "bị lặp lại")
        seen.add(document_id)
        digest = _base64(item.get("digest"), f"{at}.digest")
        if len(digest) != 32:
            raise _invalid(
                f"{at}.digest",
                f"must be a SHA-256 digest (32 bytes), not {len(digest)} bytes",
                f"phải là giá trị băm SHA-256 (32 byte), không phải {len(digest)} byte",
            )
        if "signed_attributes" in item:
            attributes = _base64(item["signed_attributes"], f"{at}.signed_attributes")
            if hashlib.sha256(attributes).digest() != digest:
                raise _invalid(
                    f"{at}.signed_attributes",
                    "does not hash to the digest",
                    "không khớp với giá trị băm",
                )
        pending.append(PendingSignature(document_id, digest, _text(item.get("label"), f"{at}.label", False)))
    return session_id, pending


Confirm = Callable[[str, str | None, list[PendingSignature]], bool]


class TerminalQuestions:
    """Asks the leader on the agent's terminal. Answers are read by a thread from ``answers`` (the terminal, or a
    test's pipe); a line typed while nothing is asked is dropped, so an answer belongs to the question shown."""

    YES = frozenset({"c", "co", "có", "y", "yes"})

    def __init__(self, answers: TextIO, say: Callable[[str], None], timeout: float) -> None:
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._say = say
        self._timeout = timeout
        threading.Thread(target=self._read, args=(answers,), daemon=True, name="answers").start()

    def _read(self, answers: TextIO) -> None:
        for line in answers:
            self._lines.put(line)
        self._lines.put(None)  # the terminal is closed: nobody will answer

    def __call__(self, origin: str, session_id: str | None, items: list[PendingSignature]) -> bool:
        while not self._lines.empty():
            if self._lines.get_nowait() is None:
                self._lines.put(None)
                break
        self._say(
            f"Ký {len(items)} văn bản? Gõ c (có) hoặc k (không), rồi Enter — "
            f"Sign {len(items)} document(s)? Type y (yes) or n (no), then Enter: "
        )
        try:
            answer = self._lines.get(timeout=self._timeout)
        except queue.Empty:
            self._say("Không có trả lời: không ký — no answer: not signed")
            return False
        if answer is None:
            self._lines.put(None)
            return False
        return answer.strip().lower() in self.YES


class SigningAgent:
    """The agent's behaviour, apart from HTTP: checks, the leader's confirmation, one signing at a time."""

    def __init__(
        self, signer: DigestSigner, settings: AgentSettings, confirm: Confirm, say: Callable[[str], None]
    ) -> None:
        self.signer = signer
        self.settings = settings
        self.confirm = confirm
        self.say = say
        self.origins = frozenset(normalise_origin(o) for o in settings.origins)
        self._one_at_a_time = threading.Lock()

    @property
    def signer_name(self) -> str:
        return common_name(self.signer.certificate)

    def status(self, token: str) -> dict[str, Any]:
        return {
            "agent": "vanban-sign-agent",
            "protocol": PROTOCOL,
            "token": token,
            "signer": self.signer_name,
            "confirm": self.settings.confirm,
            "max_documents": self.settings.max_documents,
        }

    def certificates(self) -> dict[str, Any]:
        cert = self.signer.certificate
        pem = "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in [cert, *self.signer.chain])
        return {
            "certificates": pem,
            "signer": self.signer_name,
            "serial": str(cert.serial_number),
            "not_after": cert.not_valid_after_utc.isoformat(),
        }

    def sign(self, origin: str, body: bytes) -> dict[str, Any]:
        session_id, items = parse_sign_request(body, self.settings.max_documents)
        with self._one_at_a_time:
            self.say("")
            self.say(f"Yêu cầu ký từ {origin}: {len(items)} văn bản — signing request from {origin}: {len(items)}")
            if session_id:
                self.say(f"  phiên / session {shown(session_id)}")
            for n, item in enumerate(items, 1):
                label = f"  {shown(item.label)}" if item.label else ""
                self.say(f"  {n:>3}. {shown(item.document_id, 40)}{label}  sha256 {item.digest.hex()[:16]}…")
            if self.settings.confirm and not self.confirm(origin, session_id, items):
                self.say("Không ký — not signed")
                raise AgentError(
                    403,
                    "declined",
                    "the leader declined to sign (or did not answer in time)",
                    "Lãnh đạo không đồng ý ký (hoặc không trả lời kịp)",
                )
            try:
                values = self.signer.sign_digests([i.digest for i in items])
            except SigningError as exc:
                code, message, message_vi = explain(exc)
                self.say(f"Lỗi / error: {message_vi} — {message}")
                raise AgentError(503, code, message, message_vi) from None
            self.say(f"Đã ký {len(values)} văn bản — signed {len(values)}")
        b64 = base64.b64encode
        signatures = [
            {"document_id": i.document_id, "signature": b64(v).decode()} for i, v in zip(items, values, strict=True)
        ]
        return ({"session_id": session_id} if session_id else {}) | {"signatures": signatures}


_ORIGIN_REFUSED = (
    "origin_refused",
    "this page's origin may not use the signing agent (start it with --origin naming the vanban address)",
    "Trang web này không được phép dùng chương trình ký (khởi động với --origin là địa chỉ của vanban)",
)


class _Handler(BaseHTTPRequestHandler):
    server: AgentServer
    server_version = "vanban-sign-agent"
    sys_version = ""
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # the terminal shows requests in the leader's words
        pass

    def _origin(self, required: bool) -> str | None:
        """The caller's allowed origin; refuses a foreign one (and no origin at all where ``required``)."""
        agent = self.server.agent
        host = (self.headers.get("Host") or "").lower()
        if host not in {f"127.0.0.1:{self.server.port}", f"localhost:{self.server.port}"}:
            agent.say(f"Từ chối: tên máy lạ / refused: foreign Host {shown(host, 60)}")
            raise AgentError(
                403,
                "host_refused",
                "the agent answers only as 127.0.0.1 or localhost",
                "Chương trình ký chỉ trả lời khi được gọi qua 127.0.0.1 hoặc localhost",
            )
        origin = self.headers.get("Origin")
        if origin is None and not required:
            return None
        try:
            allowed = normalise_origin(origin) if origin is not None else None
        except ValueError:
            allowed = None
        if allowed is None or allowed not in agent.origins:
            agent.say(f"Từ chối trang / refused origin: {shown(origin or '(none)', 80)}")
            raise AgentError(403, *_ORIGIN_REFUSED)
        return allowed  # as browsers send it: the form CORS echoes

    def _answer(
        self, status: int, body: dict[str, Any] | None, origin: str | None, extra: Sequence[tuple[str, str]] = ()
    ) -> None:
        data = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        if origin is not None:
            self.send_header("Access-Control-Allow-Origin", origin)
            self.send_header("Vary", "Origin")
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _handle(self, method: str) -> None:
        origin: str | None = None
        self._body_read = False
        try:
            if method == "OPTIONS":
                origin = self._origin(required=True)
                assert origin is not None
                self._preflight(origin)
                return
            origin = self._origin(required=method == "POST")
            path = self.path.split("?", 1)[0]
            routes = {("GET", "/v1/status"), ("GET", "/v1/certificates"), ("POST", "/v1/sign")}
            if (method, path) not in routes:
                known = any(p == path for _, p in routes)
                raise AgentError(
                    405 if known else 404,
                    "method_not_allowed" if known else "not_found",
                    f"{method} {shown(path, 60)} is not part of the agent's protocol",
                    f"{method} {shown(path, 60)} không thuộc giao thức của chương trình ký",
                )
            agent = self.server.agent
            if path == "/v1/status":
                self._answer(200, agent.status(self.server.token), origin)
            elif path == "/v1/certificates":
                self._answer(200, agent.certificates(), origin)
            else:
                self._answer(200, agent.sign(origin or "", self._body()), origin)
        except AgentError as exc:  # the connection is closed after a refusal, and the caller told so
            if not self._body_read:
                self._discard_body()
            allowed = origin if exc.code != "origin_refused" else None
            self._answer(exc.status, exc.body(), allowed, [("Connection", "close")])

    def _preflight(self, origin: str) -> None:
        method = self.headers.get("Access-Control-Request-Method", "")
        asked = {
            h.strip().lower() for h in self.headers.get("Access-Control-Request-Headers", "").split(",") if h.strip()
        }
        if method not in ("GET", "POST") or not asked <= {"content-type"}:
            raise AgentError(
                405,
                "method_not_allowed",
                "the agent takes GET and POST with a JSON body only",
                "Chương trình ký chỉ nhận GET và POST với nội dung JSON",
            )
        extra = [
            ("Access-Control-Allow-Methods", "GET, POST"),
            ("Access-Control-Allow-Headers", "Content-Type"),
            ("Access-Control-Max-Age", "600"),
        ]
        if self.headers.get("Access-Control-Request-Private-Network", "").lower() == "true":
            extra.append(("Access-Control-Allow-Private-Network", "true"))
        self._answer(204, None, origin, extra)

    def _body(self) -> bytes:
        kind = (self.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
        if kind != "application/json":
            raise AgentError(
                415,
                "unsupported_media_type",
                "send the request as application/json",
                "Yêu cầu phải là application/json",
            )
        try:
            length = int(self.headers.get("Content-Length") or "")
        except ValueError:
            raise AgentError(411, "length_required", "Content-Length is required", "Thiếu Content-Length") from None
        if not 0 < length <= MAX_BODY_BYTES:
            raise AgentError(
                413,
                "too_large",
                f"a signing request holds at most {MAX_BODY_BYTES} bytes",
                f"Yêu cầu ký tối đa {MAX_BODY_BYTES} byte",
            )
        self._body_read = True
        return self.rfile.read(length)

    def _discard_body(self) -> None:
        """Read a refused request's body, so that closing the connection does not reset it before the caller has
        read the refusal (up to ``DISCARD_LIMIT``; a larger one is cut off)."""
        try:
            left = int(self.headers.get("Content-Length") or "0")
        except ValueError:
            return
        if not 0 < left <= DISCARD_LIMIT:
            return
        self.connection.settimeout(10)
        while left > 0:
            chunk = self.rfile.read(min(left, 65536))
            if not chunk:
                return
            left -= len(chunk)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_OPTIONS(self) -> None:
        self._handle("OPTIONS")


class AgentServer(ThreadingHTTPServer):
    """The agent's HTTP server, bound to 127.0.0.1 (never another address)."""

    daemon_threads = True

    def __init__(self, agent: SigningAgent, token: str) -> None:
        super().__init__(("127.0.0.1", agent.settings.port), _Handler)
        self.agent = agent
        self.token = token
        self.port = int(self.server_address[1])
