"""Records management (quản lý hồ sơ, tài liệu lưu trữ): the files (hồ sơ) a body keeps its issued documents in,
their export for transfer to the archive, and what may happen to them once their retention is over.

- A clerk (văn thư) of the body, or an admin, creates a hồ sơ, files issued documents in it (one, several, or a
  whole batch's letters in one step) and closes it; every member of the body reads it (the documents they may see).
- :meth:`Records.export`: a ZIP of the PDFs, ``hoso.xml`` (the hồ sơ's and each document's NĐ 30 Phụ lục VI
  metadata, checked against ``service/records/hoso.xsd`` before it is handed out) and ``manifest-sha256.txt``.
  ``vanban records export`` and ``GET /api/v1/records/{code}/export`` both call it.
- Nothing here deletes: an admin may only propose a closed hồ sơ for destruction once its retention is over, and
  that is written to the audit chain (the destruction itself is the archive council's decision, outside vanban).
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from dataclasses import dataclass, fields, replace
from datetime import date
from io import BytesIO

from service.domain.clock import Clock
from service.domain.documents import DocumentStatus
from service.domain.office import Principal, Role
from service.domain.records import (
    MAX_FILE_DOCUMENTS,
    ArchiveMetadata,
    FiledDocument,
    Priority,
    RecordFile,
    Retention,
    Rights,
    check_code,
)
from service.domain.vietnamese import nfc
from service.errors import (
    BatchNotFound,
    DocumentNotFound,
    FieldError,
    FileClosed,
    Forbidden,
    InvalidRequest,
    NotFound,
    RecordFileNotFound,
    WrongState,
    first_named,
)
from service.services.auth import require
from service.services.files import File
from service.services.ports import Archive, BatchToFile, Database, DocumentRow, RecordFileRow, RecordsXml, Repository
from service.services.visibility import can_see

ZIP_MEDIA = "application/zip"


@dataclass(frozen=True)
class NewFile:
    """What a clerk gives to open a hồ sơ (see :class:`~service.domain.records.RecordFile`)."""

    code: str
    title: str
    start_date: date
    end_date: date | None = None
    retention_years: int | None = None  # None: permanent
    rights: str = Rights.RESTRICTED.value
    description: str = ""
    organisation: str | None = None  # an admin may open one for another body; default: the caller's


@dataclass(frozen=True)
class FileView:
    """A hồ sơ and the documents in it that the reader may see, in order."""

    file: RecordFile
    documents: list[DocumentRow]


def record_file(row: RecordFileRow) -> RecordFile:
    """The hồ sơ its row keeps: the row's columns by the same names, retention and rights as the domain's types."""
    columns = {f.name: getattr(row, f.name) for f in fields(RecordFile) if hasattr(row, f.name)}
    return RecordFile(**columns | {"retention": Retention(row.retention_years), "rights": Rights(row.rights)})


def metadata_of(doc: DocumentRow) -> ArchiveMetadata | None:
    """The document's archive metadata with its hồ sơ; None before it is issued."""
    if doc.archive_metadata is None:
        return None
    return ArchiveMetadata.from_json(doc.archive_metadata).filed(doc.file_code, doc.file_ordinal)


def pdf_name(metadata: ArchiveMetadata) -> str:
    """The PDF's name in an export: ordinal, number and notation (``003_05-QĐ-TCT.pdf``), any character but a
    letter, digit, ``.``, ``-`` or ``_`` made ``-`` (no ``/``: the name stays in its folder)."""
    stem = re.sub(r"[^\w.-]", "-", f"{metadata.code_number}-{metadata.code_notation}")
    return f"{metadata.doc_ordinal or 0:03d}_{stem}.pdf"


def _member(code: str, name: str) -> str:
    """``name``'s path in the export's ZIP, under ``code``'s folder; a part that could lead out is refused."""
    parts = [code, *name.split("/")]
    if any(part in {"", ".", ".."} or not re.fullmatch(r"\w[\w.-]*", part) for part in parts):
        raise ValueError(f"unsafe name in an export: {name!r}")
    return "/".join(parts)


def _manages(who: Principal, organisation: str) -> None:
    """A clerk of ``organisation``, or an admin."""
    require(who, Role.CLERK, Role.ADMIN)
    if not who.has(Role.ADMIN) and who.organisation != organisation:
        raise Forbidden(
            f"the files of {organisation} are kept by its own clerks",
            f"Hồ sơ của {organisation} do văn thư đơn vị đó quản lý",
        )


def _keeps(who: Principal, file: RecordFileRow) -> None:
    """A clerk of the hồ sơ's body, or an admin; 404 to whoever may not read it."""
    _reads(who, file)
    _manages(who, file.organisation)


