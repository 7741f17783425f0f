"""Production (sản xuất văn bản): render -> convert -> split -> sign -> archive, one path for every document.

A single document is a batch of one: :meth:`Production.produce_document` (one document, direct or reviewed) and
:meth:`Production.produce_chunk` (a chunk of a batch's call-up letters) both hand their numbered documents to
:meth:`Production._issue`, which renders them into one DOCX, converts it once, cuts it into one PDF per document,
signs each with the organisation's key and archives them, then records them all in one transaction. A review
document is not issued here: it becomes a draft with blanks for the clerk (``drafts``). Numbers are taken by
``issuing`` only.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from service.domain import rich
from service.domain.clock import Clock
from service.domain.data_fields import field_name, organisation_of
from service.domain.documents import DocumentStatus, JobStatus, Notation
from service.domain.enrich import enrich, enrichers_of
from service.domain.office import parties
from service.domain.pdf_record import DEFAULT_PUBLIC_URL, PdfRecord, verify_url
from service.domain.placeholders import as_sent
from service.domain.rich import has_content
from service.domain.templates import Template
from service.domain.vietnamese import BLANK, place_date
from service.errors import FieldError, InvalidRequest, TemplateNotFound, VanbanError
from service.services import issuing
from service.services.drafts import prepare_draft
from service.services.ports import (
    Archive,
    Database,
    DocumentRow,
    Events,
    Issued,
    JobEnds,
    JobRow,
    Letter,
    Metrics,
    PdfConverter,
    PdfPages,
    Renderer,
    Unannounced,
    UnitOfWork,
    Unmeasured,
    Unpublished,
)
from service.services.validation import check_text, content, validate
from signing import KeyMaterial, SignatureRequest, sign_pdf
from signing.appearance import seal_box
from signing.marks import Mark
from signing.sign import Level, SigningContext, deflated_image
from signing.slots import SLOT_LEVELS, SignatureSlot, fill_slots

if TYPE_CHECKING:
    from service.services.templates import TemplateCatalog

log = logging.getLogger(__name__)


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


def render_context(
    template: Template,
    data: dict[str, Any],
    notation: str,
    issued_on: date | None,
    sources: TemplateCatalog | None = None,
    depth: int = 0,
) -> dict[str, Any]:
    """What the template sees: the request's data with schema defaults, what the template's enrichers compute,
    and the document's number and date (a draft has neither: blanks are left for the clerk, see ``drafts``).
    Rich fields become ``service.domain.rich`` values; a registered template included by id (``sources``: the
    catalog) is filled with its own data, checked against its own schema."""
    context: dict[str, Any] = _fill_defaults(template.schema, data)
    if has_content(template.schema):
        context = _resolved(content(template.schema, context), sources, depth)
    context["document"] = {
        "notation": notation,
        "issued_on": issued_on.isoformat() if issued_on else None,
        "place_date": place_date(field_name(context, "place"), issued_on),
    }
    enrich(context, enrichers_of(template.schema.get("x-vanban", {})))
    return context


def check_inclusions(template: Template, data: dict[str, Any], sources: TemplateCatalog) -> None:
    """Fetch what ``data`` (valid for ``template``) includes by reference, as producing it will: a request naming
    an unknown template, a picture not stored or an included template's invalid data is refused by its path when
    it is asked for, not failed in production."""
    if has_content(template.schema):
        _resolved(content(template.schema, _fill_defaults(template.schema, data)), sources, 0)


def _resolved(value: Any, sources: TemplateCatalog | None, depth: int, at: str = "") -> Any:
    """``value`` with its inclusions by id and stored pictures fetched; a problem is named at its field."""
    if isinstance(value, dict):
        return {k: _resolved(v, sources, depth, f"{at}.{k}" if at else str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolved(v, sources, depth, f"{at}[{i}]") for i, v in enumerate(value)]
    if not isinstance(value, (rich.TemplateInclusion, rich.StoredImage)):
        return value
    if sources is None:
        raise InvalidRequest([FieldError(at, "cannot be fetched here", "không lấy được ở đây")])
    try:
        if isinstance(value, rich.StoredImage):
            blob = rich.checked_image([], sources.stored_file(value.digest))
            return rich.Image(blob, value.width_mm, value.height_mm)
        if depth >= 4:
            raise InvalidRequest([FieldError("", "templates included more than 4 deep", "mẫu lồng nhau quá 4 cấp")])
        included = sources.get(value.template_id)
        try:  # the included template's data, and what it includes in turn, by their paths under ``data``
            data = as_sent(included.schema, value.data)
            validate(included.schema, data)
            context = render_context(included, data, "", None, sources, depth + 1)
        except InvalidRequest as exc:
            raise InvalidRequest(
                [FieldError(f"data.{e.path}".rstrip("."), e.message_en, e.message_vi) for e in exc.errors]
            ) from None
        return rich.SubDocument(included.docx, context)
    except rich.ContentError as exc:
        raise InvalidRequest([FieldError(at, exc.message_en, exc.message_vi)]) from None
    except InvalidRequest as exc:
        raise InvalidRequest(
            [FieldError(f"{at}.{e.path}".rstrip("."), e.message_en, e.message_vi) for e in exc.errors]
        ) from None
    except TemplateNotFound as exc:
        raise InvalidRequest([FieldError(f"{at}.template", exc.message_en, exc.message_vi)]) from None


def letter_data(data: dict[str, Any]) -> dict[str, Any]:
    """A document's data as its template sees it: without the class list's row number a batch letter keeps."""
    return {k: v for k, v in data.items() if k != "_row"}


def preview_document(
    templates: TemplateCatalog,
    renderer: Renderer,
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
    data = as_sent(template.schema, data)
    validate(template.schema, data)
    draft = str(Notation(0, template.type_abbreviation, organisation_of(data, default_organisation)))
    return converter.to_pdf(
        renderer.render(template.docx, render_context(template, data, draft, clock.today(), templates))
    )


def pdf_record(template: Template, doc: DocumentRow, created: datetime, public_url: str) -> PdfRecord:
    """What the document's PDF says of itself: its trích yếu as title, the issuing body as author, its type and
    number (a draft has none yet) as subject, and the address of its public verification page for the QR code."""
    data = letter_data(doc.data)
    author = field_name(data, "organisation") or doc.organisation
    subject = f"{template.title} số {doc.notation}" if doc.notation else template.title
    about = field_name(data, "class")
    keywords = tuple(str(k) for k in dict.fromkeys((template.title, doc.notation, author, about)) if k)
    url = verify_url(public_url, doc.verify_code) if doc.verify_code else None
    return PdfRecord(issuing.subject_of(template, data), author, subject, keywords, created, url)


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
        """Sign ``pdf``; ``mark``: where the template's signature mark is (none: the signature is invisible);
        ``prepared``: the PDF has its ``ToChuc`` field already (a reviewed draft), placed over the leader's."""
        key = self.key()
        box = seal_box(mark) if mark is not None and not prepared else None
        request = SignatureRequest(
            field_name="ToChuc",
            reason=reason,
            location=location,
            level=self.level,
            box=box,
            image=self.seal_image if box is not None or prepared else None,
        )
        return sign_pdf(pdf, key, request, self.context), key.subject_common_name

    def slot(self, reason: str, location: str | None, at: datetime) -> SignatureSlot | None:
        """The slot an issued PDF is written with for this signature (see ``signing.slots``): the seal where the
        template marks the leader's place; none at a level a slot cannot hold (then :meth:`sign` signs)."""
        if self.level not in SLOT_LEVELS:
            return None
        image = deflated_image(self.seal_image) if self.seal_image is not None else None
        name = self.key().subject_common_name
        return SignatureSlot("ToChuc", reason, location, name, at, self.level, image, seal_box)

    def finish(
        self,
        letters: Sequence[Letter],
        slots: Sequence[SignatureSlot | None],
        reasons: Sequence[tuple[str, str | None]],
    ) -> tuple[list[bytes], str]:
        """Each letter signed: its slot filled (all in one pass), or, without one, signed as :meth:`sign` signs;
        ``reasons``: each letter's reason and location. Returns the signed PDFs and the signer's name."""
        key = self.key()
        written = [(letter.pdf, slot) for letter, slot in zip(letters, slots, strict=True) if slot is not None]
        filled = iter(fill_slots(written, key, self.context) if written else [])
        signed = [
            next(filled) if slot is not None else self.sign(letter.pdf, reason, place, letter.mark)[0]
            for letter, slot, (reason, place) in zip(letters, slots, reasons, strict=True)
        ]
        return signed, key.subject_common_name


