"""SQLAlchemy tables and engine set-up; the schema itself is created by Alembic (service/migrations)."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from service.domain.registers import DEFAULT_REGISTER


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every database (SQLite keeps no time zone, so it is put back on read)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime, dict[str, Any]: JSON}


class JobRow(Base):
    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), index=True)
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=1)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class MadeByJob:
    """The columns of what a job makes from one template version and its data: a document, or a batch of them."""

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id"), index=True)
    template_id: Mapped[str] = mapped_column(String(100))
    template_version: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class BatchRow(MadeByJob, Base):
    """A class list turned into documents: one per row (call-up letters) or one with every row (a decision)."""

    __tablename__ = "batches"

    on_error: Mapped[str] = mapped_column(String(10))
    report: Mapped[dict[str, Any]] = mapped_column(JSON)
    chunk_size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DocumentRow(MadeByJob, Base):
    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("organisation", "register", "year", "number", name="uq_document_number"),
        Index("ix_documents_batch_position", "batch_id", "batch_index"),
        Index("uq_documents_file_ordinal", "file_code", "file_ordinal", unique=True),  # one place, one document
    )

    status: Mapped[str] = mapped_column(String(20))
    organisation: Mapped[str] = mapped_column(String(40))
    register: Mapped[str] = mapped_column(String(40), default=DEFAULT_REGISTER)
    year: Mapped[int | None] = mapped_column(Integer)
    number: Mapped[int | None] = mapped_column(Integer)
    notation: Mapped[str | None] = mapped_column(String(80))
    issued_on: Mapped[date | None] = mapped_column(Date)
    docx_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    signer: Mapped[str | None] = mapped_column(String(300))
    signed_at: Mapped[datetime | None]
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    batch_id: Mapped[str | None] = mapped_column(ForeignKey("batches.id"), index=True)
    batch_index: Mapped[int | None] = mapped_column(Integer)
    request_hash: Mapped[str] = mapped_column(String(64))
    workflow: Mapped[str] = mapped_column(String(10), default="direct", server_default="direct")
    requested_by: Mapped[str | None] = mapped_column(String(36))
    signers: Mapped[list[str]] = mapped_column(JSON, default=list)  # usernames, in signing order (review flow)
    signatures: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # who signed, when, which field
    rejection: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # the key of the public verification page its QR code leads to (/v/<code>), unguessable
    verify_code: Mapped[str | None] = mapped_column(String(64), unique=True, index=True, nullable=True)
    # NĐ 30 Phụ lục VI archive metadata, written once at issue (service.domain.records.ArchiveMetadata.to_json)
    archive_metadata: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    file_code: Mapped[str | None] = mapped_column(ForeignKey("record_files.code"), index=True)  # its hồ sơ
    file_ordinal: Mapped[int | None] = mapped_column(Integer)  # its place in the hồ sơ, from 1
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def archive_record(self) -> dict[str, Any] | None:
        """Its archive metadata with its place in its hồ sơ, as the API shows it; None before it is issued."""
        if self.archive_metadata is None:
            return None
        return {**self.archive_metadata, "file_code": self.file_code, "doc_ordinal": self.file_ordinal}


class RecordFileRow(Base):
    """A hồ sơ (file of records) a body keeps its issued documents in for their retention period
    (``service.domain.records.RecordFile``)."""

    __tablename__ = "record_files"

    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    organisation: Mapped[str] = mapped_column(String(40), index=True)
    retention_years: Mapped[int | None] = mapped_column(Integer)  # None: permanent
    rights: Mapped[str] = mapped_column(String(20))
    creator: Mapped[str] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text, default="")
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    closed_at: Mapped[datetime | None]
    destruction_proposed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RegisterEntryRow(Base):
    """One line of a sổ đăng ký văn bản đi (outgoing-document register): a number given to a document at issuance.
    A joint document has one line in each party's register."""

    __tablename__ = "register_entries"
    __table_args__ = (UniqueConstraint("organisation", "register", "year", "number", name="uq_register_entry"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organisation: Mapped[str] = mapped_column(String(40))
    register: Mapped[str] = mapped_column(String(40))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    notation: Mapped[str] = mapped_column(String(80))
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"), index=True)
    issued_on: Mapped[date] = mapped_column(Date)
    type_name: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(Text)
    signer: Mapped[str] = mapped_column(String(300))
    recipients: Mapped[list[str]] = mapped_column(JSON, default=list)
    archive_unit: Mapped[str] = mapped_column(String(200), default="")
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OrganisationRow(Base):
    __tablename__ = "organisations"

    abbreviation: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class UserRow(Base):
    """A person (or, for an API key, a system) of an organisation, with roles; ``credential`` says where the
    signer's key is (a PKCS#12 file or a PKCS#11 token), never its PIN."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200), default="")
    organisation: Mapped[str] = mapped_column(ForeignKey("organisations.abbreviation"))
    roles: Mapped[list[str]] = mapped_column(JSON)
    password_hash: Mapped[str | None] = mapped_column(String(300))
    credential: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiKeyRow(Base):
    __tablename__ = "api_keys"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class AccessTokenRow(Base):
    __tablename__ = "access_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class LoginThrottleRow(Base):
    """Failed logins of one account (``account:<username>``) or one client address (``address:<ip>``) in the
    current window, and the lockout they earned; kept in the database so every process and node sees them."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime]
    lockouts: Mapped[int] = mapped_column(Integer, default=0)  # how many so far: each one lasts twice the last
    locked_until: Mapped[datetime | None]
    last_failure_at: Mapped[datetime] = mapped_column(index=True)


class AuditEntryRow(Base):
    """One action, chained to the previous entry by hash."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(100))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHeadRow(Base):
    """The chain's last entry (one row): appending locks it, so entries are written one at a time, and deleting
    the newest entries is seen."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class RegisterCounterRow(Base):
    """Sổ đăng ký văn bản đi (outgoing-document register): the last number taken per body, register, year."""

    __tablename__ = "register_counters"

    organisation: Mapped[str] = mapped_column(String(40), primary_key=True)
    register: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class TemplateVersionRow(Base):
    """A registered template version: its files are in the archive (docx) and here (schema, example)."""

    __tablename__ = "template_versions"

    template_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    type_abbreviation: Mapped[str] = mapped_column(String(20))
    docx_sha256: Mapped[str] = mapped_column(String(64))
    schema_: Mapped[dict[str, Any]] = mapped_column("schema", JSON)
    example: Mapped[dict[str, Any]] = mapped_column(JSON)
    placeholders: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SigningSessionRow(Base):
    """A two-step signature waiting for its value (USB token plugin, phone app): expires after a while."""

    __tablename__ = "signing_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"), index=True)
    group_id: Mapped[str | None] = mapped_column(String(36), index=True)  # several documents, one session
    base_sha256: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]

    @classmethod
    def opened(
        cls, document_id: str, group_id: str | None, base_sha256: str, state: str, expires_at: datetime
    ) -> SigningSessionRow:
        """A new session for a two-step signature of ``document_id``'s PDF ``base_sha256``, until ``expires_at``."""
        return cls(
            id=str(uuid.uuid4()),
            document_id=document_id,
            group_id=group_id,
            base_sha256=base_sha256,
            state=state,
            expires_at=expires_at,
        )


