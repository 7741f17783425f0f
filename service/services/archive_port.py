"""The archive's port (kho lưu trữ): content-addressed, write-once files named by the SHA-256 of their bytes.

Two adapters implement it, chosen by ``VANBAN_ARCHIVE_URL``: the local folder (``service.adapters.archive``, the
embedded default) and any S3-compatible object store (``service.adapters.s3_archive``). Both keep the same
contract, which ``tests/integration/test_archive.py`` runs on each:

- ``put`` stores the bytes under ``<ab>/<cd>/<sha256><suffix>`` and never overwrites what a key holds; storing the
  same bytes again keeps the first copy.
- ``get`` recomputes the SHA-256 of what it read and raises :class:`~service.errors.ArchiveCorrupted` when it no
  longer matches, :class:`~service.errors.ArchiveMissing` when nothing is stored under the key.
- A store that does not answer raises :class:`~service.errors.ArchiveUnreachable` (a job retries it), one that
  refuses (credentials, bucket, object lock) :class:`~service.errors.ArchiveRefused`.

:class:`ArchiveReferences` is the other side of the fixity check (``service.services.fixity``): every archived file
the database refers to (``service.adapters.archive_references`` reads them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from service.errors import ArchiveError

_HEX = frozenset("0123456789abcdef")


def archive_key(digest: str, suffix: str) -> str:
    """Where ``digest`` is stored, relative to the archive's root: ``ab/cd/abcd...<suffix>``. Refuses anything
    that is not a lowercase hex SHA-256 (a key can never climb out of the archive)."""
    if len(digest) != 64 or not set(digest) <= _HEX:
        raise ArchiveError(f"not a sha256: {digest!r}", f"Không phải mã sha256: {digest!r}")
    return f"{digest[:2]}/{digest[2:4]}/{digest}{suffix}"


class Archive(Protocol):
    """Content-addressed, write-once files: the name is the content's SHA-256."""

    @property
    def location(self) -> str:
        """The archive as ``VANBAN_ARCHIVE_URL`` names it (``file:///...``, ``s3://bucket/prefix``), for messages."""
        ...

    def put(self, data: bytes, suffix: str) -> str:
        """Store ``data`` durably; its sha256. The same bytes stored twice keep the first copy."""
        ...

    def put_many(self, items: list[bytes], suffix: str) -> list[str]:
        """Store many files at once (a chunk of a batch); their sha256s in order."""
        ...

    def get(self, digest: str, suffix: str) -> bytes:
        """The bytes stored under ``digest``, their hash checked."""
        ...

    def ping(self) -> None:
        """Reach the store (or raise :class:`~service.errors.ArchiveUnreachable` / ``ArchiveRefused``)."""
        ...


@dataclass(frozen=True, kw_only=True)
class StoredObject:
    """An archived file the database refers to: whose it is (``owner`` "document" or "template", ``owner_id``),
    what it is to its owner (``role``: "pdf", "docx", "pdf before signature 2"), and its digest and suffix."""

    owner: str
    owner_id: str
    role: str
    digest: str
    suffix: str


class ArchiveReferences(Protocol):
    """Every archived file the records refer to."""

    def stored_objects(self) -> list[StoredObject]: ...
