"""The archive's contract, run on both adapters: the local folder and an S3 store (moto's server)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.adapters.archive import FolderArchive, archive_key, open_archive
from service.adapters.s3_archive import S3Archive
from service.config import Settings
from service.errors import ArchiveCorrupted, ArchiveError, ArchiveMissing, ArchiveRefused, ArchiveUnreachable
from service.main import create_app
from tests.archives import OlderStore, Store, s3_store, store
from tests.backends import S3Server, free_port

__all__ = ["store"]  # the fixture: both adapters


def test_put_and_get_round_trip(store: Store) -> None:
    archive = store.archive
    digest = archive.put(b"%PDF-1.7 one", ".pdf")
    assert digest == hashlib.sha256(b"%PDF-1.7 one").hexdigest()
    assert archive.get(digest, ".pdf") == b"%PDF-1.7 one"
    letters = [f"%PDF-1.7 letter {i}".encode() for i in range(12)]
    digests = archive.put_many(letters, ".pdf")
    assert digests == [hashlib.sha256(data).hexdigest() for data in letters]
    assert [archive.get(d, ".pdf") for d in digests] == letters
    with pytest.raises(ArchiveMissing):
        archive.get(digest, ".docx")  # the suffix is part of the key
    archive.ping()


def test_write_once_keeps_the_first_copy(store: Store) -> None:
    digest = store.archive.put(b"original", ".pdf")
    first = store.identity(digest, ".pdf")
    assert store.archive.put(b"original", ".pdf") == digest
    assert store.archive.put_many([b"original", b"original"], ".pdf") == [digest, digest]
    assert store.identity(digest, ".pdf") == first


def test_a_read_verifies_the_hash(store: Store) -> None:
    digest = store.archive.put(b"original", ".pdf")
    store.tamper(digest, ".pdf", b"tampered")
    with pytest.raises(ArchiveCorrupted, match=digest):
        store.archive.get(digest, ".pdf")


def test_a_missing_object_is_named(store: Store) -> None:
    digest = store.archive.put(b"kept a while", ".pdf")
    store.remove(digest, ".pdf")
    with pytest.raises(ArchiveMissing, match=digest) as missing:
        store.archive.get(digest, ".pdf")
    assert missing.value.key.endswith(archive_key(digest, ".pdf"))
    assert "Thiếu tệp lưu trữ" in missing.value.message_vi
    with pytest.raises(ArchiveMissing):
        store.archive.get("0" * 64, ".pdf")


def test_a_key_is_a_sha256_and_nothing_else(store: Store) -> None:
    for bad in ("../../etc/passwd", "A" * 64, "0" * 63):
        with pytest.raises(ArchiveError) as refused:
            store.archive.get(bad, ".pdf")
        assert not isinstance(refused.value, ArchiveMissing)


def test_folder_files_are_read_only_and_leave_no_temporary_file(tmp_path: Path) -> None:
    digest = FolderArchive(tmp_path).put(b"%PDF-1.7 one", ".pdf")
    path = tmp_path / digest[:2] / digest[2:4] / f"{digest}.pdf"
    assert oct(path.stat().st_mode & 0o777) == oct(0o444)
    assert not os.access(path, os.W_OK) or os.geteuid() == 0  # root may write anyway
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".incoming")]


def test_an_unreachable_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(ArchiveUnreachable, match="does not exist") as down:
        FolderArchive(tmp_path / "not-mounted").ping()
    assert (tmp_path / "not-mounted").as_uri() in down.value.message_en


def test_s3_write_once_without_conditional_writes(s3: S3Server) -> None:
    """A store without If-None-Match: the adapter looks first, and writes a key only when it is absent."""
    store = s3_store(s3, conditional_put=False)
    digest = store.archive.put(b"looked first", ".pdf")
    first = store.identity(digest, ".pdf")
    assert store.archive.put(b"looked first", ".pdf") == digest
    assert store.identity(digest, ".pdf") == first
    assert store.archive.get(digest, ".pdf") == b"looked first"


@pytest.mark.parametrize("conditional", [True, False])
def test_s3_refuses_a_key_that_holds_other_bytes(s3: S3Server, conditional: bool) -> None:
    store = s3_store(s3, conditional_put=conditional)
    digest = store.archive.put(b"the record", ".pdf")
    store.tamper(digest, ".pdf", b"someone else's bytes")
    with pytest.raises(ArchiveCorrupted):
        store.archive.put(b"the record", ".pdf")


def test_s3_object_lock_keeps_each_object_for_its_retention(s3: S3Server) -> None:
    bucket, client = s3.new_bucket(object_lock=True), s3.client()
    archive = S3Archive(client, bucket, "", retention_days=3650, retention_mode="COMPLIANCE")
    digest = archive.put(b"kept ten years", ".pdf")
    head = client.head_object(Bucket=bucket, Key=archive.key(digest, ".pdf"))
    assert head["ObjectLockMode"] == "COMPLIANCE"
    assert head["ObjectLockRetainUntilDate"].year >= 2035
    with pytest.raises(client.exceptions.ClientError, match="AccessDenied"):
        client.delete_object(Bucket=bucket, Key=archive.key(digest, ".pdf"), VersionId=head["VersionId"])
    assert archive.get(digest, ".pdf") == b"kept ten years"


def test_s3_errors_name_the_store(s3: S3Server) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    down = open_archive(Settings(**_s3_settings(s3, "vanban-nowhere", endpoint=closed)))
    with pytest.raises(ArchiveUnreachable, match="s3://vanban-nowhere") as unreachable:
        down.put(b"anything", ".pdf")
    assert "Không kết nối được kho lưu trữ" in unreachable.value.message_vi
    assert unreachable.value.status_code == 503
    with pytest.raises(ArchiveUnreachable):
        down.ping()
    missing_bucket = open_archive(Settings(**_s3_settings(s3, "vanban-no-such-bucket")))
    with pytest.raises(ArchiveRefused, match="NoSuchBucket"):
        missing_bucket.put(b"anything", ".pdf")
    with pytest.raises(ArchiveRefused, match="s3://vanban-no-such-bucket"):
        missing_bucket.ping()


def test_the_settings_choose_the_adapter(s3: S3Server, tmp_path: Path) -> None:
    assert isinstance(open_archive(Settings(data_dir=tmp_path)), FolderArchive)
    assert open_archive(Settings(data_dir=tmp_path)).location == (tmp_path / "archive").as_uri()
    folder = open_archive(Settings(data_dir=tmp_path, archive_url=(tmp_path / "elsewhere").as_uri()))
    assert folder.location == (tmp_path / "elsewhere").as_uri()
    bucket = s3.new_bucket()
    archive = open_archive(Settings(**_s3_settings(s3, bucket)))
    assert archive.location == f"s3://{bucket}/archive"
    digest = archive.put(b"through the settings", ".docx")
    assert s3.client().get_object(Bucket=bucket, Key=f"archive/{archive_key(digest, '.docx')}")["Metadata"] == {
        "sha256": digest
    }
    with pytest.raises(ValueError, match="archive_url"):
        Settings(archive_url="ftp://example.org/archive")


def _s3_settings(s3: S3Server, bucket: str, endpoint: str | None = None) -> dict[str, Any]:
    env = s3.settings(bucket)
    if endpoint:
        env["VANBAN_ARCHIVE_ENDPOINT_URL"] = endpoint
    return {k.removeprefix("VANBAN_").lower(): v for k, v in env.items()}


def test_healthz_names_the_archive_it_cannot_reach(s3: S3Server, tmp_path: Path) -> None:
    not_mounted = (tmp_path / "not-mounted").as_uri()
    for settings, location in [
        (Settings(data_dir=tmp_path, archive_url=not_mounted), not_mounted),
        (
            Settings(data_dir=tmp_path, **_s3_settings(s3, "vanban-no-such-bucket")),
            "s3://vanban-no-such-bucket/archive",
        ),
    ]:
        body = TestClient(create_app(settings)).get("/healthz").json()
        assert "archive" in body["failing"], body
        archive = body["components"]["archive"]
        assert archive["ok"] is False and archive["location"] == location and location in archive["detail"]
    bucket = s3.new_bucket()
    body = TestClient(create_app(Settings(data_dir=tmp_path, **_s3_settings(s3, bucket)))).get("/healthz").json()
    assert body["components"]["archive"] == {"ok": True, "location": f"s3://{bucket}/archive"}


def test_s3_on_a_store_without_conditional_writes_looks_before_it_writes(s3: S3Server) -> None:
    older = OlderStore(s3)
    try:
        bucket = s3.new_bucket(object_lock=True)
        client = S3Server(older.endpoint).client()
        archive = S3Archive(client, bucket, "records")
        digest = archive.put(b"written once", ".pdf")
        assert older.refused == 1 and not archive.conditional_put  # learnt once, from the store's 501
        key = archive.key(digest, ".pdf")
        first = client.head_object(Bucket=bucket, Key=key)["VersionId"]
        assert archive.put_many([b"written once", b"another"], ".pdf")[0] == digest
        assert client.head_object(Bucket=bucket, Key=key)["VersionId"] == first  # looked, found it, did not write
        assert older.refused == 1
        assert archive.get(digest, ".pdf") == b"written once"
        client.put_object(Bucket=bucket, Key=key, Body=b"other bytes")
        with pytest.raises(ArchiveCorrupted):
            archive.put(b"written once", ".pdf")
    finally:
        older.close()