@dataclass(frozen=True)
class Made:
    """What :meth:`Production._make` made of some numbered documents: the DOCX (one document's own, or the
    chunk's), and each document's signed PDF and its number of pages, in order, with the signer's name."""

    docx: bytes
    pdfs: list[bytes]
    pages: list[int]
    signer: str


class Stages:
    """The stages of making documents, each timed once: the same seconds go to the stage's metric and to the job's
    log line (they told different times: the log counted work that no metric stage held)."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics
        self.times: list[tuple[str, float]] = []

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            seconds = time.perf_counter() - start
            self.times.append((name, seconds))
            self.metrics.stage(name, seconds)

    def __str__(self) -> str:
        return ", ".join(f"{name} {1000 * seconds:.0f} ms" for name, seconds in self.times)


@dataclass
class Production:
    """Everything a worker needs to turn requested documents into signed, archived PDFs."""

    db: Database
    templates: TemplateCatalog
    converter: PdfConverter
    archive: Archive
    organisation: OrganisationSignature
    clock: Clock
    renderer: Renderer
    pages: PdfPages
    public_url: str = DEFAULT_PUBLIC_URL  # VANBAN_PUBLIC_URL: what the documents' QR codes lead to
    metrics: Metrics = field(default_factory=Unmeasured)
    events: Events = field(default_factory=Unpublished)
    job_ends: JobEnds = field(default_factory=Unannounced)

    def letter_docx(self, doc: DocumentRow) -> bytes:
        """The filled DOCX of a numbered document, made again from its data and template version (the same text
        as the DOCX its PDF was converted from): a batch's letters keep none of their own."""
        assert doc.notation is not None and doc.issued_on is not None
        template = self.templates.get(doc.template_id, doc.template_version)
        context = render_context(template, letter_data(doc.data), doc.notation, doc.issued_on, self.templates)
        return self.renderer.render(template.docx, context)

    # -- one document -----------------------------------------------------------------------------------------
    def produce_document(self, document_id: str) -> None:
        """Idempotent: a document already issued (or drafted) is left as it is; a number once taken is kept on
        retry. A direct document is numbered and issued as a batch of one; a review document becomes a draft
        waiting to be submitted."""
        with self.db.uow() as tx:  # one commit: the job running, and a direct document's number
            doc = tx.repo.document(document_id)
            if doc.status not in (DocumentStatus.REQUESTED, DocumentStatus.NUMBERED):
                return
            template = self.templates.get(doc.template_id, doc.template_version)
            job = tx.repo.job(doc.job_id)
            job.status, job.attempts, job.error = JobStatus.RUNNING, job.attempts + 1, None
            job.started_at = job.started_at or self.clock.now()
            if doc.workflow != "review":
                issuing.number_document(tx, doc, template, self.clock.today())
            tx.commit()
        if doc.workflow == "review":
            self._draft(doc, template)
            return
        self._issue(template, [doc], doc.job_id, audit=True)

    def _draft(self, doc: DocumentRow, template: Template) -> None:
        """Render with blanks for the number and date, convert, add the fields the signers and the clerk fill."""
        symbol = Notation(0, template.type_abbreviation, doc.organisation).symbol
        docx = self.renderer.render(
            template.docx, render_context(template, doc.data, f"{BLANK}/{symbol}", None, self.templates)
        )
        docx_sha = self.archive.put(docx, ".docx")
        record = pdf_record(template, doc, self.clock.now(), self.public_url)
        pdf = self.pages.make_record(self.converter.to_pdf(docx), record)  # before the fields
        pdf = prepare_draft(pdf, symbol, parties(template.schema))
        values: dict[str, object] = {"docx_sha256": docx_sha, "pdf_sha256": self.archive.put(pdf, ".pdf")}
        with self.db.uow() as tx:
            # the write first, and only if no other delivery of this job recorded its result already
            if not tx.repo.finish(doc.id, DocumentStatus.DRAFT, values):
                log.info("document %s was already recorded by another delivery of its job", doc.id)
                return
            finished = self._count(tx, doc.job_id, 1)
            tx.repo.append_audit("worker", "render", doc.id, {"status": "draft", "pdf_sha256": values["pdf_sha256"]})
            tx.commit()
        if finished is not None:
            self.job_ends.announce(finished.id)

    def fail_document(self, document_id: str, error: VanbanError, final: bool) -> None:
        """Record an attempt's error; a final one fails the job and the document."""
        with self.db.uow() as tx:
            doc = tx.repo.document(document_id)
            job = tx.repo.job(doc.job_id)
            failed = self._fail(job, {**error.to_dict(), "attempt": job.attempts}, final, [doc])
            if not final:
                job.status = JobStatus.QUEUED  # the document's task is retried
            tx.commit()
        if failed:
            self._job_failed(job, error, doc.organisation)

    # -- a batch's letters ------------------------------------------------------------------------------------
    def produce_chunk(self, batch_id: str, chunk: int) -> int:
        """Idempotent: letters already issued are skipped. Returns how many letters this call issued."""
        with self.db.uow() as tx:
            batch = tx.repo.batch(batch_id)
            first = chunk * batch.chunk_size
            docs = [
                d
                for d in tx.repo.documents_of_batch(batch_id, first, first + batch.chunk_size)
                if d.status not in (DocumentStatus.ISSUED, DocumentStatus.FAILED)
            ]
            job = tx.repo.job(batch.job_id)
            if job.status == JobStatus.QUEUED:
                job.status, job.started_at = JobStatus.RUNNING, self.clock.now()
            tx.commit()
        if not docs:
            return 0
        template = self.templates.get(batch.template_id, batch.template_version)
        return self._issue(template, docs, batch.job_id, audit=False)

    def fail_chunk(self, batch_id: str, chunk: int, error: VanbanError, final: bool) -> None:
        """Record a chunk's error; a final one fails the job and the chunk's letters not issued yet (their numbers
        stay in the register, marked failed)."""
        with self.db.uow() as tx:
            batch = tx.repo.batch(batch_id)
            first = chunk * batch.chunk_size
            letters = tx.repo.documents_of_batch(batch_id, first, first + batch.chunk_size) if final else []
            job = tx.repo.job(batch.job_id)
            failed = self._fail(job, {**error.to_dict(), "chunk": chunk}, final, letters)
            tx.commit()
        if failed and letters:
            self._job_failed(job, error, letters[0].organisation, batch_id=batch_id)

    # -- the one path -----------------------------------------------------------------------------------------
    def _issue(self, template: Template, docs: Sequence[DocumentRow], job_id: str, *, audit: bool) -> int:
        """Make the numbered ``docs`` (see :meth:`_make`), archive them and record them issued in one transaction:
        each only if no other delivery recorded it first. ``audit``: an entry per document (a batch's letters are
        accounted for by their batch). Returns how many this call recorded."""
        stage = Stages(self.metrics)
        made = self._make(template, docs, stage)
        with stage("archive"):
            docx_sha = self.archive.put(made.docx, ".docx") if len(docs) == 1 else None  # one document's own DOCX
            digests = self.archive.put_many(made.pdfs, ".pdf")
        with stage("record"):
            metadata = [
                issuing.archive_metadata(d, template, pages).to_json()
                for d, pages in zip(docs, made.pages, strict=True)
            ]
            now = self.clock.now()
            with self.db.uow() as tx:
                # Writes first, each only if the document is not issued yet: a job delivered twice at once (a
                # message redelivered after a crash while the sweep had sent it again) records each document once.
                made_now = {
                    d.id: Issued(digest, made.signer, now, docx_sha, meta)
                    for d, digest, meta in zip(docs, digests, metadata, strict=True)
                }
                recorded_ids = tx.repo.issue(made_now)
                issued = [(d, made_now[d.id].pdf_sha256) for d in docs if d.id in recorded_ids]
                if audit:
                    for d, digest in issued:
                        detail: dict[str, object] = {"status": DocumentStatus.ISSUED.value, "pdf_sha256": digest}
                        tx.repo.append_audit("worker", "render", d.id, detail)
                recorded = len(issued)
                finished = self._count(tx, job_id, recorded)
                tx.commit()
            self._issued(issued, finished, letters=not audit)
        log.info("job %s: %s of %s documents issued (%s)", job_id, recorded, len(docs), stage, extra={"job_id": job_id})
        return recorded

    def _make(self, template: Template, docs: Sequence[DocumentRow], stage: Stages) -> Made:
        """One render of every document into one DOCX, one conversion, the PDF cut at each document's first page,
        each part signed by the organisation where its template marks the leader's place."""
        with stage("render"):
            contexts = []
            for d in docs:
                assert d.notation is not None and d.issued_on is not None
                contexts.append(render_context(template, letter_data(d.data), d.notation, d.issued_on, self.templates))
            docx = self.renderer.render_many(template.docx, contexts)  # one document too: its bookmarks
        with stage("convert"):
            pdf = self.converter.to_pdf(docx, tagged=len(docs) == 1)  # letters cut out cannot keep the tags
        # each document's PDF becomes a record (metadata, QR code) before its signature
        # and is written with a slot for the organisation's signature, filled next
        with stage("split"):
            now = self.clock.now()
            reasons = [(f"Ban hành {d.notation}", field_name(d.data, "place") or None) for d in docs]
            slots = [self.organisation.slot(reason, place, now) for reason, place in reasons]
            records = [pdf_record(template, d, now, self.public_url) for d in docs]
            letters = self.pages.letters(pdf, records, slots)
        with stage("sign"):
            signed, signer = self.organisation.finish(letters, slots, reasons)
        self.metrics.signed(self.organisation.level.value, len(signed))
        return Made(docx, signed, [letter.pages for letter in letters], signer)

    def _count(self, tx: UnitOfWork, job_id: str, done: int) -> JobRow | None:
        """``done`` more documents of the job made; the job succeeds with its last one (then it is returned)."""
        job = tx.repo.add_progress(job_id, done)
        if job.done >= job.total and job.status not in (JobStatus.FAILED, JobStatus.SUCCEEDED):
            job.status, job.finished_at = JobStatus.SUCCEEDED, self.clock.now()
            return job
        return None

    def _fail(self, job: JobRow, error: dict[str, Any], final: bool, docs: Sequence[DocumentRow]) -> bool:
        """Record ``error`` on the job; a final one fails it and those of ``docs`` not issued. True when this
        failed the job."""
        job.error = {**error, "final": final}
        if not final:
            return False
        failed_now = job.status != JobStatus.FAILED
        job.status, job.finished_at = JobStatus.FAILED, self.clock.now()
        for d in docs:
            if d.status != DocumentStatus.ISSUED:
                d.status = DocumentStatus.FAILED
        return failed_now

    # -- what others see: metrics and events, after the commit ------------------------------------------------
    def _issued(self, issued: list[tuple[DocumentRow, str]], finished: JobRow | None, *, letters: bool) -> None:
        if finished is not None:
            self.job_ends.announce(finished.id)
        self.metrics.issued("letter" if letters else "document", len(issued))
        if not letters:
            for d, digest in issued:
                self.events.publish("document.issued", d.organisation, _issued_event(d, digest))
        if finished is None:
            return
        if finished.started_at is not None and finished.finished_at is not None:
            self.metrics.job_finished(finished.kind, (finished.finished_at - finished.started_at).total_seconds())
        if letters and issued:
            d = issued[0][0]
            event = {"batch_id": d.batch_id, "job_id": finished.id, "documents": finished.total}
            self.events.publish("batch.completed", d.organisation, event | {"template": d.template_id})

    def _job_failed(self, job: JobRow, error: VanbanError, organisation: str, batch_id: str | None = None) -> None:
        log.warning("job %s failed for good (%s): %s", job.id, error.code, error.message_en)
        self.job_ends.announce(job.id)
        self.metrics.job_failed(error.code)
        data = {"job_id": job.id, "kind": job.kind, "batch_id": batch_id, "error": error.to_dict()}
        self.events.publish("job.failed", organisation, data)


def _issued_event(doc: DocumentRow, pdf_sha256: str) -> dict[str, Any]:
    return {
        "document_id": doc.id,
        "job_id": doc.job_id,
        "template": doc.template_id,
        "notation": doc.notation,
        "issued_on": doc.issued_on.isoformat() if doc.issued_on else None,
        "pdf_sha256": pdf_sha256,
    }