def _reads(who: Principal, file: RecordFileRow) -> None:
    """A member of the hồ sơ's body, or an admin; to anyone else it is as unknown as a code never used (404)."""
    if not who.has(Role.ADMIN) and who.organisation != file.organisation:
        raise RecordFileNotFound(file.code)


def _check_new(spec: NewFile) -> list[FieldError]:
    problems = []
    why = check_code(spec.code)
    if why is not None:
        problems.append(FieldError("code", why, "mã hồ sơ: 1 đến 60 ký tự, chữ, số và . - _, không có '..'"))
    if not spec.title.strip():
        problems.append(FieldError("title", "a title is needed", "cần tiêu đề hồ sơ"))
    if spec.end_date is not None and spec.end_date < spec.start_date:
        problems.append(FieldError("end_date", "ends before it starts", "ngày kết thúc trước ngày bắt đầu"))
    try:
        Retention.parse(spec.retention_years)
    except ValueError:
        problems.append(
            FieldError("retention_years", "1 to 100 years, or null (permanent)", "từ 1 đến 100 năm, hoặc vĩnh viễn")
        )
    if spec.rights not in {r.value for r in Rights}:
        wanted = ", ".join(r.value for r in Rights)
        problems.append(FieldError("rights", f"one of {wanted}", f"một trong {wanted}"))
    return problems


