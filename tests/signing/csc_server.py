"""A small Cloud Signature Consortium API v2 service for the tests, on 127.0.0.1, signing with a test PKI key.

It checks what a real one checks: the bearer token, the PIN at authorisation, that the SAD covers exactly the
hashes it is asked to sign, and it counts calls so tests can see one authorisation and one signHash per batch.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils


class CscServer:
    def __init__(
        self, key: rsa.RSAPrivateKey, chain: list[x509.Certificate], pin: str, token: str, multisign: int = 100
    ) -> None:
        self.key, self.chain, self.pin, self.token, self.multisign = key, chain, pin, token, multisign
        self.calls: Counter[str] = Counter()
        self.sads: dict[str, set[str]] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                if self.headers.get("Authorization") != f"Bearer {server.token}":
                    return self._send(401, {"error": "invalid_token"})
                route = self.path.removeprefix("/csc/v2/")
                server.calls[route] += 1
                handler = {
                    "credentials/list": server.list,
                    "credentials/info": server.info,
                    "credentials/authorize": server.authorize,
                    "signatures/signHash": server.sign_hash,
                }.get(route)
                if handler is None:
                    return self._send(404, {"error": "not_found"})
                status, answer = handler(body)
                self._send(status, answer)

            def _send(self, status: int, answer: dict[str, Any]) -> None:
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/csc/v2"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> CscServer:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def list(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return 200, {"credentialIDs": ["leader-1"]}

    def info(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if body.get("credentialID") != "leader-1":
            return 400, {"error": "invalid_request", "error_description": "unknown credentialID"}
        certs = [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode() for c in self.chain]
        return 200, {
            "key": {"status": "enabled", "algo": ["1.2.840.113549.1.1.1"], "len": 2048},
            "cert": {"status": "valid", "certificates": certs},
            "authMode": "explicit",
            "multisign": self.multisign,
        }

    def authorize(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if body.get("PIN") != self.pin:
            return 400, {"error": "invalid_pin", "error_description": "The PIN is invalid"}
        hashes_ = body.get("hashes", [])
        if len(hashes_) != body.get("numSignatures") or len(hashes_) > self.multisign:
            return 400, {"error": "invalid_request", "error_description": "numSignatures"}
        sad = secrets.token_urlsafe(16)
        self.sads[sad] = set(hashes_)
        return 200, {"SAD": sad}

    def sign_hash(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        allowed = self.sads.pop(body.get("SAD", ""), None)
        if allowed is None or set(body.get("hashes", [])) - allowed:
            return 400, {"error": "invalid_request", "error_description": "SAD does not cover these hashes"}
        signatures = [
            self.key.sign(base64.b64decode(h), padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
            for h in body["hashes"]
        ]
        return 200, {"signatures": [base64.b64encode(s).decode() for s in signatures]}
