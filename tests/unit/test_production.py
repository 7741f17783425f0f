"""Production on fakes (no database, no LibreOffice; the demo PKI's real key signs): a single document and a chunk
of letters go through the same path (one render, one conversion, split, signed, archived, recorded at once), a
redelivered job records nothing twice, and a failure leaves nothing half-done."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import replace
from io import BytesIO
from typing import Any

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from service.adapters.pdf_pages import PdfPageTools, page_words
from service.adapters.renderer import DocxRenderer
from service.domain.documents import DocumentStatus, JobStatus
from service.errors import ConversionError
from service.services.production import OrganisationSignature, Production
from service.services.requesting import BatchLimits, RequestBatch, RequestDocument, request_batch, request_document
from signing import load_pkcs12
from signing.pki import DemoPki
from signing.sign import Level, SigningContext
from tests.fakes import PKI_PASSWORD, FakeConverter, FakeEvents, FakeMetrics
from tests.unit.services import CALL_UP, Service

CLASS_LIST = "Họ và tên,Ngày sinh,Giới tính,Đơn vị công tác\n" + "".join(
    f"Học Viên {name},0{i + 1}/0{i + 1}/1990,{gender},Xã {i}\n"
    for i, (name, gender) in enumerate([("Bình", "Nam"), ("An", "Nữ"), ("Chi", "")])
)


def _production(service: Service, pki: DemoPki, converter: FakeConverter) -> Production:
    key = load_pkcs12(pki.org_p12, PKI_PASSWORD)
    signature = OrganisationSignature(lambda: key, SigningContext(), Level.B_B, None)
    return Production(
        service.db,
        service.templates,
        converter,
        service.archive,
        signature,
        service.clock,
        renderer=DocxRenderer(),  # docxtpl and pdftotext are quick: the real ones
        pages=PdfPageTools(),
    )


def _single(service: Service) -> str:
    command = RequestDocument(template_id=CALL_UP, data=service.example(), workflow="direct")
    return request_document(service.db, service.templates, command).document_id


def _batch(service: Service, chunk_size: int = 100) -> str:
    data = {k: v for k, v in service.example().items() if k != "student"}
    command = RequestBatch(template_id=CALL_UP, class_list=CLASS_LIST.encode(), filename="lop.csv", data=data)
    limits = BatchLimits(chunk_size=chunk_size)
    return request_batch(service.db, service.templates, command, clock=service.clock, limits=limits).batch_id


def _signatures(pdf: bytes) -> list[str]:
    return [s.field_name for s in PdfFileReader(BytesIO(pdf)).embedded_signatures]


def _text(pdf: bytes) -> str:
    return " ".join(p.text for p in page_words(pdf))


def test_a_single_document_is_issued_as_a_batch_of_one(pki: DemoPki) -> None:
    service, converter = Service(), FakeConverter()
    document_id = _single(service)
    _production(service, pki, converter).produce_document(document_id)
    assert converter.converted == 1
    with service.db.uow() as tx:
        doc = tx.repo.document(document_id)
        job = tx.repo.job(doc.job_id)
        entries, _, _ = tx.repo.audit_chain()
    organisation = load_pkcs12(pki.org_p12, PKI_PASSWORD).subject_common_name
    assert (doc.status, doc.notation, doc.signer) == (DocumentStatus.ISSUED, "01/GTT-TCT", organisation)
    assert (job.status, job.done, job.total) == (JobStatus.SUCCEEDED, 1, 1)
    assert doc.docx_sha256 is not None and doc.pdf_sha256 is not None  # a single document keeps its own DOCX
    pdf = service.archive.get(doc.pdf_sha256, ".pdf")
    assert _signatures(pdf) == ["ToChuc"] and "Số: 01/GTT-TCT" in _text(pdf)
    assert [(e.action, e.object_id) for e in entries][-1] == ("render", document_id)


def test_a_chunk_of_letters_is_one_render_and_one_conversion_cut_into_signed_letters(pki: DemoPki) -> None:
    service, converter = Service(), FakeConverter()
    batch_id = _batch(service)
    assert _production(service, pki, converter).produce_chunk(batch_id, 0) == 3
    assert converter.converted == 1
    with service.db.uow() as tx:
        letters = tx.repo.documents_of_batch(batch_id)
        job = tx.repo.job(tx.repo.batch(batch_id).job_id)
    assert (job.status, job.done, job.total) == (JobStatus.SUCCEEDED, 3, 3)
    for letter, salutation in zip(letters, ["Ông", "Bà", "Ông/Bà"], strict=True):
        assert letter.status == DocumentStatus.ISSUED and letter.docx_sha256 is None  # made again on demand
        assert letter.pdf_sha256 is not None
        pdf = service.archive.get(letter.pdf_sha256, ".pdf")
        text = _text(pdf)
        assert _signatures(pdf) == ["ToChuc"] and len(page_words(pdf)) == 1
        assert f"Số: {letter.notation}" in text
        assert f"{salutation}: {letter.data['student']['full_name']}" in text  # addressed by gender (the enricher)


def test_chunks_of_a_batch_are_made_apart_and_a_redelivered_chunk_records_nothing_twice(pki: DemoPki) -> None:
    service, converter = Service(), FakeConverter()
    batch_id = _batch(service, chunk_size=2)
    production = _production(service, pki, converter)
    assert production.produce_chunk(batch_id, 1) == 1
    assert production.produce_chunk(batch_id, 1) == 0  # the same message delivered again: nothing to make
    assert production.produce_chunk(batch_id, 0) == 2
    assert converter.converted == 2
    with service.db.uow() as tx:
        assert tx.repo.job(tx.repo.batch(batch_id).job_id).status == JobStatus.SUCCEEDED


def test_a_document_produced_again_is_left_as_it_is(pki: DemoPki) -> None:
    service, converter = Service(), FakeConverter()
    document_id = _single(service)
    production = _production(service, pki, converter)
    production.produce_document(document_id)
    production.produce_document(document_id)
    assert converter.converted == 1
    with service.db.uow() as tx:
        assert tx.repo.job(tx.repo.document(document_id).job_id).done == 1


def _state(service: Service) -> list[tuple[Any, ...]]:
    with service.db.uow() as tx:
        return [(d.status, d.number, d.pdf_sha256, d.docx_sha256) for d in tx.repo.documents_waiting("numbered")]


@pytest.mark.parametrize("what", ["single", "batch"])
def test_a_failed_conversion_leaves_nothing_half_done_and_a_retry_finishes(pki: DemoPki, what: str) -> None:
    service = Service()
    broken = FakeConverter(fail=ConversionError("LibreOffice crashed", "LibreOffice bị lỗi"))
    production = _production(service, pki, broken)
    run: Callable[[Production], object]
    if what == "single":
        document_id = _single(service)
        run = lambda p: p.produce_document(document_id)  # noqa: E731
    else:
        batch_id = _batch(service)
        run = lambda p: p.produce_chunk(batch_id, 0)  # noqa: E731
    with pytest.raises(ConversionError):
        run(production)
    assert service.archive.files == {}  # nothing archived
    numbered = _state(service)
    assert numbered and all(
        (status, pdf, docx) == (DocumentStatus.NUMBERED, None, None) for status, _, pdf, docx in numbered
    )  # each keeps its number for the retry, none issued
    with service.db.uow() as tx:
        job = tx.repo.job(tx.repo.unfinished_jobs()[0].id)
    assert job.done == 0 and job.status == JobStatus.RUNNING

    working = FakeConverter()
    run(_production(service, pki, working))
    assert _state(service) == [] and working.converted == 1
    issued = [n for _, n, _, _ in numbered]
    with service.db.uow() as tx:
        assert sorted(d.number or 0 for d in tx.repo.documents_waiting(DocumentStatus.ISSUED)) == sorted(issued)


def test_what_production_measures_and_tells(pki: DemoPki, caplog: pytest.LogCaptureFixture) -> None:
    """Each stage timed, letters and documents counted apart, signatures by level; ``batch.completed`` once, when
    the last chunk ends (a redelivered chunk tells nothing again); ``document.issued`` for a single document;
    ``job.failed`` with the error's code once a failure is final."""
    service, metrics, events = Service(), FakeMetrics(), FakeEvents()
    production = replace(_production(service, pki, FakeConverter()), metrics=metrics, events=events)
    batch_id = _batch(service, chunk_size=2)
    production.produce_chunk(batch_id, 0)
    assert [e for e, _, _ in events.published] == []
    production.produce_chunk(batch_id, 1)
    production.produce_chunk(batch_id, 1)
    assert metrics.stages == ["render", "convert", "split", "sign", "archive", "record"] * 2
    assert metrics.counts == {("issued", "letter"): 3, ("signed", "B-B organisation"): 3}
    assert metrics.jobs_finished == ["batch"]
    ((event, organisation, data),) = events.published
    assert (event, organisation, data["batch_id"], data["documents"]) == ("batch.completed", "TCT", batch_id, 3)

    document_id = _single(service)
    with caplog.at_level(logging.INFO, logger="service.services.production"):
        production.produce_document(document_id)
    assert metrics.counts[("issued", "document")] == 1
    (told,) = [r.getMessage() for r in caplog.records if "documents issued" in r.getMessage()]
    observed = {n: f"{1000 * t:.0f}" for n, t in zip(metrics.stages[-6:], metrics.seconds[-6:], strict=True)}
    assert dict(re.findall(r"(\w+) (\d+) ms", told)) == observed  # the log line and the metric tell the same times
    caplog.clear()
    assert events.published[-1][0] == "document.issued" and events.published[-1][2]["document_id"] == document_id

    failing = _single(service)
    error = ConversionError("LibreOffice crashed", "LibreOffice bị lỗi")
    production.fail_document(failing, error, final=False)
    assert ("failed", "conversion") not in metrics.counts
    with caplog.at_level(logging.WARNING, logger="service.services.production"):
        production.fail_document(failing, error, final=True)
    (line,) = [r for r in caplog.records if r.name == "service.services.production"]  # the operator hears of it
    assert (
        line.levelno == logging.WARNING
        and "conversion" in line.getMessage()
        and "LibreOffice crashed" in line.getMessage()
    )
    with service.db.uow() as tx:
        assert tx.repo.document(failing).job_id in line.getMessage()
    production.fail_document(failing, error, final=True)
    assert metrics.counts[("failed", "conversion")] == 1
    assert events.published[-1][0] == "job.failed" and events.published[-1][2]["error"]["code"] == "conversion"
