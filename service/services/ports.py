"""The ports of the service layer: what the services need from the database, the archive and the converter.

The adapters implement them (``service.unit_of_work.Database``, ``service.adapters.repository.Repository``,
``service.adapters.archive.FolderArchive``, ``service.adapters.s3_archive.S3Archive``,
``service.adapters.converter.Converter``, ``service.adapters.renderer.DocxRenderer``,
``service.adapters.pdf_pages.PdfPageTools``) and so do the tests' fakes
(``tests/fakes.py``); the services are typed against these Protocols only, never against SQLAlchemy.

One repository per unit of work, with named methods grouped by aggregate (documents and jobs, registers, people,
signing sessions, templates, audit, workers): a transaction spans aggregates (issuing writes the document, the
register and the audit chain together), and one repository keeps one in-memory store in the fake.

The rows are still the ORM's classes (``service.adapters.orm``): plain attribute objects the services read and
change inside a transaction; a change is kept only if the unit of work commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol

from service.adapters.orm import (
    AccessTokenRow,
    ApiKeyRow,
    BatchRow,
    DocumentRow,
    JobRow,
    LoginThrottleRow,
    OrganisationRow,
    RecordFileRow,
    RegisterEntryRow,
    SigningSessionRow,
    TemplateVersionRow,
    UserRow,
    WebhookDeliveryRow,
    WebhookEndpointRow,
    WorkerHeartbeatRow,
)
from service.adapters.pdf_pages import Letter, PageWords
from service.domain.audit import Entry
from service.domain.documents import DocumentFilter, IssuedWindow
from service.domain.exchange import ExchangeMessage
from service.domain.pdf_record import PdfRecord
from service.domain.records import FiledDocument, RecordFile
from signing.slots import SignatureSlot

# The rows are re-exported: the services name them from here, never from the adapters.
__all__ = [
    "AccessTokenRow",
    "ApiKeyRow",
    "Archive",
    "BatchRow",
    "Database",
    "DocumentRow",
    "Events",
    "Issued",
    "JobRow",
    "Letter",
    "LoginThrottleRow",
    "Metrics",
    "OrganisationRow",
    "PageWords",
    "PdfConverter",
    "PdfPages",
    "Person",
    "RecordFileRow",
    "RecordsXml",
    "RegisterEntryRow",
    "Renderer",
    "Repository",
    "SignatureStep",
    "SigningSessionRow",
    "TemplateVersionRow",
    "UnitOfWork",
    "UserRow",
    "WebhookDeliveryRow",
    "WebhookEndpointRow",
    "WorkerHeartbeatRow",
]


@dataclass(frozen=True)
class Person:
    """A person (or a system with an API key) as the repository records them; ``credential``: where their signing
    key is, never its PIN."""

    username: str
    full_name: str
    title: str
    organisation: str
    roles: list[str]
    password_hash: str | None
    credential: dict[str, Any] | None


@dataclass(frozen=True)
class Issued:
    """What production records of a document it issued: its signed PDF's ``pdf_sha256``, the ``signer`` and when
    (``signed_at``); ``docx_sha256``: its own DOCX, kept for a single document (a batch's letters make theirs again
    on demand); ``metadata``: its archive metadata (``ArchiveMetadata.to_json``)."""

    pdf_sha256: str
    signer: str
    signed_at: datetime
    docx_sha256: str | None = None
    metadata: dict[str, Any] | None = None


@dataclass(frozen=True)
class BatchToFile:
    """A batch of a body with issued letters not in any hồ sơ yet: of its ``letters``, ``to_file`` can be filed;
    their numbers run from ``first`` to ``last``. All of them (``whole``): the batch can be filed at once."""

    batch: BatchRow
    letters: int
    to_file: int
    first: int | None
    last: int | None

    @property
    def whole(self) -> bool:
        return self.to_file == self.letters


@dataclass(frozen=True)
class SignatureStep:
    """A signature recorded in the review flow: the document's PDF ``base_sha256``, in ``status``, became
    ``pdf_sha256``, with ``signatures`` so far; the document moves to ``new_status``."""

    base_sha256: str
    status: str
    pdf_sha256: str
    signatures: list[dict[str, Any]]
    new_status: str


class Repository(Protocol):
    """The rows of one transaction, by aggregate. Every write waits for the unit of work's commit."""

    # -- new rows -----------------------------------------------------------------------------------------------
    def add(self, row: object) -> None:
        """A new row (job, batch, document, user, key, signing session, template version...), written at once in
        the transaction, so that rows referring to it can follow."""

    # -- documents and jobs -------------------------------------------------------------------------------------
    def document(self, document_id: str) -> DocumentRow:
        """The document, or :class:`~service.errors.DocumentNotFound`."""

    def issued_by_verify_code(self, code: str) -> DocumentRow | None:
        """The issued document whose public verification code is ``code``; None for any other code, and for a
        document with that code not issued (a draft, a failed one)."""

    def job(self, job_id: str) -> JobRow:
        """The job, or :class:`~service.errors.JobNotFound`."""

    def batch(self, batch_id: str) -> BatchRow:
        """The batch, or :class:`~service.errors.NotFound`."""

    def document_by_idempotency_key(self, key: str) -> DocumentRow | None: ...

    def add_request(self, job: JobRow, document: DocumentRow) -> DocumentRow | None:
        """Record a requested document and its job. If a document with the same idempotency key was recorded
        meanwhile (a concurrent retry won), nothing is added and that document is returned."""

    def documents_of_batch(self, batch_id: str, first: int = 0, end: int | None = None) -> list[DocumentRow]:
        """The batch's documents with ``first <= batch_index < end``, in list order."""

    def serialise(self, what: str) -> None:
        """Transactions that serialise ``what`` (``admission``, ``webhooks of <user>``) wait for one another
        until this one ends: a count and the row it limits are one step."""

    def jobs_by_status(self) -> dict[str, int]:
        """How many jobs are queued and running (the queue's depth)."""

    def documents_of_job(self, job_id: str) -> list[DocumentRow]: ...

    def document_ids_of_job(self, job_id: str, limit: int) -> list[str]: ...

    def documents_waiting(self, status: str) -> list[DocumentRow]: ...

    def issued_between(
        self, organisation: str | None, username: str, window: IssuedWindow, limit: int
    ) -> list[DocumentRow]:
        """Issued documents in ``window``, latest first, at most ``limit``; with an ``organisation``, the same first
        cut as :meth:`documents_page`."""

    def documents_page(
        self, organisation: str | None, username: str, where: DocumentFilter, offset: int, limit: int
    ) -> tuple[list[DocumentRow], int]:
        """Documents matching ``where``, newest first, ``limit`` from ``offset``, and how many match in all; with an
        ``organisation``, a first cut of what its people may see (the caller applies the visibility rule)."""

    def failed_documents(self, document_ids: list[str]) -> set[str]:
        """Which of ``document_ids`` failed for good (their numbers stay in the register, marked)."""

    def unfinished_jobs(self) -> list[JobRow]:
        """Jobs queued or running, oldest first."""

    def finish(self, document_id: str, status: str, values: dict[str, object]) -> bool:
        """Move a document still requested or numbered to ``status`` with ``values``; False (nothing changes) if
        another delivery of its job did it first."""

    def issue(self, issued: dict[str, Issued]) -> set[str]:
        """Record numbered documents (by id) as issued, each unless it already is (or failed); the ids this call
        recorded."""

    def add_progress(self, job_id: str, done: int) -> JobRow:
        """Count ``done`` more documents of the job, atomically; the job as it is now."""

    def add_signature(self, document_id: str, step: SignatureStep) -> bool:
        """Record a signature in the review flow; False (nothing changes) if the document is no longer at
        ``step.base_sha256`` in ``step.status`` (someone else signed or rejected it)."""

    def claim_for_issue(self, document_id: str) -> bool:
        """Take a signed document for issuing (its status becomes issued in this transaction); False if another
        clerk took it first."""

    # -- registers (sổ đăng ký văn bản đi) ----------------------------------------------------------------------
    def take_number(self, organisation: str, register: str, year: int, count: int = 1) -> int:
        """Take the register's next number (``count`` of them: the last is returned); never the same number
        twice, even to concurrent callers."""

    def take_numbers(self, organisation: str, register: str, year: int, count: int) -> int:
        """Take ``count`` contiguous numbers at once; returns the first."""

    def counter(self, organisation: str, register: str, year: int) -> int:
        """The last number taken (0 before the first)."""

    def register_entry(self, organisation: str, register: str, year: int, number: int) -> RegisterEntryRow | None: ...

    def register_entries(self, organisation: str, register: str, year: int) -> list[RegisterEntryRow]: ...

    def insert_letters(self, letters: list[dict[str, Any]]) -> None:
        """A batch's documents, as column values, in one bulk write."""

    def insert_register_lines(self, lines: list[dict[str, Any]]) -> None:
        """Register lines, as column values. A number given already (the register's or a document's) raises
        :class:`~service.errors.NumberTaken`."""

    # -- people -------------------------------------------------------------------------------------------------
    def add_organisation(self, abbreviation: str, name: str) -> None: ...

    def add_user(self, person: Person) -> UserRow:
        """A new person, with a new id."""

    def add_api_key(self, key_hash: str, user_id: str) -> None: ...

    def add_access_token(self, token_hash: str, user_id: str, expires_at: datetime) -> None: ...

    def user(self, user_id: str) -> UserRow | None: ...

    def user_by_name(self, username: str) -> UserRow | None: ...

    def active_users(self, organisation: str) -> list[UserRow]: ...

    def active_users_with_role(self, role: str) -> list[UserRow]: ...

    def has_people(self) -> bool:
        """Whether any person (not the bootstrap ``automation`` user) exists."""

    def organisation(self, abbreviation: str) -> OrganisationRow | None: ...

    def api_key(self, key_hash: str) -> ApiKeyRow | None: ...

    def access_token(self, token_hash: str) -> AccessTokenRow | None: ...

    def forget_expired_tokens(self, now: datetime) -> None: ...

    def forget_access_token(self, token_hash: str) -> None:
        """Log out: the session or access token is forgotten (nothing happens if it is unknown)."""

    def users(self) -> list[UserRow]:
        """Every person and system account (the caller sorts them)."""

    def end_sessions_of(self, user_id: str) -> None:
        """Forget every session and bearer token of ``user_id`` (not their API keys)."""

    def login_throttle(self, key: str) -> LoginThrottleRow | None:
        """Failed logins of an account (``account:<username>``) or address (``address:<ip>``)."""

    def login_failures(self, key: str, now: datetime) -> LoginThrottleRow:
        """The key's failures as they are in the database now (another process may have counted one), to count
        one more; a new window starting ``now`` if there is none."""

    def forget_login_failures(self, key: str) -> None: ...

    def forget_stale_login_failures(self, stale: datetime, now: datetime) -> None:
        """Drop the keys with no failure since ``stale`` and no lockout running at ``now``."""

    # -- signing sessions ---------------------------------------------------------------------------------------
    def open_signing_session(
        self, document_id: str, group_id: str | None, base_sha256: str, state: str, expires_at: datetime
    ) -> SigningSessionRow:
        """A new two-step signing session of the document's PDF ``base_sha256`` (``state``: the prepared signature,
        JSON), with its id."""

    def signing_session(self, session_id: str) -> SigningSessionRow | None: ...

    def signing_sessions_of_group(self, group_id: str) -> list[SigningSessionRow]: ...

    # -- templates ----------------------------------------------------------------------------------------------
    def template_versions(self, template_id: str | None = None) -> list[TemplateVersionRow]:
        """Registered template versions, oldest first."""

    # -- files of records (hồ sơ) -------------------------------------------------------------------------------
    def record_file(self, code: str, lock: bool = False) -> RecordFileRow:
        """The hồ sơ, or :class:`~service.errors.RecordFileNotFound`; with ``lock``, held until the transaction
        ends (a concurrent filing or close of the same hồ sơ waits, then reads what this one wrote)."""

    def file_documents(self, code: str, ordinals: dict[str, int]) -> list[str]:
        """Put the documents (id: ordinal) in the hồ sơ if none of them is in one yet, even if another transaction
        filed one since they were read: all or none. The ids already filed (nothing changed), or ``[]``."""

    def record_files(self, organisation: str | None) -> list[RecordFileRow]:
        """The hồ sơ of ``organisation`` (None: every body's), by code."""

    def documents_of_file(self, code: str) -> list[DocumentRow]:
        """The documents filed in the hồ sơ, in their order (``file_ordinal``)."""

    def batches_to_file(self, organisation: str) -> list[BatchToFile]:
        """The body's batches with issued letters in no hồ sơ yet, the newest first."""

    # -- the archive's references (fixity) ----------------------------------------------------------------------
    def stored_objects(self) -> list[StoredObject]:
        """Every archived file the records refer to: documents' PDF, the PDF before each signature and DOCX, and
        the registered templates' DOCX; documents first, oldest first."""

    # -- audit --------------------------------------------------------------------------------------------------
    def append_audit(self, actor: str, action: str, object_id: str | None, detail: dict[str, object]) -> int:
        """Append one entry to the hash chain; its sequence number."""

    def audit_chain(self) -> tuple[list[Entry], int, str]:
        """Every entry, the head's sequence number and hash."""

    def audit_of(self, object_id: str) -> list[Entry]:
        """The entries about one object, oldest first."""

    # -- workers ------------------------------------------------------------------------------------------------
    def beat(self, worker_id: str, converter_ok: bool, detail: str | None) -> None: ...

    def heartbeats_since(self, since: datetime) -> list[WorkerHeartbeatRow]: ...

    def forget_worker(self, worker_id: str) -> None: ...

    def ping(self) -> None:
        """Reach the database (or raise)."""

    # -- webhooks -----------------------------------------------------------------------------------------------
    def webhook_endpoint(self, endpoint_id: str) -> WebhookEndpointRow | None:
        """An endpoint, active or not."""

    def webhook_endpoints(self, owner_id: str | None = None) -> list[WebhookEndpointRow]:
        """Active endpoints (of ``owner_id``), oldest first."""

    def webhook_subscribers(self, organisation: str, event: str) -> list[WebhookEndpointRow]:
        """Active endpoints of ``organisation`` that asked for ``event`` and whose owner is active, still of
        ``organisation`` and still holds a role of ``WEBHOOK_ROLES``."""

    def webhook_delivery(self, delivery_id: str) -> WebhookDeliveryRow | None: ...

    def webhook_deliveries(self, endpoint_id: str, limit: int) -> list[WebhookDeliveryRow]:
        """An endpoint's deliveries, newest first."""


