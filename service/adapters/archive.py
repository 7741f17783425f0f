"""The archive in a local folder, content-addressed and immutable: ``<root>/<ab>/<cd>/<sha256><suffix>``.

Writes go to a temporary file, are flushed to disk, then linked into place; an existing file is never replaced.
Reads recompute the sha256 and refuse bytes that no longer match. :func:`open_archive` picks the adapter that
``VANBAN_ARCHIVE_URL`` names: this folder (the embedded default) or an S3-compatible store
(``service.adapters.s3_archive``, imported only then).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

from service.config import Settings
from service.errors import ArchiveCorrupted, ArchiveError, ArchiveMissing, ArchiveUnreachable
from service.services.ports import Archive

_HEX = frozenset("0123456789abcdef")


def archive_key(digest: str, suffix: str) -> str:
    """Where ``digest`` is stored, relative to the archive's root (a folder, a bucket's prefix):
    ``ab/cd/abcd...<suffix>``. Refuses anything but a lowercase hex SHA-256: a key never climbs out of the archive."""
    if len(digest) != 64 or not set(digest) <= _HEX:
        raise ArchiveError(f"not a sha256: {digest!r}", f"Không phải mã sha256: {digest!r}")
    return f"{digest[:2]}/{digest[2:4]}/{digest}{suffix}"


def open_archive(settings: Settings) -> Archive:
    """The archive the settings name: ``s3://bucket/prefix`` an S3-compatible store, else the archive folder
    (``file:///path``, or unset: ``VANBAN_ARCHIVE_DIR``, the data folder's ``archive/``)."""
    if settings.archive_in_folder:
        return FolderArchive(settings.archive)
    from service.adapters.s3_archive import S3Archive

    return S3Archive.from_settings(settings)


class FolderArchive:
    """The archive in the folder ``root`` (made if missing); see the module docstring."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def location(self) -> str:
        return self.root.absolute().as_uri()

    def _path(self, digest: str, suffix: str) -> Path:
        return self.root / archive_key(digest, suffix)

    def locate(self, digest: str, suffix: str) -> str:
        return self._path(digest, suffix).absolute().as_uri()

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
            raise ArchiveMissing(digest, self.locate(digest, suffix)) from None
        if hashlib.sha256(data).hexdigest() != digest:
            raise ArchiveCorrupted(digest)
        return data

    def ping(self) -> None:
        if not self.root.is_dir():
            raise ArchiveUnreachable(self.location, "the folder does not exist")
        if not os.access(self.root, os.W_OK | os.X_OK):
            raise ArchiveUnreachable(self.location, "the folder is not writable")
