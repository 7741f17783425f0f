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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from service.domain.clock import Clock
from service.domain.documents import DocumentStatus, JobStatus, Notation
from service.domain.enrich import enrich, enrichers_of
from service.domain.office import parties
from service.domain.templates import Template
from service.domain.vietnamese import BLANK, nfc, place_date
from service.errors import VanbanError
from service.services import issuing
from service.services.drafts import prepare_draft
from service.services.ports import (
    Archive,
    Database,
    DocumentRow,
    JobRow,
    PageWords,
    PdfConverter,
    PdfPages,
    Renderer,
    UnitOfWork,
)
from service.services.requesting import organisation_of
from service.services.validation import check_text, validate
from signing import KeyMaterial, SignatureRequest, SigningError, sign_pdf
from signing.appearance import seal_box
from signing.marks import Mark, find_marks
from signing.sign import Level, SigningContext

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


def render_context(template: Template, data: dict[str, Any], notation: str, issued_on: date | None) -> dict[str, Any]:
    """What the template sees: the request's data with schema defaults, what the template's enrichers compute,
    and the document's number and date (a draft has neither: blanks are left for the clerk, see ``drafts``)."""
    context: dict[str, Any] = _fill_defaults(template.schema, data)
    context["document"] = {
        "notation": notation,
        "issued_on": issued_on.isoformat() if issued_on else None,
        "place_date": place_date(context.get("place", ""), issued_on),
    }
    enrich(context, enrichers_of(template.schema.get("x-vanban", {})))
    return context


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
    data = nfc(data)
    validate(template.schema, data)
    draft = str(Notation(0, template.type_abbreviation, organisation_of(data, default_organisation)))
    return converter.to_pdf(renderer.render(template.docx, render_context(template, data, draft, clock.today())))


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