class UnitOfWork(Protocol):
    """One transaction: ``with db.uow() as tx: ...; tx.commit()``; whatever is not committed is rolled back."""

    @property
    def repo(self) -> Repository: ...

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def commit(self) -> None: ...


class Database(Protocol):
    """Where units of work come from: one per process."""

    def uow(self) -> UnitOfWork: ...


class Archive(Protocol):
    """Content-addressed, write-once files (kho lưu trữ): the name is the content's SHA-256.

    Two adapters, chosen by ``VANBAN_ARCHIVE_URL``: the local folder (``service.adapters.archive``, the embedded
    default) and any S3-compatible store (``service.adapters.s3_archive``); ``tests/integration/test_archive.py``
    runs the same contract on both. ``put`` never overwrites what a key holds (the same bytes stored again keep the
    first copy); ``get`` re-hashes what it read (:class:`~service.errors.ArchiveCorrupted`,
    :class:`~service.errors.ArchiveMissing`); a store that does not answer raises
    :class:`~service.errors.ArchiveUnreachable` (a job retries it), one that refuses
    :class:`~service.errors.ArchiveRefused`.
    """

    @property
    def location(self) -> str:
        """The archive as ``VANBAN_ARCHIVE_URL`` names it (``file:///...``, ``s3://bucket/prefix``)."""
        ...

    def put(self, data: bytes, suffix: str) -> str:
        """Store ``data`` durably; its sha256."""
        ...

    def put_many(self, items: list[bytes], suffix: str) -> list[str]:
        """Store many files at once (a chunk of a batch); their sha256s in order."""
        ...

    def get(self, digest: str, suffix: str) -> bytes:
        """The bytes stored under ``digest``, their hash checked."""
        ...

    def locate(self, digest: str, suffix: str) -> str:
        """Where ``digest`` is (or would be) stored, as a URL: ``file:///.../ab/cd/<sha256>.pdf``, ``s3://...``."""
        ...

    def ping(self) -> None:
        """Reach the store, or :class:`~service.errors.ArchiveUnreachable` / ``ArchiveRefused``."""
        ...


