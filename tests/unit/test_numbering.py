"""Numbering rules of the register (sổ đăng ký văn bản đi), on fakes: contiguous numbers per organisation, register
and year, a new year from 1, a retried job keeping its number, a clerk's manual numbers, failed numbers kept in the
register, and nothing taken by a transaction that does not commit."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from service.adapters.orm import DocumentRow, RegisterCounterRow, RegisterEntryRow
from service.adapters.pdf_pages import PdfPageTools
from service.adapters.renderer import DocxRenderer
from service.domain.documents import DocumentStatus
from service.domain.office import Principal
from service.domain.registers import DEFAULT_REGISTER
from service.errors import ArchiveError, BatchRejected, DuplicateNumber, InvalidRequest, VanbanError
from service.services import issuing
from service.services.issuing import Issuer
from service.services.production import OrganisationSignature, Production
from service.services.requesting import RequestBatch, RequestDocument, request_batch, request_document
from signing import KeyMaterial
from signing.sign import Level, SigningContext
from tests.fakes import FakeConverter
from tests.unit.services import CALL_UP, Service

DECISION = "quyet-dinh-mo-lop"  # reviewed, then issued by the clerk
CLERK = Principal("u-mai", "vanthu", "Trần Thị Mai", "Văn thư", "TCT", frozenset({"clerk"}))
CLASS_LIST = "Họ và tên,Ngày sinh,Đơn vị công tác\n" + "".join(
    f"Học Viên {name},0{i + 1}/0{i + 1}/1990,Xã {i}\n" for i, name in enumerate(["Bình", "An", "Chi"])
)


def _request(service: Service, organisation: str = "TCT", template_id: str = CALL_UP) -> str:
    data = service.example(template_id)
    data["organisation"] = data["organisation"] | {"abbreviation": organisation}
    return request_document(
        service.db, service.templates, RequestDocument(template_id=template_id, data=data)
    ).document_id


def _number(service: Service, document_id: str, on: date) -> DocumentRow:
    template = service.templates.get(CALL_UP)
    with service.db.uow() as tx:
        row = tx.repo.document(document_id)
        issuing.number_document(tx, row, template, on)
        tx.commit()
    return row


def _register(service: Service, organisation: str = "TCT", year: int = 2027) -> list[tuple[int, str, str]]:
    with service.db.uow() as tx:
        return [(e.number, e.notation, e.document_id) for e in tx.repo.register_entries(organisation, "default", year)]


def _no_key() -> KeyMaterial:
    raise AssertionError("these tests sign nothing")


def _production(service: Service) -> Production:
    signature = OrganisationSignature(_no_key, SigningContext(), Level.B_B, None)
    return Production(
        service.db,
        service.templates,
        FakeConverter(),
        service.archive,
        signature,
        service.clock,
        renderer=DocxRenderer(),
        pages=PdfPageTools(),
    )


def _class_list(batch_data: dict[str, Any], class_list: str = CLASS_LIST) -> RequestBatch:
    return RequestBatch(template_id=CALL_UP, class_list=class_list.encode(), filename="lop.csv", data=batch_data)


def test_numbers_run_from_1_without_gaps_per_organisation() -> None:
    service = Service()
    ours = [_request(service) for _ in range(3)]
    partner = _request(service, "TDTN")
    numbered = [_number(service, d, date(2027, 3, 4)) for d in [*ours, partner]]
    assert [(d.number, d.notation, d.status) for d in numbered] == [
        (1, "01/GTT-TCT", DocumentStatus.NUMBERED),
        (2, "02/GTT-TCT", DocumentStatus.NUMBERED),
        (3, "03/GTT-TCT", DocumentStatus.NUMBERED),
        (1, "01/GTT-TDTN", DocumentStatus.NUMBERED),
    ]
    assert _register(service) == [(1, "01/GTT-TCT", ours[0]), (2, "02/GTT-TCT", ours[1]), (3, "03/GTT-TCT", ours[2])]
    assert _register(service, "TDTN") == [(1, "01/GTT-TDTN", partner)]


def test_a_new_year_starts_at_1() -> None:
    service = Service()
    old = [_number(service, _request(service), date(2027, 12, 31)) for _ in range(2)]
    new = _number(service, _request(service), date(2028, 1, 1))
    assert [d.number for d in old] == [1, 2]
    assert (new.number, new.year, new.issued_on) == (1, 2028, date(2028, 1, 1))
    assert [n for n, _, _ in _register(service, year=2028)] == [1]


def test_a_retried_job_keeps_its_number() -> None:
    service = Service()
    document_id = _request(service)
    first = _number(service, document_id, date(2027, 3, 4))
    again = _number(service, document_id, date(2027, 3, 5))
    assert (again.number, again.issued_on) == (first.number, first.issued_on) == (1, date(2027, 3, 4))
    with service.db.uow() as tx:
        assert tx.repo.counter("TCT", DEFAULT_REGISTER, 2027) == 1
    assert len(_register(service)) == 1


def test_a_batch_takes_contiguous_numbers_in_list_order() -> None:
    service = Service()
    _number(service, _request(service), service.clock.today())
    batch_data = {k: v for k, v in service.example().items() if k != "student"}
    requested = request_batch(service.db, service.templates, _class_list(batch_data), clock=service.clock)
    with service.db.uow() as tx:
        letters = tx.repo.documents_of_batch(requested.batch_id)
    assert [(d.number, d.data["student"]["full_name"]) for d in letters] == [
        (2, "Học Viên Bình"),
        (3, "Học Viên An"),
        (4, "Học Viên Chi"),
    ]
    assert {d.issued_on for d in letters} == {date(2027, 3, 4)}
    assert [(n, d) for n, _, d in _register(service)][1:] == [(d.number, d.id) for d in letters]


def test_a_rejected_class_list_takes_no_number() -> None:
    service = Service()
    batch_data = {k: v for k, v in service.example().items() if k != "student"}
    wrong = CLASS_LIST + "Người Lỗi,31/02/1990,Xã X\n"
    with pytest.raises(BatchRejected):
        request_batch(service.db, service.templates, _class_list(batch_data, wrong), clock=service.clock)
    assert service.db.rows(RegisterCounterRow) == [] and service.db.rows(DocumentRow) == []


def _manual(service: Service, document_id: str, manual: int | None) -> int:
    template = service.templates.get(CALL_UP)
    with service.db.uow() as tx:
        number = issuing.take_number(tx, tx.repo.document(document_id), template, 2027, manual)
        tx.commit()
    return number


def test_a_manual_number_given_already_is_refused_naming_its_first_document() -> None:
    service = Service()
    first = _request(service)
    _number(service, first, date(2027, 3, 4))
    with pytest.raises(DuplicateNumber) as refused:
        _manual(service, _request(service), 1)
    assert refused.value.first_document == first
    assert "01/GTT-TCT" in refused.value.message_en and "01/GTT-TCT" in refused.value.message_vi


@pytest.mark.parametrize("manual", [0, 3])
def test_a_manual_number_that_would_leave_a_gap_is_refused_naming_the_field(manual: int) -> None:
    service = Service()
    _number(service, _request(service), date(2027, 3, 4))
    with pytest.raises(InvalidRequest) as refused:
        _manual(service, _request(service), manual)
    assert [e.path for e in refused.value.errors] == ["number"]
    with service.db.uow() as tx:
        assert tx.repo.counter("TCT", DEFAULT_REGISTER, 2027) == 1


def test_the_next_manual_number_is_taken_and_an_unused_earlier_one_may_be_typed_in() -> None:
    service = Service()
    _number(service, _request(service), date(2027, 3, 4))
    assert _manual(service, _request(service), 2) == 2
    assert _manual(service, _request(service), None) == 3  # the counter moved past the manual number
    assert _manual(service, _request(service), 2) == 2  # taken from the counter, but no register line holds it yet
    with service.db.uow() as tx:
        assert tx.repo.counter("TCT", DEFAULT_REGISTER, 2027) == 3


def test_a_failed_document_keeps_its_number_in_the_register() -> None:
    service = Service()
    document_id = _request(service)
    _number(service, document_id, date(2027, 3, 4))
    _production(service).fail_document(document_id, VanbanError("LibreOffice gave up"), final=True)
    with service.db.uow() as tx:
        assert tx.repo.document(document_id).status == DocumentStatus.FAILED
        assert tx.repo.failed_documents([document_id]) == {document_id}
    assert _register(service) == [(1, "01/GTT-TCT", document_id)]
    assert _number(service, _request(service), date(2027, 3, 4)).number == 2  # never given twice


def test_a_failed_chunk_keeps_its_letters_numbers() -> None:
    service = Service()
    batch_data = {k: v for k, v in service.example().items() if k != "student"}
    requested = request_batch(service.db, service.templates, _class_list(batch_data), clock=service.clock)
    _production(service).fail_chunk(requested.batch_id, 0, VanbanError("gave up"), final=True)
    with service.db.uow() as tx:
        letters = tx.repo.documents_of_batch(requested.batch_id)
        assert tx.repo.failed_documents([d.id for d in letters]) == {d.id for d in letters}
    assert [n for n, _, _ in _register(service)] == [1, 2, 3]


def test_numbering_without_a_commit_leaves_the_document_and_the_register_unchanged() -> None:
    service = Service()
    document_id = _request(service)
    template = service.templates.get(CALL_UP)
    with service.db.uow() as tx:
        row = tx.repo.document(document_id)
        issuing.number_document(tx, row, template, date(2027, 3, 4))
        assert row.number == 1  # seen inside the transaction...
    with service.db.uow() as tx:  # ...and gone with it
        after = tx.repo.document(document_id)
        assert (after.number, after.status) == (None, DocumentStatus.REQUESTED)
        assert tx.repo.counter("TCT", DEFAULT_REGISTER, 2027) == 0
    assert service.db.rows(RegisterEntryRow) == []


def _signed_decision(service: Service, pdf_sha256: str) -> str:
    document_id = _request(service, template_id=DECISION)
    with service.db.uow() as tx:
        doc = tx.repo.document(document_id)
        doc.status, doc.pdf_sha256 = DocumentStatus.SIGNED, pdf_sha256
        doc.signatures = [{"by": "hieutruong", "name": "Nguyễn Văn An", "organisation": "TCT"}]
        tx.commit()
    return document_id


def _issuer(service: Service) -> Issuer:
    signature = OrganisationSignature(_no_key, SigningContext(), Level.B_B, None)
    templates = service.templates

    def template_of(doc: DocumentRow) -> Any:
        return templates.get(doc.template_id, doc.template_version)

    return Issuer(service.db, service.archive, template_of, signature, service.clock, PdfPageTools())


def test_an_issue_that_fails_after_taking_its_number_leaves_the_document_signed_and_the_number_free() -> None:
    service = Service()
    document_id = _signed_decision(service, "0" * 64)  # its PDF is not in the archive: the issue fails midway
    with pytest.raises(ArchiveError):
        _issuer(service).issue(CLERK, document_id)
    with service.db.uow() as tx:
        doc = tx.repo.document(document_id)
        assert (doc.status, doc.number, doc.notation) == (DocumentStatus.SIGNED, None, None)
        assert tx.repo.counter("TCT", DEFAULT_REGISTER, service.clock.today().year) == 0
    assert service.db.rows(RegisterEntryRow) == []


def test_the_clock_dates_the_numbers() -> None:
    service = Service()
    service.clock.set(datetime(2027, 12, 31, 17, 30, tzinfo=UTC))  # 00:30 on 1 January in Vietnam
    _number(service, _request(service), service.clock.today())
    assert [n for n, _, _ in _register(service, year=2028)] == [1]