@dataclass
class Records:
    """The hồ sơ of every body: create, file, close, read, export, propose for destruction."""

    db: Database
    archive: Archive
    xml: RecordsXml
    clock: Clock

    # -- managing ---------------------------------------------------------------------------------------------
    def create(self, who: Principal, spec: NewFile) -> RecordFile:
        organisation = spec.organisation or who.organisation
        _manages(who, organisation)
        spec = replace(spec, code=nfc(spec.code))
        problems = _check_new(spec)
        if problems:
            raise InvalidRequest(problems)
        with self.db.uow() as tx:
            try:
                tx.repo.record_file(spec.code)
            except NotFound:
                pass
            else:
                raise InvalidRequest(
                    [FieldError("code", f"file {spec.code} exists already", f"hồ sơ {spec.code} đã có")]
                )
            row = RecordFileRow(
                code=spec.code,
                title=spec.title.strip(),
                organisation=organisation,
                retention_years=Retention.parse(spec.retention_years).years,
                rights=spec.rights,
                creator=who.username,
                language="Tiếng Việt",
                description=spec.description,
                start_date=spec.start_date,
                end_date=spec.end_date,
            )
            tx.repo.add(row)
            tx.repo.append_audit(who.username, "file_create", spec.code, {"title": row.title})
            tx.commit()
            return record_file(row)

    def file_documents(
        self, who: Principal, code: str, document_ids: list[str], batch_id: str | None = None
    ) -> list[DocumentRow]:
        """Put issued documents in the open hồ sơ, after those it has, in the order given (a batch's letters in
        list order), all or none: a document not issued, of another body, or filed already is refused by path. Its
        start and end dates widen to take in the documents' issue dates."""
        code = nfc(code)  # as it was stored, however it was typed
        if len(document_ids) > MAX_FILE_DOCUMENTS:
            raise InvalidRequest(
                [FieldError("document_ids", f"at most {MAX_FILE_DOCUMENTS}", f"tối đa {MAX_FILE_DOCUMENTS}")]
            )
        with self.db.uow() as tx:
            row = tx.repo.record_file(code, lock=True)  # a filing or close of this hồ sơ at once waits for this one
            _keeps(who, row)
            if row.closed_at is not None:
                raise FileClosed(f"file {code} is closed: it takes no more documents", f"Hồ sơ {code} đã đóng")
            asked = [(f"document_ids[{i}]", d, _document_or_none(tx.repo, d)) for i, d in enumerate(document_ids)]
            if batch_id is not None:
                tx.repo.batch(batch_id)
                letters = tx.repo.documents_of_batch(batch_id)
                if any(d.organisation != row.organisation for d in letters):  # another body's: as unknown as none
                    raise BatchNotFound(batch_id)
                asked += [(f"batch[{d.batch_index}]", d.id, d) for d in letters]
            docs = _check_fileable(asked, row)
            issued = [d.issued_on for _, d in docs if d.issued_on is not None]
            if issued:  # a hồ sơ's dates are its documents': one issued before its start or after its end widens them
                row.start_date = min(row.start_date, *issued)
                row.end_date = max(row.end_date, *issued) if row.end_date is not None else None
            after = len(tx.repo.documents_of_file(code))
            taken = tx.repo.file_documents(code, {d.id: after + n for n, (_, d) in enumerate(docs, start=1)})
            if taken:  # filed in another hồ sơ since they were read
                named_en, named_vi = first_named(taken)
                raise WrongState(
                    f"already in another file: {named_en}; nothing was filed",
                    f"đã thuộc hồ sơ khác: {named_vi}; chưa văn bản nào được lập hồ sơ",
                )
            detail: dict[str, object] = {"documents": [d.id for _, d in docs], "batch": batch_id}
            tx.repo.append_audit(who.username, "file_add", code, detail)
            tx.commit()
            return [d for _, d in docs]

    def close(self, who: Principal, code: str) -> RecordFile:
        """Close the hồ sơ (kết thúc hồ sơ): no more documents; its end date, if not given, is its last document's
        issue date."""
        code = nfc(code)  # as it was stored, however it was typed
        with self.db.uow() as tx:
            row = tx.repo.record_file(code, lock=True)
            _keeps(who, row)
            if row.closed_at is not None:
                raise FileClosed(f"file {code} is closed already", f"Hồ sơ {code} đã đóng")
            docs = tx.repo.documents_of_file(code)
            if not docs:
                raise WrongState(f"file {code} has no document to close", f"Hồ sơ {code} chưa có văn bản nào")
            if row.end_date is None:
                row.end_date = max(d.issued_on for d in docs if d.issued_on is not None)
            row.closed_at = self.clock.now()
            tx.repo.append_audit(who.username, "file_close", code, {"documents": len(docs)})
            tx.commit()
            return record_file(row)

    def propose_destruction(self, who: Principal, code: str) -> RecordFile:
        """An admin marks a closed hồ sơ whose retention is over for destruction (đề nghị hủy): audited with every
        document's hash; nothing is deleted. Refused (409) for an open or permanent hồ sơ, or before its end."""
        code = nfc(code)  # as it was stored, however it was typed
        require(who, Role.ADMIN)
        today = self.clock.today()
        with self.db.uow() as tx:
            row = tx.repo.record_file(code)
            file = record_file(row)
            ends = file.retention_ends()
            if ends is None or ends > today:
                when = "never (permanent)" if file.retention.permanent else (ends.isoformat() if ends else "open")
                when_vi = "vĩnh viễn" if file.retention.permanent else (ends.isoformat() if ends else "chưa đóng")
                raise WrongState(
                    f"file {code}'s retention is not over (ends: {when}); its records are kept",
                    f"Hồ sơ {code} chưa hết thời hạn bảo quản (hết hạn: {when_vi}); tài liệu được giữ nguyên",
                )
            if row.destruction_proposed_at is None:
                row.destruction_proposed_at = self.clock.now()
                docs = tx.repo.documents_of_file(code)
                detail: dict[str, object] = {
                    "retention_ended": ends.isoformat(),
                    "documents": {d.id: d.pdf_sha256 for d in docs},
                }
                tx.repo.append_audit(who.username, "propose_destruction", code, detail)
            tx.commit()
            return record_file(row)

    def set_decided(self, who: Principal, document_id: str, priority: str | None, retention: int | None) -> DocumentRow:
        """A clerk's decision on an issued document's priority (độ khẩn) and retention (thời hạn bảo quản, years;
        0: permanent), kept in its metadata and audited; the document itself is not touched."""
        with self.db.uow() as tx:
            doc = tx.repo.document(document_id)
            _manages(who, doc.organisation)
            metadata = metadata_of(doc)
            if metadata is None:
                raise WrongState(f"document {doc.id} is not issued", f"Văn bản {doc.id} chưa ban hành")
            problems = []
            if priority is not None and priority not in {p.value for p in Priority}:
                wanted = ", ".join(p.value for p in Priority)
                problems.append(FieldError("priority", f"one of {wanted}", f"một trong {wanted}"))
            if retention is not None and not 0 <= retention <= 100:
                problems.append(FieldError("retention_years", "0 (permanent) to 100", "0 (vĩnh viễn) đến 100"))
            if problems:
                raise InvalidRequest(problems)
            values = dict(doc.archive_metadata or {})
            if priority is not None:
                values["priority"] = priority
            if retention is not None:
                values["retention_years"] = retention or None
            doc.archive_metadata = values
            detail: dict[str, object] = {"priority": priority, "retention_years": retention}
            tx.repo.append_audit(who.username, "metadata", doc.id, detail)
            tx.commit()
            return doc

    # -- reading ----------------------------------------------------------------------------------------------
    def files(self, who: Principal) -> list[RecordFile]:
        """The hồ sơ of the caller's body (an admin: every body's), by code."""
        with self.db.uow() as tx:
            rows = tx.repo.record_files(None if who.has(Role.ADMIN) else who.organisation)
        return [record_file(r) for r in rows]

    def read(self, who: Principal, code: str) -> FileView:
        code = nfc(code)  # as it was stored, however it was typed
        with self.db.uow() as tx:
            row = tx.repo.record_file(code)
            _reads(who, row)
            docs = [d for d in tx.repo.documents_of_file(code) if can_see(who, d)]
        return FileView(record_file(row), docs)

    def batches_to_file(self, who: Principal, code: str) -> list[BatchToFile]:
        """For the body's clerks and admins filing into the hồ sơ: its body's batches with issued letters in no hồ sơ
        yet, the newest first (one filed whole puts every letter in, in class-list order)."""
        code = nfc(code)  # as it was stored, however it was typed
        with self.db.uow() as tx:
            row = tx.repo.record_file(code)
            _keeps(who, row)
            return tx.repo.batches_to_file(row.organisation)

    def export(self, who: Principal, code: str) -> File:
        """The hồ sơ as a ZIP for transfer to the archive (clerk of its body, or admin): ``<code>/hoso.xml``,
        ``<code>/documents/*.pdf`` (read from the archive, their hashes checked) and
        ``<code>/manifest-sha256.txt`` (``sha256sum -c`` reads it), the XML checked against ``hoso.xsd``."""
        code = nfc(code)  # as it was stored, however it was typed
        with self.db.uow() as tx:
            row = tx.repo.record_file(code)
            _keeps(who, row)
            docs = tx.repo.documents_of_file(code)
            organ = tx.repo.organisation(row.organisation)
        file = record_file(row)
        filed: list[FiledDocument] = []
        pdfs: list[tuple[str, bytes]] = []
        for doc in docs:
            metadata = metadata_of(doc)
            assert metadata is not None and doc.pdf_sha256 is not None  # only issued documents are filed
            name = f"documents/{pdf_name(metadata)}"
            pdfs.append((name, self.archive.get(doc.pdf_sha256, ".pdf")))
            filed.append(FiledDocument(metadata, name, doc.pdf_sha256))
        named = organ is not None and organ.name != organ.abbreviation  # a body made by its abbreviation is unnamed
        organ_name = organ.name if named and organ else (filed[0].metadata.organ_name if filed else row.organisation)
        xml = self.xml.file_xml(file, organ_name, filed)
        self.xml.check_file_xml(xml)
        entries = [("hoso.xml", xml), *pdfs]
        manifest = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in entries)
        buffer = BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in [*entries, ("manifest-sha256.txt", manifest.encode())]:
                archive.writestr(_member(code, name), data)
        with self.db.uow() as tx:
            tx.repo.append_audit(who.username, "file_export", code, {"documents": len(docs)})
            tx.commit()
        return File(buffer.getvalue(), ZIP_MEDIA, f"{code}.zip")


