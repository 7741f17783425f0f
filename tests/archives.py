"""The archive's two adapters for the tests, with what can happen to a stored object behind the archive's back:
the local folder, and an S3 bucket of moto's server (the ``s3`` fixture of tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from service.adapters.archive import FolderArchive
from service.adapters.s3_archive import S3Archive
from service.services.archive_port import Archive, archive_key
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
