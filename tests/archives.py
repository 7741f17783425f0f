"""The archive's two adapters for the tests, with what can happen to a stored object behind the archive's back:
the local folder, and an S3 bucket of moto's server (the ``s3`` fixture of tests/conftest.py); and an S3 store
that predates conditional writes (moto behind a small proxy)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from service.adapters.archive import FolderArchive, archive_key
from service.adapters.s3_archive import S3Archive
from service.services.ports import Archive
from tests.backends import S3Server


@dataclass
class Store:
    """An archive and what can happen to its objects behind its back."""

    archive: Archive
    tamper: Callable[[str, str, bytes], None]  # replace the bytes stored under (digest, suffix)
    remove: Callable[[str, str], None]
    identity: Callable[[str, str], object]  # changes whenever the stored object is written again


def folder_store(root: Path) -> Store:
    def path(digest: str, suffix: str) -> Path:
        return root / archive_key(digest, suffix)

    def tamper(digest: str, suffix: str, data: bytes) -> None:
        path(digest, suffix).chmod(0o644)
        path(digest, suffix).write_bytes(data)

    def identity(digest: str, suffix: str) -> object:
        st = path(digest, suffix).stat()
        return (st.st_ino, st.st_mtime_ns)

    return Store(FolderArchive(root), tamper, lambda d, s: path(d, s).unlink(), identity)


def s3_store(s3: S3Server, **options: Any) -> Store:
    bucket, client = s3.new_bucket(object_lock=True), s3.client()  # object lock: a versioned bucket
    archive = S3Archive(client, bucket, "records", **options)

    def identity(digest: str, suffix: str) -> object:
        return client.head_object(Bucket=bucket, Key=archive.key(digest, suffix))["VersionId"]

    return Store(
        archive,
        lambda d, s, data: client.put_object(Bucket=bucket, Key=archive.key(d, s), Body=data),
        lambda d, s: client.delete_object(Bucket=bucket, Key=archive.key(d, s)),
        identity,
    )


@pytest.fixture(params=["folder", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if request.param == "folder":
        return folder_store(tmp_path / "archive")
    return s3_store(request.getfixturevalue("s3"))


class OlderStore:
    """An S3-compatible store without conditional writes, on 127.0.0.1: it answers 501 NotImplemented to a PUT
    with ``If-None-Match`` (as stores that predate it do) and passes every other request to moto's server."""

    def __init__(self, s3: S3Server) -> None:
        self.refused = 0
        upstream, store = httpx.Client(base_url=s3.endpoint, timeout=30), self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                pass

            def _pass(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.command == "PUT" and "If-None-Match" in self.headers:
                    store.refused += 1
                    return self._answer(501, {}, _NOT_IMPLEMENTED)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                answer = upstream.request(self.command, self.path, headers=headers, content=body)
                skip = ("content-length", "transfer-encoding", "connection", "content-encoding")
                passed = {k: v for k, v in answer.headers.items() if k.lower() not in skip}
                self._answer(answer.status_code, passed, answer.content)

            do_GET = do_PUT = do_HEAD = do_DELETE = do_POST = _pass

            def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


_NOT_IMPLEMENTED = (
    b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>NotImplemented</Code>'
    b"<Message>A header you provided implies functionality that is not implemented</Message></Error>"
)
