"""Fakes, not mocks: in-memory implementations of the service layer's ports (``service.services.ports``) for tests
that need neither a database nor LibreOffice, and the test credentials, written once.

- :class:`FakeDatabase` / :class:`FakeUnitOfWork` / :class:`FakeRepository`: the rows in dictionaries, with the
  real unit of work's semantics: a unit of work sees the rows as last committed, and nothing it does survives
  unless it commits (rows it handed out stay readable, as detached rows do).
- :class:`FakeArchive`: content-addressed bytes in a dictionary.
- :class:`FakeConverter`: a real small PDF made from the DOCX's text (one page per page break), without
  LibreOffice.
- :class:`FakeKeys` / :class:`FakeKey`: ``signing.open_key`` and the signers' keys it opens, without a key file or
  token; :class:`FakeSeal`: the organisation's signature.

The credentials: the demo PKI's password and a remote signing service's PIN and token. The PIN and token are
distinctive so that a test can look for them in logs and answers (they must never leak).
"""

from __future__ import annotations

import copy
import hashlib
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from io import BytesIO
from types import TracebackType
from typing import Any, TypeVar

import pikepdf
from lxml import etree
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.stamp import TextStamp, TextStampStyle
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Mapper

from service.adapters import orm
from service.domain.audit import GENESIS, Entry, chained, entry_columns
from service.domain.documents import DocumentFilter, DocumentStatus, IssuedWindow, JobStatus
from service.errors import (
    ArchiveMissing,
    BatchNotFound,
    DocumentNotFound,
    FieldError,
    InvalidRequest,
    JobNotFound,
    NumberTaken,
    RecordFileNotFound,
    WebhookNotDelivered,
)
from service.services.ports import BatchToFile, Issued, SignatureStep, StoredObject
from service.services.webhooks import listens
from signing import KeyLoadError, SigningKey
from signing.appearance import text_style
from signing.credentials import Credential, Pkcs12Credential
from signing.sign import SignatureRequest, SigningContext

PKI_PASSWORD = "test-password"
CSC_PIN = "secret-pin-24680"
CSC_TOKEN = "csc-token-7f3a9e"

Row = TypeVar("Row")
Key = tuple[Any, ...]
Tables = dict[type, dict[Key, dict[str, Any]]]


def _attributes(cls: type) -> list[str]:
    mapper: Mapper[Any] = sa_inspect(cls)
    return [p.key for p in mapper.column_attrs]


def _key(row: object) -> Key:
    mapper = sa_inspect(type(row))
    return tuple(getattr(row, mapper.get_property_by_column(c).key) for c in mapper.primary_key)


def _values(row: object) -> dict[str, Any]:
    return {name: copy.deepcopy(getattr(row, name)) for name in _attributes(type(row))}


def _fill_defaults(row: object) -> None:
    """What the database (or SQLAlchemy on insert) fills in: the columns' defaults."""
    for prop in sa_inspect(type(row)).column_attrs:
        column = prop.columns[0]
        if getattr(row, prop.key) is None and column.default is not None:
            default: Any = column.default
            value = default.arg(None) if default.is_callable else default.arg
            setattr(row, prop.key, copy.copy(value))