def _document_or_none(repo: Repository, document_id: str) -> DocumentRow | None:
    try:
        return repo.document(document_id)
    except DocumentNotFound:
        return None


def _check_fileable(
    asked: list[tuple[str, str, DocumentRow | None]], file: RecordFileRow
) -> list[tuple[str, DocumentRow]]:
    """Every document (path, id asked, row or None) issued, of the hồ sơ's body, not filed yet, listed once: they
    are returned; else every wrong one is refused by path. Another body's document is refused as one that does not
    exist, whatever its state: a filing tells nothing of other bodies' documents."""
    problems: list[FieldError] = []
    seen: set[str] = set()
    docs: list[tuple[str, DocumentRow]] = []
    for path, document_id, doc in asked:
        if doc is None or doc.organisation != file.organisation:
            problems.append(
                FieldError(
                    path,
                    f"no document {document_id} of {file.organisation}",
                    f"{file.organisation} không có văn bản {document_id}",
                )
            )
            continue
        docs.append((path, doc))
        if doc.status != DocumentStatus.ISSUED or doc.archive_metadata is None:
            problems.append(FieldError(path, f"document {doc.id} is not issued", f"văn bản {doc.id} chưa ban hành"))
        elif doc.file_code is not None:
            problems.append(FieldError(path, f"already in file {doc.file_code}", f"đã thuộc hồ sơ {doc.file_code}"))
        elif doc.id in seen:
            problems.append(FieldError(path, "listed twice", "được liệt kê hai lần"))
        seen.add(doc.id)
    if not asked:
        problems.append(FieldError("document_ids", "no document to file", "chưa chọn văn bản nào"))
    if problems:
        raise InvalidRequest(problems)
    return docs


def console_operator(organisation: str) -> Principal:
    """Whoever runs ``vanban records`` on the server: they reach the database already, so they act as an admin,
    written to the audit chain as ``cli``."""
    return Principal("cli", "cli", "Console operator", "", organisation, frozenset({Role.ADMIN.value}))
