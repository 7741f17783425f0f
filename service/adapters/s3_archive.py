"""The archive in any S3-compatible object store (AWS S3, MinIO, Ceph...), through boto3: the only module that
imports it.

Objects are named like the folder's files, ``<prefix>/<ab>/<cd>/<sha256><suffix>``, carry their sha256 as metadata
and as the S3 checksum (the store refuses an upload whose bytes do not match it), and are written once:

- with ``If-None-Match: *`` (``VANBAN_ARCHIVE_CONDITIONAL_PUT``, default on) the store itself refuses to replace a
  key; a store that does not implement it answers 501 and this adapter then looks first and writes only a key that
  is absent (as it always does with the setting off). Either way, a key that already holds the same bytes counts
  as stored, one that holds other bytes is :class:`~service.errors.ArchiveCorrupted`.
- ``VANBAN_ARCHIVE_RETENTION_DAYS`` puts each object under object lock (``VANBAN_ARCHIVE_RETENTION_MODE``,
  COMPLIANCE by default) for that long; the bucket must have been created with object lock enabled.

Every read re-hashes the bytes. A store that does not answer raises :class:`~service.errors.ArchiveUnreachable`
(a job retries), one that refuses (credentials, bucket, lock) :class:`~service.errors.ArchiveRefused`.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from service.adapters.archive import archive_key
from service.config import Settings
from service.errors import ArchiveCorrupted, ArchiveError, ArchiveMissing, ArchiveRefused, ArchiveUnreachable

log = logging.getLogger(__name__)

_ABSENT = frozenset({"404", "NoSuchKey", "NotFound"})
_TAKEN = frozenset({"412", "PreconditionFailed"})  # If-None-Match: the key holds an object already
_BUSY = frozenset({"409", "ConditionalRequestConflict"})  # another conditional write of the key is under way
_UNSUPPORTED = frozenset({"501", "NotImplemented"})


class S3Archive:
    """The archive in ``bucket`` under ``prefix``; ``client``: a boto3 S3 client (see :meth:`from_settings`)."""

    def __init__(
        self,
        client: Any,
        bucket: str,
        prefix: str = "",
        *,
        conditional_put: bool = True,
        retention_days: int = 0,
        retention_mode: str = "COMPLIANCE",
        writers: int = 8,
    ) -> None:
        self._client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.conditional_put = conditional_put
        self.retention_days = retention_days
        self.retention_mode = retention_mode
        self._writers = writers
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Archive:
        """The store ``VANBAN_ARCHIVE_URL=s3://bucket/prefix`` names, with the endpoint, region and credentials of
        the settings (unset: boto3's own chain, e.g. ``AWS_ACCESS_KEY_ID`` or an instance role)."""
        url = settings.archive_url or ""
        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        secret = settings.archive_secret_access_key
        client = boto3.session.Session().client(
            "s3",
            endpoint_url=settings.archive_endpoint_url,
            region_name=settings.archive_region,
            aws_access_key_id=settings.archive_access_key_id,
            aws_secret_access_key=secret.get_secret_value() if secret is not None else None,
            config=Config(
                connect_timeout=5,
                read_timeout=60,
                retries={"max_attempts": 3, "mode": "standard"},
                max_pool_connections=16,
                # only the checksums the store needs (ours, SHA-256): older S3-compatible stores refuse others
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )
        return cls(
            client,
            bucket,
            prefix,
            conditional_put=settings.archive_conditional_put,
            retention_days=settings.archive_retention_days,
            retention_mode=settings.archive_retention_mode,
        )

    @property
    def location(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"

    def key(self, digest: str, suffix: str) -> str:
        name = archive_key(digest, suffix)
        return f"{self.prefix}/{name}" if self.prefix else name

    def locate(self, digest: str, suffix: str) -> str:
        return f"s3://{self.bucket}/{self.key(digest, suffix)}"

    # -- writing ----------------------------------------------------------------------------------------------
    def put(self, data: bytes, suffix: str) -> str:
        """Store ``data`` once (see the module docstring); its sha256, once the store has acknowledged it."""
        digest = hashlib.sha256(data).hexdigest()
        key = self.key(digest, suffix)
        for attempt in range(5):
            if self._write_once(key, data, digest, suffix):
                return digest
            time.sleep(0.2 * (attempt + 1))  # another writer's conditional write of the key is under way
        raise ArchiveRefused(self.location, "store", f"{key}: another write of the same key never finished")

    def put_many(self, items: list[bytes], suffix: str) -> list[str]:
        """Store many files, several uploads at a time (a chunk of a batch); their sha256s in order."""
        if len(items) <= 1:
            return [self.put(data, suffix) for data in items]
        with ThreadPoolExecutor(min(self._writers, len(items)), thread_name_prefix="s3-put") as pool:
            return list(pool.map(lambda data: self.put(data, suffix), items))

    def _write_once(self, key: str, data: bytes, digest: str, suffix: str) -> bool:
        """One attempt; False when a concurrent conditional write of the key was under way (try again)."""
        args = self._put_arguments(key, data, digest)
        if self.conditional_put:
            try:
                self._client.put_object(IfNoneMatch="*", **args)
                return True
            except ClientError as exc:
                code = _code(exc)
                if code in _TAKEN:
                    return self._holds(key, digest, suffix, len(data))
                if code in _BUSY:
                    return False
                if code not in _UNSUPPORTED:
                    raise self._failure(exc, "store", key) from None
                with self._lock:
                    if self.conditional_put:
                        log.warning("%s does not implement If-None-Match; looking before each write", self.location)
                        self.conditional_put = False
            except BotoCoreError as exc:
                raise self._failure(exc, "store", key) from None
        if self._holds(key, digest, suffix, len(data)):
            return True
        try:
            self._client.put_object(**args)
        except (ClientError, BotoCoreError) as exc:
            raise self._failure(exc, "store", key) from None
        return True

    def _put_arguments(self, key: str, data: bytes, digest: str) -> dict[str, Any]:
        args: dict[str, Any] = {
            "Bucket": self.bucket,
            "Key": key,
            "Body": data,
            "ChecksumAlgorithm": "SHA256",
            "ChecksumSHA256": base64.b64encode(bytes.fromhex(digest)).decode("ascii"),
            "Metadata": {"sha256": digest},
        }
        if self.retention_days:
            args["ObjectLockMode"] = self.retention_mode
            args["ObjectLockRetainUntilDate"] = datetime.now(UTC) + timedelta(days=self.retention_days)
        return args

    def _holds(self, key: str, digest: str, suffix: str, size: int) -> bool:
        """Whether ``key`` holds the bytes of ``digest`` (False: nothing there). Other bytes: ArchiveCorrupted."""
        try:
            head = self._client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if _code(exc) in _ABSENT:
                return False
            raise self._failure(exc, "read", key) from None
        except BotoCoreError as exc:
            raise self._failure(exc, "read", key) from None
        if head.get("Metadata", {}).get("sha256") == digest and head.get("ContentLength") == size:
            return True
        self.get(digest, suffix)  # stored without our metadata: its bytes decide
        return True

    # -- reading ----------------------------------------------------------------------------------------------
    def get(self, digest: str, suffix: str) -> bytes:
        key = self.key(digest, suffix)
        try:
            data: bytes = self._client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except ClientError as exc:
            if _code(exc) in _ABSENT:
                raise ArchiveMissing(digest, self.locate(digest, suffix)) from None
            raise self._failure(exc, "read", key) from None
        except BotoCoreError as exc:
            raise self._failure(exc, "read", key) from None
        if hashlib.sha256(data).hexdigest() != digest:
            raise ArchiveCorrupted(digest)
        return data

    def ping(self) -> None:
        try:
            self._client.head_bucket(Bucket=self.bucket)
        except (ClientError, BotoCoreError) as exc:
            raise self._failure(exc, "open", "") from None

    def _failure(self, exc: ClientError | BotoCoreError, what: str, key: str) -> ArchiveError:
        """The service's error for what boto3 raised: unreachable (retry) or refused, naming the store."""
        where = f"{key}: " if key else ""
        if isinstance(exc, NoCredentialsError):
            return ArchiveRefused(self.location, what, f"{where}no credentials (VANBAN_ARCHIVE_ACCESS_KEY_ID)")
        if isinstance(exc, BotoCoreError):
            return ArchiveUnreachable(self.location, f"{where}{exc}")
        code = _code(exc)
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        message = exc.response.get("Error", {}).get("Message", "") or "no reason given"
        if status >= 500 or code in {"SlowDown", "ServiceUnavailable", "InternalError"}:
            return ArchiveUnreachable(self.location, f"{where}{code}: {message}")
        return ArchiveRefused(self.location, what, f"{where}{code}: {message}")


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