class FakeRepository(orm.NewRows):
    """``service.services.ports.Repository`` over dictionaries of rows (one per table, by primary key)."""

    def __init__(self, committed: Tables) -> None:
        self._committed = committed
        self._tables: dict[type, dict[Key, Any]] = {}

    # -- the store ------------------------------------------------------------------------------------------------
    def _table(self, cls: type[Row]) -> dict[Key, Row]:
        if cls not in self._tables:
            self._tables[cls] = {k: cls(**copy.deepcopy(v)) for k, v in self._committed.get(cls, {}).items()}
        return self._tables[cls]

    def _rows(self, cls: type[Row], keep: Callable[[Row], bool] = lambda _: True) -> list[Row]:
        return [r for r in self._table(cls).values() if keep(r)]

    def snapshot(self) -> Tables:
        """The rows as they are now in this unit of work (what a commit keeps)."""
        tables = dict(self._committed)
        for cls, rows in self._tables.items():
            tables[cls] = {k: _values(r) for k, r in rows.items()}
        return tables

    def add(self, row: object) -> None:
        _fill_defaults(row)
        if isinstance(row, orm.RegisterEntryRow) and row.id is None:
            row.id = len(self._table(orm.RegisterEntryRow)) + 1
        table = self._table(type(row))
        key = _key(row)
        if key in table:
            raise ValueError(f"{type(row).__name__} {key} exists already")
        table[key] = row

    # -- documents and jobs ---------------------------------------------------------------------------------------
    def document(self, document_id: str) -> orm.DocumentRow:
        row = self._table(orm.DocumentRow).get((document_id,))
        if row is None:
            raise DocumentNotFound(document_id)
        return row

    def issued_by_verify_code(self, code: str) -> orm.DocumentRow | None:
        found = (d for d in self._table(orm.DocumentRow).values() if d.verify_code == code)
        return next((d for d in found if d.status == DocumentStatus.ISSUED), None)

    def job(self, job_id: str) -> orm.JobRow:
        row = self._table(orm.JobRow).get((job_id,))
        if row is None:
            raise JobNotFound(job_id)
        return row

    def batch(self, batch_id: str) -> orm.BatchRow:
        row = self._table(orm.BatchRow).get((batch_id,))
        if row is None:
            raise BatchNotFound(batch_id)
        return row

    def document_by_idempotency_key(self, key: str) -> orm.DocumentRow | None:
        found = self._rows(orm.DocumentRow, lambda d: d.idempotency_key == key)
        return found[0] if found else None

    def add_request(self, job: orm.JobRow, document: orm.DocumentRow) -> orm.DocumentRow | None:
        key = document.idempotency_key
        earlier = self.document_by_idempotency_key(key) if key else None
        if earlier is not None:
            return earlier
        self.add(job)
        self.add(document)
        return None

    def documents_of_batch(self, batch_id: str, first: int = 0, end: int | None = None) -> list[orm.DocumentRow]:
        def keep(d: orm.DocumentRow) -> bool:
            index = d.batch_index if d.batch_index is not None else -1
            return d.batch_id == batch_id and index >= first and (end is None or index < end)

        return sorted(self._rows(orm.DocumentRow, keep), key=lambda d: d.batch_index or 0)

    def serialise(self, what: str) -> None:
        pass  # one transaction at a time already

    def jobs_by_status(self) -> dict[str, int]:
        counts = {"queued": 0, "running": 0}
        for job in self._rows(orm.JobRow, lambda j: j.status in counts):
            counts[job.status] += 1
        return counts

    def documents_of_job(self, job_id: str) -> list[orm.DocumentRow]:
        return sorted(self._rows(orm.DocumentRow, lambda d: d.job_id == job_id), key=lambda d: d.batch_index or 0)

    def document_ids_of_job(self, job_id: str, limit: int) -> list[str]:
        return [d.id for d in self.documents_of_job(job_id)][:limit]

    def documents_waiting(self, status: str) -> list[orm.DocumentRow]:
        return self._rows(orm.DocumentRow, lambda d: d.status == status)

    def documents_page(
        self, organisation: str | None, username: str, where: DocumentFilter, offset: int, limit: int
    ) -> tuple[list[orm.DocumentRow], int]:
        def matches(d: orm.DocumentRow) -> bool:
            visible = organisation is None or (
                d.organisation == organisation
                or username in (d.signers or [])
                or any(s.get("organisation") == organisation for s in d.signatures or [])
            )
            return (
                visible
                and (not where.status or d.status == where.status)
                and (not where.template or d.template_id == where.template)
                and (not where.notation or where.notation in (d.notation or ""))
                and (not where.created_from or d.created_at >= where.created_from)
                and (not where.created_before or d.created_at < where.created_before)
                and (where.filed is None or (d.file_code is not None) == where.filed)
                and (not where.organisation or d.organisation == where.organisation)
            )

        def order(d: orm.DocumentRow) -> tuple[Any, ...]:
            if where.by_issue:
                number = (d.number is None, d.number or 0)
                return (d.issued_on is None, d.issued_on or date.min, d.created_at.timestamp(), *number, d.id)
            return (-d.created_at.timestamp(), d.number is None, -(d.number or 0), d.id)

        rows = sorted(self._rows(orm.DocumentRow, matches), key=order)
        return rows[offset : offset + limit], len(rows)

    def issued_between(
        self, organisation: str | None, username: str, window: IssuedWindow, limit: int
    ) -> list[orm.DocumentRow]:
        issued = DocumentFilter(DocumentStatus.ISSUED, window.template)
        rows, _ = self.documents_page(organisation, username, issued, 0, 10**9)
        chosen = [
            d
            for d in rows
            if (not window.issued_from or (d.issued_on and d.issued_on >= window.issued_from))
            and (not window.issued_to or (d.issued_on and d.issued_on <= window.issued_to))
        ]
        chosen.sort(key=lambda d: (d.issued_on, d.number or 0), reverse=True)
        return chosen[:limit]

    def failed_documents(self, document_ids: list[str]) -> set[str]:
        wanted = set(document_ids)
        return {
            d.id for d in self._rows(orm.DocumentRow, lambda d: d.id in wanted and d.status == DocumentStatus.FAILED)
        }

    def unfinished_jobs(self) -> list[orm.JobRow]:
        running = (JobStatus.QUEUED, JobStatus.RUNNING)
        return sorted(self._rows(orm.JobRow, lambda j: j.status in running), key=lambda j: j.created_at)

    def finish(self, document_id: str, status: str, values: dict[str, object]) -> bool:
        doc = self.document(document_id)
        if doc.status not in (DocumentStatus.REQUESTED, DocumentStatus.NUMBERED):
            return False
        doc.status, doc.updated_at = status, orm.utcnow()
        for name, value in values.items():
            setattr(doc, name, value)
        return True

    def issue(self, issued: dict[str, Issued]) -> set[str]:
        recorded = set()
        for document_id, one in issued.items():
            doc = self.document(document_id)
            if doc.status in (DocumentStatus.ISSUED, DocumentStatus.FAILED):
                continue
            doc.pdf_sha256, doc.signer, doc.signed_at = one.pdf_sha256, one.signer, one.signed_at
            doc.status = DocumentStatus.ISSUED
            if one.docx_sha256 is not None:
                doc.docx_sha256 = one.docx_sha256
            if one.metadata is not None:
                doc.archive_metadata = copy.deepcopy(one.metadata)
            doc.updated_at = orm.utcnow()
            recorded.add(document_id)
        return recorded

    def add_progress(self, job_id: str, done: int) -> orm.JobRow:
        job = self.job(job_id)
        job.done += done
        return job

    def add_signature(self, document_id: str, step: SignatureStep) -> bool:
        doc = self.document(document_id)
        if doc.pdf_sha256 != step.base_sha256 or doc.status != step.status:
            return False
        doc.pdf_sha256, doc.signatures, doc.status = step.pdf_sha256, step.signatures, step.new_status
        doc.updated_at = orm.utcnow()
        return True

    def claim_for_issue(self, document_id: str) -> bool:
        doc = self.document(document_id)
        if doc.status != DocumentStatus.SIGNED:
            return False
        doc.status = DocumentStatus.ISSUED
        return True

    # -- registers ------------------------------------------------------------------------------------------------
    def take_number(self, organisation: str, register: str, year: int, count: int = 1) -> int:
        table = self._table(orm.RegisterCounterRow)
        key = (organisation, register, year)
        if key not in table:
            self.add(orm.RegisterCounterRow(organisation=organisation, register=register, year=year, last_number=0))
        table[key].last_number += count
        return table[key].last_number

    def take_numbers(self, organisation: str, register: str, year: int, count: int) -> int:
        return self.take_number(organisation, register, year, count) - count + 1

    def counter(self, organisation: str, register: str, year: int) -> int:
        row = self._table(orm.RegisterCounterRow).get((organisation, register, year))
        return row.last_number if row is not None else 0

    def register_entry(self, organisation: str, register: str, year: int, number: int) -> orm.RegisterEntryRow | None:
        found = [e for e in self.register_entries(organisation, register, year) if e.number == number]
        return found[0] if found else None

    def register_entries(self, organisation: str, register: str, year: int) -> list[orm.RegisterEntryRow]:
        def keep(e: orm.RegisterEntryRow) -> bool:
            return (e.organisation, e.register, e.year) == (organisation, register, year)

        return sorted(self._rows(orm.RegisterEntryRow, keep), key=lambda e: e.number)

    def insert_letters(self, letters: list[dict[str, Any]]) -> None:
        for letter in letters:
            self.add(orm.DocumentRow(**copy.deepcopy(letter)))

    def insert_register_lines(self, lines: list[dict[str, Any]]) -> None:
        """Refused as the database's unique keys refuse them: one line per number of a register's year, one
        document per number."""
        taken = {(e.organisation, e.register, e.year, e.number) for e in self._rows(orm.RegisterEntryRow)}
        numbered = [
            (d.organisation, d.register, d.year, d.number) for d in self._rows(orm.DocumentRow) if d.number is not None
        ]
        for line in lines:
            key = (line["organisation"], line["register"], line["year"], line["number"])
            if key in taken:
                raise NumberTaken(str(line["notation"]))
            taken.add(key)
        if len(numbered) != len(set(numbered)):
            raise NumberTaken(", ".join(dict.fromkeys(str(line["notation"]) for line in lines)))
        for line in lines:
            self.add(orm.RegisterEntryRow(**copy.deepcopy(line)))

    # -- people ---------------------------------------------------------------------------------------------------
    def user(self, user_id: str) -> orm.UserRow | None:
        return self._table(orm.UserRow).get((user_id,))

    def user_by_name(self, username: str) -> orm.UserRow | None:
        found = self._rows(orm.UserRow, lambda u: u.username == username)
        return found[0] if found else None

    def active_users(self, organisation: str) -> list[orm.UserRow]:
        return self._rows(orm.UserRow, lambda u: u.organisation == organisation and u.active)

    def active_users_with_role(self, role: str) -> list[orm.UserRow]:
        users = self._rows(orm.UserRow, lambda u: u.active and role in u.roles)
        return sorted(users, key=lambda u: u.organisation)

    def has_people(self) -> bool:
        return bool(self._rows(orm.UserRow, lambda u: u.username != "automation"))

    def organisation(self, abbreviation: str) -> orm.OrganisationRow | None:
        return self._table(orm.OrganisationRow).get((abbreviation,))

    def api_key(self, key_hash: str) -> orm.ApiKeyRow | None:
        return self._table(orm.ApiKeyRow).get((key_hash,))

    def access_token(self, token_hash: str) -> orm.AccessTokenRow | None:
        return self._table(orm.AccessTokenRow).get((token_hash,))

    def forget_expired_tokens(self, now: datetime) -> None:
        self._forget(orm.AccessTokenRow, lambda t: t.expires_at < now)

    def forget_access_token(self, token_hash: str) -> None:
        self._forget(orm.AccessTokenRow, lambda t: t.token_hash == token_hash)

    def users(self) -> list[orm.UserRow]:
        return self._rows(orm.UserRow)

    def end_sessions_of(self, user_id: str) -> None:
        self._forget(orm.AccessTokenRow, lambda t: t.user_id == user_id)

    def login_throttle(self, key: str) -> orm.LoginThrottleRow | None:
        return self._table(orm.LoginThrottleRow).get((key,))

    def login_failures(self, key: str, now: datetime) -> orm.LoginThrottleRow:
        row = self.login_throttle(key)
        if row is None:
            row = orm.LoginThrottleRow(key=key, failures=0, window_start=now, lockouts=0)
            self._table(orm.LoginThrottleRow)[(key,)] = row
        return row

    def forget_login_failures(self, key: str) -> None:
        self._forget(orm.LoginThrottleRow, lambda t: t.key == key)

    def forget_stale_login_failures(self, stale: datetime, now: datetime) -> None:
        self._forget(
            orm.LoginThrottleRow,
            lambda t: t.last_failure_at < stale and (t.locked_until is None or t.locked_until < now),
        )

    def _forget(self, cls: type[Row], gone: Callable[[Row], bool]) -> None:
        table = self._table(cls)
        for key in [k for k, r in table.items() if gone(r)]:
            del table[key]

    # -- signing sessions -----------------------------------------------------------------------------------------
    def signing_session(self, session_id: str) -> orm.SigningSessionRow | None:
        return self._table(orm.SigningSessionRow).get((session_id,))

    def signing_sessions_of_group(self, group_id: str) -> list[orm.SigningSessionRow]:
        return self._rows(orm.SigningSessionRow, lambda s: s.group_id == group_id)

    # -- templates ------------------------------------------------------------------------------------------------
    def template_versions(self, template_id: str | None = None) -> list[orm.TemplateVersionRow]:
        rows = self._rows(orm.TemplateVersionRow, lambda t: template_id is None or t.template_id == template_id)
        return sorted(rows, key=lambda t: t.created_at)

    def record_file(self, code: str, lock: bool = False) -> orm.RecordFileRow:
        row = self._table(orm.RecordFileRow).get((code,))
        if row is None:
            raise RecordFileNotFound(code)
        return row

    def file_documents(self, code: str, ordinals: dict[str, int]) -> list[str]:
        docs = [self.document(d) for d in ordinals]
        taken = sorted(d.id for d in docs if d.file_code is not None)
        if not taken:
            for doc in docs:
                doc.file_code, doc.file_ordinal = code, ordinals[doc.id]
        return taken

    def record_files(self, organisation: str | None) -> list[orm.RecordFileRow]:
        rows = self._rows(orm.RecordFileRow, lambda f: organisation is None or f.organisation == organisation)
        return sorted(rows, key=lambda f: f.code)

    def documents_of_file(self, code: str) -> list[orm.DocumentRow]:
        return sorted(self._rows(orm.DocumentRow, lambda d: d.file_code == code), key=lambda d: d.file_ordinal or 0)

    def batches_to_file(self, organisation: str) -> list[BatchToFile]:
        letters: dict[str, list[orm.DocumentRow]] = {}
        for d in self._rows(orm.DocumentRow, lambda d: d.organisation == organisation and d.batch_id is not None):
            letters.setdefault(str(d.batch_id), []).append(d)
        found = []
        for batch_id, docs in letters.items():
            numbers = [d.number or 0 for d in docs if d.status == DocumentStatus.ISSUED.value and d.file_code is None]
            if numbers:
                found.append(BatchToFile(self.batch(batch_id), len(docs), len(numbers), min(numbers), max(numbers)))
        return sorted(found, key=lambda b: (b.batch.created_at, b.batch.id), reverse=True)

    def stored_objects(self) -> list[StoredObject]:
        documents = sorted(self._rows(orm.DocumentRow), key=lambda d: d.id)
        found = [
            s for d in documents for s in StoredObject.of_document(d.id, d.pdf_sha256, d.docx_sha256, d.signatures)
        ]
        templates = self.template_versions()
        return found + [StoredObject.of_template(t.template_id, t.version, t.docx_sha256) for t in templates]

    # -- audit ----------------------------------------------------------------------------------------------------
    def append_audit(self, actor: str, action: str, object_id: str | None, detail: dict[str, object]) -> int:
        _, seq, prev = self.audit_chain()
        entry = chained(prev, seq + 1, orm.utcnow(), actor, action, object_id, detail)
        self.add(orm.AuditEntryRow(**entry_columns(entry)))
        return entry.seq

    def audit_of(self, object_id: str) -> list[Entry]:
        return [e for e in self.audit_chain()[0] if e.object_id == object_id]

    def audit_chain(self) -> tuple[list[Entry], int, str]:
        rows = sorted(self._rows(orm.AuditEntryRow), key=lambda r: r.seq)
        entries = [Entry(r.seq, r.at, r.actor, r.action, r.object_id, r.detail, r.prev_hash, r.hash) for r in rows]
        return entries, (rows[-1].seq if rows else 0), (rows[-1].hash if rows else GENESIS)

    # -- workers --------------------------------------------------------------------------------------------------
    def beat(self, worker_id: str, converter_ok: bool, detail: str | None) -> None:
        self._table(orm.WorkerHeartbeatRow)[(worker_id,)] = orm.WorkerHeartbeatRow(
            id=worker_id, seen_at=orm.utcnow(), converter_ok=converter_ok, detail=detail
        )

    def heartbeats_since(self, since: datetime) -> list[orm.WorkerHeartbeatRow]:
        return self._rows(orm.WorkerHeartbeatRow, lambda w: w.seen_at >= since)

    def forget_worker(self, worker_id: str) -> None:
        self._table(orm.WorkerHeartbeatRow).pop((worker_id,), None)

    def webhook_endpoint(self, endpoint_id: str) -> orm.WebhookEndpointRow | None:
        return self._table(orm.WebhookEndpointRow).get((endpoint_id,))

    def webhook_endpoints(self, owner_id: str | None = None) -> list[orm.WebhookEndpointRow]:
        rows = self._rows(orm.WebhookEndpointRow, lambda e: e.active and owner_id in (None, e.owner_id))
        return sorted(rows, key=lambda e: e.created_at)

    def webhook_subscribers(self, organisation: str, event: str) -> list[orm.WebhookEndpointRow]:
        def subscribed(e: orm.WebhookEndpointRow) -> bool:
            return e.organisation == organisation and event in e.events and listens(e, self.user(e.owner_id))

        return self._rows(orm.WebhookEndpointRow, subscribed)

    def webhook_delivery(self, delivery_id: str) -> orm.WebhookDeliveryRow | None:
        return self._table(orm.WebhookDeliveryRow).get((delivery_id,))

    def webhook_deliveries(self, endpoint_id: str, limit: int) -> list[orm.WebhookDeliveryRow]:
        rows = self._rows(orm.WebhookDeliveryRow, lambda d: d.endpoint_id == endpoint_id)
        return sorted(rows, key=lambda d: d.created_at, reverse=True)[:limit]

    def ping(self) -> None:
        return None


