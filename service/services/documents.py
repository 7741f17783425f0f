"""Requesting a document and producing it: render -> convert -> number -> sign -> archive."""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from service.adapters.orm import DocumentRow, JobRow, utcnow
from service.adapters.renderer import render_docx
from service.domain.clock import Clock
from service.domain.documents import DocumentStatus, JobStatus, Notation
from service.domain.enrich import enrich
from service.domain.office import Principal, Role, Workflow, choose_workflow, parties
from service.domain.registers import DEFAULT_REGISTER
from service.domain.templates import Template
from service.domain.vietnamese import BLANK, nfc, place_date
from service.errors import FieldError, Forbidden, IdempotencyConflict, InvalidRequest, VanbanError
from service.services import issuing
from service.services.auth import require
from service.services.ports import Archive, Database, PdfConverter
from service.services.validation import check_text, validate

if TYPE_CHECKING:
    from service.services.templates import TemplateCatalog
from signing import KeyMaterial, SignatureRequest, SigningError, sign_pdf
from signing.appearance import seal_box
from signing.marks import Mark, find_marks
from signing.sign import Level, SigningContext

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Requested:
    document_id: str
    job_id: str
    created: bool


def _request_hash(template_id: str, data: dict[str, Any]) -> str:
    canonical = json.dumps({"template": template_id, "data": data}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def request_document(
    db: Database,
    templates: TemplateCatalog,
    template_id: str,
    data: Any,
    idempotency_key: str | None = None,
    default_organisation: str = "TCT",
    who: Principal | None = None,
    workflow: str | None = None,
    signers: list[str] | None = None,
) -> Requested:
    """Validate ``data`` against the template, record a job and its document, commit. The caller enqueues the
    job only after this returns (the transaction has committed). ``who``: the requester (None from the local
    CLI); ``workflow``: review may be asked for on a direct template; ``signers``: usernames, in signing order."""
    if who is not None:
        require(who, Role.REQUESTER)
    template = templates.get(template_id)
    check_text(data)
    data = nfc(data)
    validate(template.schema, data)
    default = template.schema.get("x-vanban", {}).get("workflow", "direct")
    try:  # the local CLI (no ``who``) may issue directly what the office would review
        chosen = choose_workflow(default, workflow) if who is not None else Workflow(workflow or default)
    except ValueError as exc:
        raise InvalidRequest([FieldError("workflow", str(exc), "mẫu này phải qua trình ký")]) from None
    organisation = (data.get("organisation") or {}).get("abbreviation") or default_organisation
    if who is not None and who.organisation != organisation and not who.has(Role.ADMIN):
        raise Forbidden(
            f"{who.username} requests for {who.organisation}, not {organisation}",
            f"{who.username} chỉ soạn văn bản cho {who.organisation}, không cho {organisation}",
        )
    digest = _request_hash(template_id, {"data": data, "workflow": chosen.value, "signers": signers})
    key = idempotency_key or ""
    scoped_key = _scoped_key(who, key) if key else None
    if scoped_key:
        with db.uow() as tx:
            earlier = tx.repo.document_by_idempotency_key(scoped_key)
            if earlier is not None:
                return _replay(earlier, digest, key)
    job = JobRow(id=str(uuid.uuid4()), kind="document", status=JobStatus.QUEUED, done=0, total=1, attempts=0)
    doc = DocumentRow(
        id=str(uuid.uuid4()),
        job_id=job.id,
        template_id=template.id,
        template_version=template.version,
        data=data,
        status=DocumentStatus.REQUESTED,
        organisation=organisation,
        register=DEFAULT_REGISTER,
        idempotency_key=scoped_key,
        request_hash=digest,
        workflow=chosen.value,
        requested_by=who.user_id if who else None,
        signers=list(signers or []),
        signatures=[],
    )
    with db.uow() as tx:
        earlier = tx.repo.add_request(job, doc)
        if earlier is None:
            tx.repo.append_audit(who.username if who else "cli", "request", doc.id, {"template": template.id})
            tx.commit()
    if earlier is not None:  # a concurrent retry with the same key won the race
        return _replay(earlier, digest, key)
    return Requested(doc.id, job.id, created=True)


def preview_document(
    templates: TemplateCatalog,
    converter: PdfConverter,
    clock: Clock,
    template_id: str,
    data: Any,
    default_organisation: str = "TCT",
) -> bytes:
    """A document as it would look, unsigned and with no number (``Số: .../GTT-TCT``), dated today; checked as a
    request is, and nothing recorded (``vanban render --no-sign``)."""
    template = templates.get(template_id)
    check_text(data)
    data = nfc(data)
    validate(template.schema, data)
    organisation = (data.get("organisation") or {}).get("abbreviation") or default_organisation
    draft = str(Notation(0, template.type_abbreviation, organisation))
    return converter.to_pdf(render_docx(template.docx, render_context(template, data, draft, clock.today())))


def _scoped_key(who: Principal | None, key: str) -> str:
    """An ``Idempotency-Key`` belongs to its caller: the same key from two callers names two requests, and neither
    learns of the other's. Stored as SHA-256 of caller and key."""
    caller = who.user_id if who is not None else "cli"
    return hashlib.sha256(f"{caller}\n{key}".encode()).hexdigest()


def _replay(earlier: DocumentRow, digest: str, key: str) -> Requested:
    if earlier.request_hash != digest:
        raise IdempotencyConflict(key)
    return Requested(earlier.id, earlier.job_id, created=False)


def _fill_defaults(schema: dict[str, Any], data: Any) -> Any:
    if not isinstance(data, dict):
        return data
    out = dict(data)
    for name, sub in schema.get("properties", {}).items():
        if name not in out and "default" in sub:
            out[name] = copy.deepcopy(sub["default"])
        elif name in out:
            out[name] = _fill_defaults(sub, out[name])
    return out


def _salutation(gender: str | None) -> str:
    return {"Nam": "Ông", "Nữ": "Bà"}.get(gender or "", "Ông/Bà")


def render_context(template: Template, data: dict[str, Any], notation: str, issued_on: date | None) -> dict[str, Any]:
    """What the template sees: the request's data with schema defaults, plus the document's number and date
    (a draft has neither: blanks are left for the clerk, see ``drafts``)."""
    context: dict[str, Any] = _fill_defaults(template.schema, data)
    context["document"] = {
        "notation": notation,
        "issued_on": issued_on.isoformat() if issued_on else None,
        "place_date": place_date(context.get("place", ""), issued_on),
    }
    enrich(context, template.schema.get("x-vanban", {}).get("enrich", []))
    if isinstance(context.get("student"), dict):
        context["student"] = {
            **context["student"],
            "salutation": _salutation(context["student"].get("gender")),
        }
    return context


@dataclass
class OrganisationSignature:
    """The organisation's signature on an issued document: its seal over the left third of the leader's place in
    the signing block (the template's ``[[sig:leader]]`` mark), or invisible where the template has no mark."""

    key: Callable[[], KeyMaterial]
    context: SigningContext
    level: Level
    seal_image: bytes | None

    def sign(
        self, pdf: bytes, reason: str, location: str | None, mark: Mark | None = None, prepared: bool = False
    ) -> tuple[bytes, str]:
        """Sign ``pdf``; ``mark``: where the template's signature mark is, when the caller found it already;
        ``prepared``: the PDF has its ``ToChuc`` field already (a reviewed draft), placed over the leader's."""
        key = self.key()
        box = None
        if not prepared and mark is None:
            try:
                mark = find_marks(pdf, ["sig:leader"])["sig:leader"]
            except SigningError:
                log.info("no signature mark in the PDF: the organisation's signature is invisible")
        if not prepared and mark is not None:
            box = seal_box(mark)
        request = SignatureRequest(
            field_name="ToChuc",
            reason=reason,
            location=location,
            level=self.level,
            box=box,
            image=self.seal_image if box is not None or prepared else None,
        )
        return sign_pdf(pdf, key, request, self.context), key.subject_common_name


@dataclass
class Producer:
    """Everything a worker needs to turn a requested document into a signed, archived PDF."""

    db: Database
    templates: TemplateCatalog
    converter: PdfConverter
    archive: Archive
    organisation: OrganisationSignature
    clock: Clock

    def produce(self, document_id: str) -> None:
        """Idempotent: a document already issued (or drafted) is left as it is; a number once taken is kept on
        retry. A direct document is issued at once; a review document becomes a draft waiting to be submitted."""
        with self.db.uow() as tx:
            doc = tx.repo.document(document_id)
            if doc.status not in (DocumentStatus.REQUESTED, DocumentStatus.NUMBERED):
                return
            job = tx.repo.job(doc.job_id)
            job.status, job.attempts, job.error = JobStatus.RUNNING, job.attempts + 1, None
            job.started_at = job.started_at or utcnow()
            tx.commit()

        template = self.templates.get(doc.template_id, doc.template_version)
        if doc.workflow == "review":
            self._draft(doc, template)
            return
        if doc.number is None:
            self._take_number(doc, template)
        assert doc.notation is not None and doc.issued_on is not None

        docx = render_docx(template.docx, render_context(template, doc.data, doc.notation, doc.issued_on))
        docx_sha = self.archive.put(docx, ".docx")
        pdf = self.converter.to_pdf(docx)
        signed, signer = self.organisation.sign(pdf, f"Ban hành {doc.notation}", doc.data.get("place"))
        pdf_sha = self.archive.put(signed, ".pdf")
        self._finish(document_id, DocumentStatus.ISSUED, docx_sha, pdf_sha, signer)

    def _draft(self, doc: DocumentRow, template: Template) -> None:
        """Render with blanks for the number and date, convert, add the fields the signers and the clerk fill."""
        from service.services.drafts import prepare_draft

        symbol = Notation(0, template.type_abbreviation, doc.organisation).symbol
        docx = render_docx(template.docx, render_context(template, doc.data, f"{BLANK}/{symbol}", None))
        docx_sha = self.archive.put(docx, ".docx")
        pdf = prepare_draft(self.converter.to_pdf(docx), symbol, parties(template.schema))
        self._finish(doc.id, DocumentStatus.DRAFT, docx_sha, self.archive.put(pdf, ".pdf"), None)

    def _finish(
        self, document_id: str, status: DocumentStatus, docx_sha: str, pdf_sha: str, signer: str | None
    ) -> None:
        values: dict[str, object] = {"docx_sha256": docx_sha, "pdf_sha256": pdf_sha}
        if signer is not None:
            values |= {"signer": signer, "signed_at": self.clock.now()}
        with self.db.uow() as tx:
            # the write first, and only if no other delivery of this job recorded its result already
            if not tx.repo.finish(document_id, status, values):
                log.info("document %s was already recorded by another delivery of its job", document_id)
                return
            row = tx.repo.document(document_id)
            job = tx.repo.job(row.job_id)
            job.status, job.done, job.finished_at = JobStatus.SUCCEEDED, 1, utcnow()
            tx.repo.append_audit("worker", "render", row.id, {"status": status.value, "pdf_sha256": pdf_sha})
            tx.commit()

    def _take_number(self, doc: DocumentRow, template: Template) -> None:
        with self.db.uow() as tx:
            row = tx.repo.document(doc.id)
            if row.number is None:
                issuing.number_document(tx, row, template, self.clock.today())
                tx.commit()
            doc.number, doc.notation, doc.issued_on = row.number, row.notation, row.issued_on

    def fail(self, document_id: str, error: VanbanError, final: bool) -> None:
        """Record an attempt's error; a final one fails the job and the document."""
        with self.db.uow() as tx:
            doc = tx.repo.document(document_id)
            job = tx.repo.job(doc.job_id)
            job.error = {**error.to_dict(), "attempt": job.attempts, "final": final}
            if final:
                job.status, job.finished_at = JobStatus.FAILED, utcnow()
                doc.status = DocumentStatus.FAILED
            else:
                job.status = JobStatus.QUEUED
            tx.commit()
