"""Content-addressed, immutable file store: ``<root>/<ab>/<cd>/<sha256><suffix>``.

Writes go to a temporary file, are flushed to disk, then linked into place; an existing file is never replaced.
Reads recompute the sha256 and refuse bytes that no longer match.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

from service.errors import ArchiveCorrupted, ArchiveError


class Archive:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, digest: str, suffix: str) -> Path:
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ArchiveError(f"not a sha256: {digest!r}", f"Không phải mã sha256: {digest!r}")
        return self.root / digest[:2] / digest[2:4] / f"{digest}{suffix}"

    def put(self, data: bytes, suffix: str) -> str:
        """Store ``data``, durably; returns its sha256. Storing the same bytes twice keeps the first copy."""
        return self._put(data, suffix, sync=True)

    def put_many(self, items: list[bytes], suffix: str) -> list[str]:
        """Store many files with one flush to disk for all of them (a chunk of a batch)."""
        digests = [self._put(data, suffix, sync=False) for data in items]
        os.sync()
        return digests

    def _put(self, data: bytes, suffix: str, sync: bool) -> str:
        digest = hashlib.sha256(data).hexdigest()
        path = self._path(digest, suffix)
        if path.exists():
            return digest
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                if sync:
                    os.fsync(fh.fileno())
            os.chmod(tmp, 0o444)
            with contextlib.suppress(FileExistsError):  # a concurrent writer stored the same bytes first
                os.link(tmp, path)  # link, unlike rename, never replaces an existing file
        finally:
            os.unlink(tmp)
        if sync:
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        return digest

    def get(self, digest: str, suffix: str) -> bytes:
        path = self._path(digest, suffix)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise ArchiveError(f"archived file {digest} is missing", f"Thiếu tệp lưu trữ {digest}") from None
        if hashlib.sha256(data).hexdigest() != digest:
            raise ArchiveCorrupted(digest)
        return data