@dataclass(frozen=True, kw_only=True)
class StoredObject:
    """An archived file the database refers to: whose it is (``owner`` "document" or "template", ``owner_id``),
    what it is to its owner (``role``: "pdf", "docx", "pdf before signature 2"), its digest and suffix."""

    owner: str
    owner_id: str
    role: str
    digest: str
    suffix: str

    @classmethod
    def of_document(
        cls, document_id: str, pdf: str | None, docx: str | None, signatures: list[dict[str, Any]] | None
    ) -> list[StoredObject]:
        """A document's files: its PDF, its DOCX, and the PDF as it was before each signature of the review flow."""
        files = [("pdf", pdf, ".pdf"), ("docx", docx, ".docx")]
        files += [
            (f"pdf before signature {i}", s.get("base_sha256"), ".pdf") for i, s in enumerate(signatures or [], 1)
        ]
        return [
            cls(owner="document", owner_id=document_id, role=role, digest=digest, suffix=suffix)
            for role, digest, suffix in files
            if digest
        ]

    @classmethod
    def of_template(cls, template_id: str, version: str, docx: str) -> StoredObject:
        return cls(owner="template", owner_id=f"{template_id}@{version[:12]}", role="docx", digest=docx, suffix=".docx")


class PdfConverter(Protocol):
    """DOCX to PDF (LibreOffice in production): tagged PDF/A-2b; not ``tagged``, a PDF to be cut into letters."""

    def to_pdf(self, docx: bytes, *, tagged: bool = True) -> bytes: ...