class WorkerHeartbeatRow(Base):
    __tablename__ = "worker_heartbeats"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    seen_at: Mapped[datetime]
    converter_ok: Mapped[bool] = mapped_column(Boolean)
    detail: Mapped[str | None] = mapped_column(Text)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        # Writers queue for SQLite's single write lock; issuing a document holds it while the number and date go
        # into the PDF and the organisation signs (no number is taken unless the issue is recorded), so a burst of
        # issues may wait a while: two minutes before giving up.
        engine = create_engine(url, connect_args={"timeout": 120, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cur = dbapi_connection.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=120000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


class WebhookEndpointRow(Base):
    """Where a person or a system (an API key's user) wants to hear of ``events`` of their organisation: ``url``
    receives them signed with ``secret`` (Standard Webhooks; shown once, at registration)."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    organisation: Mapped[str] = mapped_column(String(20), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(JSON)
    secret: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookDeliveryRow(Base):
    """One event sent (or being sent) to one endpoint: its id is the ``webhook-id`` header, the same on every
    attempt; ``status``: pending, delivered or failed (after the last attempt)."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    endpoint_id: Mapped[str] = mapped_column(ForeignKey("webhook_endpoints.id"), index=True)
    event: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    response_status: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    error_vi: Mapped[str | None] = mapped_column(Text)  # the same, in Vietnamese
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    delivered_at: Mapped[datetime | None]


class NewRows:
    """How a repository makes new rows (people, their credentials, signing sessions), whatever keeps them (the
    SQLAlchemy repository, the tests' fake): each through its ``add``."""

    def add(self, row: object) -> None:
        raise NotImplementedError

    def add_organisation(self, abbreviation: str, name: str) -> None:
        self.add(OrganisationRow(abbreviation=abbreviation, name=name))

    def add_user(self, person: Any) -> UserRow:
        """``person``: a ``service.services.ports.Person`` (a dataclass of the row's columns)."""
        user = UserRow(id=str(uuid.uuid4()), **asdict(person))
        self.add(user)
        return user

    def add_api_key(self, key_hash: str, user_id: str) -> None:
        self.add(ApiKeyRow(key_hash=key_hash, user_id=user_id))

    def add_access_token(self, token_hash: str, user_id: str, expires_at: datetime) -> None:
        self.add(AccessTokenRow(token_hash=token_hash, user_id=user_id, expires_at=expires_at))

    def open_signing_session(
        self, document_id: str, group_id: str | None, base_sha256: str, state: str, expires_at: datetime
    ) -> SigningSessionRow:
        row = SigningSessionRow.opened(document_id, group_id, base_sha256, state, expires_at)
        self.add(row)
        return row