class FakeUnitOfWork:
    """``service.services.ports.UnitOfWork``: the repository works on copies of the committed rows; ``commit``
    makes them the committed rows."""

    def __init__(self, db: FakeDatabase) -> None:
        self._db = db
        self._repo: FakeRepository | None = None

    @property
    def repo(self) -> FakeRepository:
        assert self._repo is not None, "a unit of work is used inside its with block"
        return self._repo

    def __enter__(self) -> FakeUnitOfWork:
        self._repo = FakeRepository(self._db.committed)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None  # what was not committed is simply dropped with the repository's copies

    def commit(self) -> None:
        self._db.committed = self.repo.snapshot()
        self._db.commits += 1


class FakeDatabase:
    """``service.services.ports.Database`` in memory; ``committed`` holds each table's rows as column values."""

    def __init__(self) -> None:
        self.committed: Tables = {}
        self.commits = 0

    def uow(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self)

    def rows(self, cls: type[Row]) -> list[Row]:
        """The committed rows of a table (copies: changing them changes nothing)."""
        return [cls(**copy.deepcopy(v)) for v in self.committed.get(cls, {}).values()]


class FakeArchive:
    """``service.services.ports.Archive`` in a dictionary."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def put(self, data: bytes, suffix: str) -> str:
        digest = hashlib.sha256(data).hexdigest()
        self.files.setdefault(digest + suffix, data)
        return digest

    def put_many(self, items: list[bytes], suffix: str) -> list[str]:
        return [self.put(item, suffix) for item in items]

    def get(self, digest: str, suffix: str) -> bytes:
        try:
            return self.files[digest + suffix]
        except KeyError:
            raise ArchiveMissing(digest, self.locate(digest, suffix)) from None

    location = "memory://archive"

    def locate(self, digest: str, suffix: str) -> str:
        return f"{self.location}/{digest}{suffix}"

    def ping(self) -> None:
        pass


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_pages(docx: bytes) -> list[list[str]]:
    """The text of a DOCX, paragraph by paragraph (a table's cells one after another), cut at page breaks."""
    root = etree.fromstring(zipfile.ZipFile(BytesIO(docx)).read("word/document.xml"))
    pages: list[list[str]] = [[]]
    for paragraph in root.iter(f"{W}p"):
        line = ""
        for node in paragraph.iter(f"{W}t", f"{W}br", f"{W}tab"):
            if node.tag == f"{W}t":
                line += node.text or ""
            elif node.tag == f"{W}tab":
                line += " "
            elif node.get(f"{W}type") == "page":
                pages[-1].append(line)
                pages.append([])
                line = ""
        pages[-1].append(line)
    return pages


def docx_bookmarks(docx: bytes) -> dict[str, int]:
    """The page (0-based, as :func:`docx_pages` cuts them) of each bookmark of a DOCX."""
    root = etree.fromstring(zipfile.ZipFile(BytesIO(docx)).read("word/document.xml"))
    page, found = 0, {}
    for node in root.iter(f"{W}br", f"{W}bookmarkStart"):
        if node.tag == f"{W}bookmarkStart":
            found[node.get(f"{W}name")] = page
        elif node.get(f"{W}type") == "page":
            page += 1
    return found


class FakeConverter:
    """``service.services.ports.PdfConverter`` without LibreOffice: an A4 page per DOCX page, its text in lines of
    Liberation Serif (a real PDF: pdftotext reads it back), the DOCX's bookmarks as named destinations (at the top
    of their page, where LibreOffice puts them where they are). ``fail``: the error every conversion raises, if
    set."""

    def __init__(self, fail: Exception | None = None) -> None:
        self.fail = fail
        self.converted = 0

    def to_pdf(self, docx: bytes, *, tagged: bool = True) -> bytes:
        if self.fail is not None:
            raise self.fail
        pages = docx_pages(docx)
        blank = pikepdf.new()
        for _ in pages:
            blank.add_blank_page(page_size=(595, 842))
        blank.Root.Dests = pikepdf.Dictionary(
            {
                f"/{name}": pikepdf.Array([blank.pages[page].obj, pikepdf.Name.XYZ, 300, 400, 0])
                for name, page in docx_bookmarks(docx).items()
            }
        )
        out = BytesIO()
        blank.save(out)
        writer = IncrementalPdfFileWriter(BytesIO(out.getvalue()), strict=False)
        style = TextStampStyle(stamp_text="%(text)s", text_box_style=text_style(8), border_width=0)
        for index, lines in enumerate(pages):
            text = "\n".join(line for line in lines if line.strip())[:4000] or " "
            stamp = TextStamp(writer, style, text_params={"text": text})
            stamp.render()
            assert stamp.box is not None
            stamp.apply(index, 40, max(20, int(820 - stamp.box.height)))
        result = BytesIO()
        writer.write(result)
        self.converted += 1
        return result.getvalue()

    def stop(self) -> None:
        return None


class FakeKey(SigningKey):
    """A signer's key without a file or token: "signs" a PDF by appending a comment naming the signer and the field,
    so a test sees who signed what, in which order."""

    def __init__(self, name: str) -> None:
        self.name = name

    @property
    def subject_common_name(self) -> str:
        return self.name

    def _sign_all(
        self, pdfs: list[bytes], requests: list[SignatureRequest], context: SigningContext | None
    ) -> list[bytes]:
        return [
            pdf + f"\n% signed by {self.name} in {r.field_name}\n".encode()
            for pdf, r in zip(pdfs, requests, strict=True)
        ]

    def _release(self) -> None:
        return None


class FakeKeys:
    """``signing.open_key`` for fake keys: a PKCS#12 credential's ``path`` names whose key it is (``owners``), the
    ``pin`` opens every one of them; a wrong PIN is a ``KeyLoadError`` as with a real key. ``opened``: how many
    times a key was opened (one authorisation per request)."""

    def __init__(self, owners: dict[str, str], pin: str = CSC_PIN) -> None:
        self.owners, self.pin, self.opened = owners, pin, 0

    def __call__(self, credential: Credential, secret: str, **_: object) -> SigningKey:
        """Ignores the access token and the expected certificate: a fake key has no certificate to compare."""
        if secret != self.pin:
            raise KeyLoadError("wrong PIN")
        assert isinstance(credential, Pkcs12Credential), credential
        self.opened += 1
        return FakeKey(self.owners[str(credential.path)])


class FakeSeal:
    """The organisation's signature (``service.services.issuing.OrganisationSeal``) without its key: appends a
    comment with the reason."""

    def sign(self, pdf: bytes, reason: str, location: str | None, *, prepared: bool) -> tuple[bytes, str]:
        return pdf + f"\n% sealed: {reason}\n".encode(), "ToChuc"


class FakeMetrics:
    """``service.services.ports.Metrics`` that keeps what was recorded: stages timed, counts by name."""

    def __init__(self) -> None:
        self.stages: list[str] = []
        self.seconds: list[float] = []
        self.counts: dict[tuple[str, str], int] = {}
        self.jobs_finished: list[str] = []

    def stage(self, name: str, seconds: float) -> None:
        self.stages.append(name)
        self.seconds.append(seconds)

    def _add(self, name: str, label: str, count: int) -> None:
        self.counts[(name, label)] = self.counts.get((name, label), 0) + count

    def issued(self, kind: str, count: int) -> None:
        self._add("issued", kind, count)

    def signed(self, level: str, count: int, signer: str = "organisation") -> None:
        self._add("signed", f"{level} {signer}", count)

    def job_finished(self, kind: str, seconds: float) -> None:
        assert seconds >= 0
        self.jobs_finished.append(kind)

    def job_failed(self, code: str) -> None:
        self._add("failed", code, 1)


class FakeEvents:
    """``service.services.ports.Events`` that keeps every event published, in order."""

    def __init__(self) -> None:
        self.published: list[tuple[str, str, dict[str, Any]]] = []

    def publish(self, event: str, organisation: str, data: dict[str, Any]) -> None:
        self.published.append((event, organisation, data))


class FakeWebhookSender:
    """``service.services.webhooks.WebhookSender`` without a network: keeps every request and answers each with the
    next of ``answers`` (an HTTP status, or None: no answer); ``refused``: URLs whose address is not allowed."""

    def __init__(self, answers: list[int | None], refused: tuple[str, ...] = ()) -> None:
        self.answers = list(answers)
        self.refused = refused
        self.sent: list[tuple[str, dict[str, str], bytes]] = []

    def check(self, url: str) -> None:
        if url in self.refused:
            raise InvalidRequest([FieldError("url", "private address", "địa chỉ nội bộ")])

    def post(self, url: str, headers: dict[str, str], body: bytes) -> int:
        self.sent.append((url, headers, body))
        answer = self.answers.pop(0)
        if answer is None:
            raise WebhookNotDelivered("no answer from the endpoint", "điểm nhận không trả lời")
        return answer