class Renderer(Protocol):
    """A template's DOCX filled with a context (docxtpl, sandboxed, in production)."""

    def render(self, template: bytes, context: dict[str, Any]) -> bytes: ...

    def render_many(self, template: bytes, contexts: list[dict[str, Any]]) -> bytes:
        """One DOCX with a letter per context, each starting on a new page, each as ``render`` would make it."""


class PdfPages(Protocol):
    """Page-level work on a PDF (pikepdf and pdftoppm in production)."""

    def letters(
        self, pdf: bytes, records: Sequence[PdfRecord], slots: Sequence[SignatureSlot | None] | None = None
    ) -> list[Letter]:
        """The documents of a PDF converted from ``Renderer.render_many``'s DOCX, one per record, in order: each
        made that record (as :meth:`make_record` makes it), with its number of pages and its signature mark, and
        written with its signature slot (``slots``: one per record, or none) for ``signing.slots.fill_slot``."""

    def make_record(self, pdf: bytes, record: PdfRecord) -> bytes:
        """``pdf`` with ``record``'s metadata (Info and XMP, PDF/A-2b claim, /Lang) and its QR code on page 1;
        before any signature (a full rewrite)."""

    def merge(self, pdfs: list[bytes]) -> bytes:
        """One PDF for printing, the documents one after the other."""

    def picture(self, pdf: bytes, page: int) -> bytes:
        """A PNG of page ``page`` (1-based); NotFound naming the page count if there is no such page."""

    def count(self, pdf: bytes) -> int:
        """How many pages the PDF has (số trang of its archive metadata)."""