@dataclass(frozen=True)
class Made:
    """What :meth:`Production._make` made of some numbered documents: the DOCX (one document's own, or the
    chunk's), and each document's signed PDF, in order, with the signer's name."""

    docx: bytes
    pdfs: list[bytes]
    signer: str


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

    def letter_docx(self, doc: DocumentRow) -> bytes:
        """The filled DOCX of a numbered document, made again from its data and template version (the same text
        as the DOCX its PDF was converted from): a batch's letters keep none of their own."""
        assert doc.notation is not None and doc.issued_on is not None
        template = self.templates.get(doc.template_id, doc.template_version)
        context = render_context(template, letter_data(doc.data), doc.notation, doc.issued_on)
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
        docx = self.renderer.render(template.docx, render_context(template, doc.data, f"{BLANK}/{symbol}", None))
        docx_sha = self.archive.put(docx, ".docx")
        pdf = prepare_draft(self.converter.to_pdf(docx), symbol, parties(template.schema))
        values: dict[str, object] = {"docx_sha256": docx_sha, "pdf_sha256": self.archive.put(pdf, ".pdf")}
        with self.db.uow() as tx:
            # the write first, and only if no other delivery of this job recorded its result already
            if not tx.repo.finish(doc.id, DocumentStatus.DRAFT, values):
                log.info("document %s was already recorded by another delivery of its job", doc.id)
                return
            self._count(tx, doc.job_id, 1)
            tx.repo.append_audit("worker", "render", doc.id, {"status": "draft", "pdf_sha256": values["pdf_sha256"]})
            tx.commit()

    def fail_document(self, document_id: str, error: VanbanError, final: bool) -> None:
        """Record an attempt's error; a final one fails the job and the document."""
        with self.db.uow() as tx:
            doc = tx.repo.document(document_id)
            job = tx.repo.job(doc.job_id)
            self._fail(job, {**error.to_dict(), "attempt": job.attempts}, final, [doc])
            if not final:
                job.status = JobStatus.QUEUED  # the document's task is retried
            tx.commit()

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
            self._fail(tx.repo.job(batch.job_id), {**error.to_dict(), "chunk": chunk}, final, letters)
            tx.commit()

    # -- the one path -----------------------------------------------------------------------------------------
    def _issue(self, template: Template, docs: Sequence[DocumentRow], job_id: str, *, audit: bool) -> int:
        """Make the numbered ``docs`` (see :meth:`_make`), archive them and record them issued in one transaction:
        each only if no other delivery recorded it first. ``audit``: an entry per document (a batch's letters are
        accounted for by their batch). Returns how many this call recorded."""
        stages = [("start", time.perf_counter())]
        made = self._make(template, docs, stages)
        docx_sha = self.archive.put(made.docx, ".docx") if len(docs) == 1 else None  # one document's own DOCX
        digests = self.archive.put_many(made.pdfs, ".pdf")
        stages.append(("archive", time.perf_counter()))
        now = self.clock.now()
        with self.db.uow() as tx:
            # Writes first, each only if the document is not issued yet: a job delivered twice at once (a message
            # redelivered after a crash while the sweep had sent it again) records each document once.
            recorded = 0
            for d, digest in zip(docs, digests, strict=True):
                if tx.repo.issue(d.id, digest, made.signer, now, docx_sha):
                    recorded += 1
                    if audit:
                        detail: dict[str, object] = {"status": DocumentStatus.ISSUED.value, "pdf_sha256": digest}
                        tx.repo.append_audit("worker", "render", d.id, detail)
            self._count(tx, job_id, recorded)
            tx.commit()
        stages.append(("record", time.perf_counter()))
        timing = ", ".join(f"{name} {1000 * (t - stages[i][1]):.0f} ms" for i, (name, t) in enumerate(stages[1:]))
        log.info("job %s: %s of %s documents issued (%s)", job_id, recorded, len(docs), timing)
        return recorded

    def _make(self, template: Template, docs: Sequence[DocumentRow], stages: list[tuple[str, float]]) -> Made:
        """One render of every document into one DOCX, one conversion, the PDF cut at each document's first page,
        each part signed by the organisation where its template marks the leader's place."""
        contexts = []
        for d in docs:
            assert d.notation is not None and d.issued_on is not None
            contexts.append(render_context(template, letter_data(d.data), d.notation, d.issued_on))
        one = len(contexts) == 1
        render, render_many = self.renderer.render, self.renderer.render_many
        docx = render(template.docx, contexts[0]) if one else render_many(template.docx, contexts)
        stages.append(("render", time.perf_counter()))
        pdf = self.converter.to_pdf(docx)
        stages.append(("convert", time.perf_counter()))
        marks: list[Mark | None]
        if len(docs) == 1:  # one document keeps its PDF whole; the signature finds its mark
            parts, marks = [pdf], [None]
        else:
            ranges, marks = _letters(self.pages.words(pdf), [str(d.notation) for d in docs])
            parts = self.pages.split(pdf, ranges)
        stages.append(("split", time.perf_counter()))
        signed, signer = [], ""
        for d, part, mark in zip(docs, parts, marks, strict=True):
            pdf_signed, signer = self.organisation.sign(part, f"Ban hành {d.notation}", d.data.get("place"), mark)
            signed.append(pdf_signed)
        stages.append(("sign", time.perf_counter()))
        return Made(docx, signed, signer)

    def _count(self, tx: UnitOfWork, job_id: str, done: int) -> None:
        """``done`` more documents of the job made; the job succeeds with its last one."""
        job = tx.repo.add_progress(job_id, done)
        if job.done >= job.total and job.status != JobStatus.FAILED:
            job.status, job.finished_at = JobStatus.SUCCEEDED, self.clock.now()

    def _fail(self, job: JobRow, error: dict[str, Any], final: bool, docs: Sequence[DocumentRow]) -> None:
        """Record ``error`` on the job; a final one fails it and those of ``docs`` not issued."""
        job.error = {**error, "final": final}
        if not final:
            return
        job.status, job.finished_at = JobStatus.FAILED, self.clock.now()
        for d in docs:
            if d.status != DocumentStatus.ISSUED:
                d.status = DocumentStatus.FAILED


def _letters(pages: list[PageWords], notations: list[str]) -> tuple[list[tuple[int, int]], list[Mark | None]]:
    """Page range and signature mark of each letter in a chunk's PDF (its words read once): a letter starts on the
    page showing its number (``Số: 05/GTT-TCT``)."""
    starts: list[int] = []
    page = 0
    for notation in notations:
        needle = f"Số: {notation}"
        while page < len(pages) and needle not in pages[page].text:
            page += 1
        if page == len(pages):
            raise VanbanError(
                f"letter {notation} not found in the converted chunk",
                f"Không tìm thấy văn bản {notation} trong tệp đã chuyển đổi",
            )
        starts.append(page)
        page += 1
    ranges = [(s, (starts[i + 1] if i + 1 < len(starts) else len(pages)) - 1) for i, s in enumerate(starts)]
    marks: list[Mark | None] = []
    for first, last in ranges:
        found = None
        for index in range(first, last + 1):
            for word, x, y in pages[index].words:
                if "[[sig:leader]]" in word:
                    found = Mark(index - first, x, y)
        marks.append(found)
    return ranges, marks