class RecordsXml(Protocol):
    """The records' XML (lxml in production: ``service.adapters.records_xml``)."""

    def file_xml(self, file: RecordFile, organ_name: str, documents: list[FiledDocument]) -> bytes:
        """A hồ sơ's metadata and its documents', as ``service/records/hoso.xsd`` describes them."""

    def check_file_xml(self, xml: bytes) -> None:
        """:class:`~service.errors.InvalidRequest` naming every line ``hoso.xsd`` refuses."""

    def edxml(self, message: ExchangeMessage) -> bytes:
        """The edXML package (QCVN 102:2016/BTTTT) of ``message``."""

    def read_edxml(self, xml: bytes) -> ExchangeMessage:
        """An edXML package read back."""


class Metrics(Protocol):
    """What the services measure (``service.adapters.metrics`` records it for Prometheus)."""

    def stage(self, name: str, seconds: float) -> None:
        """One production stage took ``seconds``: render, convert, split, sign, archive, record."""

    def issued(self, kind: str, count: int) -> None:
        """``count`` more issued: ``document`` (a single document) or ``letter`` (a batch's)."""

    def signed(self, level: str, count: int, signer: str = "organisation") -> None:
        """``count`` PAdES signatures made at ``level`` (B-B, B-T, B-LT, B-LTA) by the organisation or a person."""

    def job_finished(self, kind: str, seconds: float) -> None:
        """A job (``document`` or ``batch``) succeeded ``seconds`` after it started."""

    def job_failed(self, code: str) -> None:
        """A job failed for good with the error ``code``."""


class Unmeasured:
    """Metrics nobody reads (a one-off command): each call records nothing."""

    def stage(self, name: str, seconds: float) -> None:
        pass

    def issued(self, kind: str, count: int) -> None:
        pass

    def signed(self, level: str, count: int, signer: str = "organisation") -> None:
        pass

    def job_finished(self, kind: str, seconds: float) -> None:
        pass

    def job_failed(self, code: str) -> None:
        pass


class Events(Protocol):
    """Events others may subscribe to (webhooks: ``services/webhooks.py``), published after the commit that made
    them true: ``document.issued``, ``document.signed``, ``batch.completed``, ``job.failed``."""

    def publish(self, event: str, organisation: str, data: dict[str, Any]) -> None: ...


class JobEnds(Protocol):
    """Word to whoever waits for a job (a long poll) that it ended, sent after the commit that ended it."""

    def announce(self, job_id: str) -> None: ...


class Unannounced:
    """Nobody waits (a one-off command, a test of something else)."""

    def announce(self, job_id: str) -> None:
        pass


class Unpublished:
    """Events nobody subscribes to (a one-off command, a test of something else)."""

    def publish(self, event: str, organisation: str, data: dict[str, Any]) -> None:
        pass
