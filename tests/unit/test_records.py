"""Records on fakes (no database, no LibreOffice; the demo PKI's real key signs): every issued document carries its
NĐ 30 Phụ lục VI metadata; a class's hồ sơ (its decision, its call-up letters filed as a batch in one step, its
result report) is closed and exported, and the ZIP re-read: its XML valid against the shipped XSD, every PDF
re-hashed; an edXML package round-trips; an issued record answers every change with 409; destruction is only
proposed, after the retention, by an admin, and audited."""

from __future__ import annotations

import hashlib
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from lxml import etree

from service.adapters.orm import RecordFileRow
from service.adapters.pdf_pages import PdfPageTools
from service.adapters.records_xml import HOSO_NS, LxmlRecords
from service.domain.documents import DocumentStatus
from service.domain.office import Principal
from service.domain.records import ArchiveMetadata, Priority, Retention, SignerInfo
from service.errors import (
    FileClosed,
    Forbidden,
    InvalidRequest,
    NotFound,
    RecordKept,
    VanbanError,
    WrongState,
    http_status,
)
from service.services.exchange import Exchange
from service.services.production import Production
from service.services.records import NewFile, Records, metadata_of, pdf_name
from service.services.requesting import RequestDocument, request_document
from signing.pki import DemoPki
from tests.fakes import CSC_PIN, FakeConverter
from tests.unit.services import CALL_UP, REQUESTER, Service
from tests.unit.test_production import _batch, _production
from tests.unit.test_review import CLERK, DECISION, JOINT, Office

ADMIN = Principal("u-admin", "quantri", "Quản Trị", "", "TCT", frozenset({"admin"}))
OTHER_CLERK = Principal("u-x", "vanthu_x", "Văn Thư", "", "TDTN", frozenset({"clerk"}))
REPORT = "bao-cao-ket-qua"


def _records(service: Service) -> Records:
    return Records(service.db, service.archive, LxmlRecords(), service.clock)


def _direct(service: Service, production: Production, template_id: str) -> str:
    """A document issued directly, as a worker issues it."""
    data = service.example(template_id)
    command = RequestDocument(template_id=template_id, data=data, workflow="direct")
    document_id = request_document(service.db, service.templates, command).document_id
    production.produce_document(document_id)
    return document_id


def _joint(office: Office) -> str:
    """A joint regulation signed by both bodies' leaders and issued by the school's clerk."""
    document_id = office.draft(["hieutruong", "bithu"], JOINT)
    office.review.submit(REQUESTER, document_id, None)
    office.review.sign(office.head, [document_id], CSC_PIN)
    office.review.sign(office.partner, [document_id], CSC_PIN)
    office.issuer.issue(CLERK, document_id)
    return document_id


def _document(service: Service, document_id: str) -> ArchiveMetadata:
    with service.db.uow() as tx:
        metadata = metadata_of(tx.repo.document(document_id))
    assert metadata is not None
    return metadata


def test_an_issued_document_carries_its_archive_metadata_from_template_register_and_signers(pki: DemoPki) -> None:
    service = Service()
    production = _production(service, pki, FakeConverter())
    document_id = _direct(service, production, CALL_UP)
    metadata = _document(service, document_id)
    example = service.example()
    with service.db.uow() as tx:
        doc = tx.repo.document(document_id)
    assert doc.pdf_sha256 is not None
    pages = PdfPageTools().count(service.archive.get(doc.pdf_sha256, ".pdf"))
    assert metadata == ArchiveMetadata(
        type_name="Giấy triệu tập",
        code_number="01",
        code_notation="GTT-TCT",
        issued_date=service.clock.today(),
        organ_name="Trường Chính trị tỉnh",
        subject=f"Giấy triệu tập {example['class']['name']}",
        page_amount=pages,
        signers=(SignerInfo("Trần Văn Bình", "Phó Hiệu trưởng", "KT. Hiệu trưởng"),),
        to=("Như trên", "Ban Giám hiệu"),
        priority=Priority.NORMAL,
        issued_amount=3,
        retention=Retention(10),  # the call-up letter's default
    )
    assert pages >= 1 and metadata.notation == doc.notation


def test_batch_letters_and_a_reviewed_document_get_their_metadata_at_issue(pki: DemoPki, tmp_path: Path) -> None:
    service = Service()
    batch_id = _batch(service)
    _production(service, pki, FakeConverter()).produce_chunk(batch_id, 0)
    with service.db.uow() as tx:
        letters = tx.repo.documents_of_batch(batch_id)
    assert [metadata_of(d).code_number for d in letters] == ["01", "02", "03"]  # type: ignore[union-attr]

    office = Office(tmp_path)
    document_id = _joint(office)
    metadata = _document(office.service, document_id)
    assert (metadata.type_name, metadata.code_notation) == ("Quy chế phối hợp", "QC-TCT")
    assert metadata.retention == Retention(None)  # a regulation is kept for ever
    assert [s.position for s in metadata.signers] == ["Hiệu trưởng", "Bí thư"]


def _class_file(service: Service, pki: DemoPki) -> tuple[Records, list[str]]:
    """A class's hồ sơ: its decision, its three call-up letters (a batch, filed in one step), its result report."""
    production = _production(service, pki, FakeConverter())
    decision = _direct(service, production, DECISION)
    batch_id = _batch(service)
    production.produce_chunk(batch_id, 0)
    report = _direct(service, production, REPORT)
    records = _records(service)
    spec = NewFile("2027.ĐT.K12", "Hồ sơ lớp Trung cấp lý luận chính trị K12", date(2027, 1, 1), retention_years=20)
    records.create(CLERK, spec)
    records.file_documents(CLERK, spec.code, [decision])
    filed = records.file_documents(CLERK, spec.code, [], batch_id)
    records.file_documents(CLERK, spec.code, [report])
    return records, [decision, *(d.id for d in filed), report]


def test_a_class_file_is_filed_in_order_closed_and_takes_no_more_documents(pki: DemoPki) -> None:
    service = Service()
    records, ids = _class_file(service, pki)
    view = records.read(REQUESTER, "2027.ĐT.K12")
    assert [d.id for d in view.documents] == ids and len(ids) == 5
    assert [_document(service, i).doc_ordinal for i in ids] == [1, 2, 3, 4, 5]
    assert {_document(service, i).file_code for i in ids} == {"2027.ĐT.K12"}

    with pytest.raises(InvalidRequest) as again:  # a document is filed once
        records.file_documents(CLERK, "2027.ĐT.K12", [ids[0]])
    assert again.value.errors[0].path == "document_ids[0]" and "2027.ĐT.K12" in again.value.errors[0].message_en
    closed = records.close(CLERK, "2027.ĐT.K12")
    assert closed.closed and closed.end_date == service.clock.today()
    late = _direct(service, _production(service, pki, FakeConverter()), REPORT)
    with pytest.raises(FileClosed) as refused:
        records.file_documents(CLERK, "2027.ĐT.K12", [late])
    assert http_status(refused.value) == 409 and "đã đóng" in refused.value.message_vi


def test_only_issued_documents_of_the_body_are_filed_by_its_clerk(pki: DemoPki) -> None:
    service = Service()
    records = _records(service)
    records.create(CLERK, NewFile("HS-1", "Hồ sơ", date(2027, 1, 1)))
    command = RequestDocument(template_id=CALL_UP, data=service.example(), workflow="direct")
    waiting = request_document(service.db, service.templates, command).document_id  # requested, not issued
    with pytest.raises(InvalidRequest) as not_issued:
        records.file_documents(CLERK, "HS-1", [waiting])
    assert not_issued.value.errors[0].message_vi == f"văn bản {waiting} chưa ban hành"
    with service.db.uow() as tx:  # another body's document, in whatever state, is as unknown as no document
        tx.repo.document(waiting).organisation = "TDTN"
        tx.commit()
    with pytest.raises(InvalidRequest) as theirs:
        records.file_documents(CLERK, "HS-1", [waiting, "no-such-id"])
    assert [(e.path, e.message_vi) for e in theirs.value.errors] == [
        ("document_ids[0]", f"TCT không có văn bản {waiting}"),
        ("document_ids[1]", "TCT không có văn bản no-such-id"),
    ]
    with pytest.raises(Forbidden):
        records.create(REQUESTER, NewFile("HS-2", "Hồ sơ", date(2027, 1, 1)))
    with pytest.raises(Forbidden):  # a member of the body who is no clerk
        records.file_documents(REQUESTER, "HS-1", [waiting])
    with pytest.raises(InvalidRequest) as wrong:
        records.create(CLERK, NewFile("HS 3/x", " ", date(2027, 1, 1), date(2026, 1, 1), retention_years=500))
    assert [e.path for e in wrong.value.errors] == ["code", "title", "end_date", "retention_years"]


@pytest.mark.parametrize("code", ["..", ".", "../x", "a/../b", "a..b", ".hidden", "-x", "a/b", "a\\b", "x\n", "a" * 61])
def test_a_code_that_could_lead_out_of_the_export_is_refused(code: str) -> None:
    with pytest.raises(InvalidRequest) as refused:
        _records(Service()).create(CLERK, NewFile(code, "Hồ sơ", date(2027, 1, 1)))
    assert [e.path for e in refused.value.errors] == ["code"] and "'..'" in refused.value.errors[0].message_vi


def test_a_code_is_kept_in_nfc_and_a_notation_never_makes_a_folder() -> None:
    decomposed = unicodedata.normalize("NFD", "2027.ĐT.Khóa_12")
    made = _records(Service()).create(CLERK, NewFile(decomposed, "Hồ sơ", date(2027, 1, 1)))
    assert made.code == "2027.ĐT.Khóa_12" == unicodedata.normalize("NFC", decomposed)
    metadata = ArchiveMetadata(
        type_name="Quyết định",
        code_number="05",
        code_notation="../../QĐ/TCT",
        issued_date=date(2027, 1, 2),
        organ_name="Trường Chính trị tỉnh",
        subject="Quyết định",
        page_amount=1,
        signers=(),
        to=(),
        priority=Priority.NORMAL,
        issued_amount=1,
        retention=Retention(10),
        doc_ordinal=3,
    )
    assert pdf_name(metadata) == "003_05-..-..-QĐ-TCT.pdf"


def test_an_export_writes_nothing_outside_its_folder_even_for_a_code_kept_from_before() -> None:
    service = Service()
    with service.db.uow() as tx:  # as a row written before codes were checked would be
        tx.repo.add(
            RecordFileRow(
                code="..",
                title="Hồ sơ",
                organisation="TCT",
                retention_years=None,
                rights="hạn chế",
                creator="vanthu",
                language="Tiếng Việt",
                description="",
                start_date=date(2027, 1, 1),
            )
        )
        tx.commit()
    with pytest.raises(ValueError, match="unsafe name"):
        _records(service).export(CLERK, "..")


def test_a_file_of_another_body_is_as_unknown_as_one_never_made() -> None:
    service = Service()
    records = _records(service)
    records.create(CLERK, NewFile("HS-1", "Hồ sơ", date(2027, 1, 1)))
    outsiders = [OTHER_CLERK, replace(OTHER_CLERK, roles=frozenset({"requester"}))]
    acts: list[Callable[[Principal, str], object]] = [
        records.read,
        lambda who, code: records.file_documents(who, code, ["d"]),
        records.close,
        records.export,
    ]
    for who in outsiders:
        for act in acts:
            answers = []
            for code in ("HS-1", "HS-0"):
                with pytest.raises(VanbanError) as refused:
                    act(who, code)
                answers.append((http_status(refused.value), refused.value.code, refused.value.message_vi))
            assert answers == [(404, "not_found", "Không có hồ sơ 'HS-1'"), (404, "not_found", "Không có hồ sơ 'HS-0'")]


def test_a_class_file_exports_and_the_zip_re_validates(pki: DemoPki) -> None:
    service = Service()
    records, ids = _class_file(service, pki)
    records.close(CLERK, "2027.ĐT.K12")
    with service.db.uow() as tx:  # as a bootstrap key's user makes its body: named by its abbreviation
        tx.repo.add_organisation("TCT", "TCT")
        tx.commit()
    exported = records.export(CLERK, "2027.ĐT.K12")
    assert exported.name == "2027.ĐT.K12.zip" and exported.media_type == "application/zip"

    with zipfile.ZipFile(BytesIO(exported.data)) as z:
        names = z.namelist()
        files = {n.removeprefix("2027.ĐT.K12/"): z.read(n) for n in names}
    xml = files["hoso.xml"]
    LxmlRecords().check_file_xml(xml)  # valid against service/records/hoso.xsd
    lines = [line.split("  ", 1) for line in files["manifest-sha256.txt"].decode().splitlines()]
    manifest = {name: digest for digest, name in lines}
    assert set(manifest) == set(files) - {"manifest-sha256.txt"}
    for name, digest in manifest.items():
        assert hashlib.sha256(files[name]).hexdigest() == digest, name

    root = etree.fromstring(xml)
    n = {"h": HOSO_NS}
    assert root.findtext("h:DocTotal", namespaces=n) == "5" and root.findtext("h:Maintenance", namespaces=n) == "20 năm"
    listed = root.findall("h:Documents/h:Document", n)
    with service.db.uow() as tx:
        docs = [tx.repo.document(i) for i in ids]
    for doc, element in zip(docs, listed, strict=True):
        pdf = files[str(element.findtext("h:FileName", namespaces=n))]
        assert hashlib.sha256(pdf).hexdigest() == doc.pdf_sha256 == element.findtext("h:Sha256", namespaces=n)
        assert (
            f"{element.findtext('h:CodeNumber', namespaces=n)}/{element.findtext('h:CodeNotation', namespaces=n)}"
            == doc.notation
        )
    assert root.findtext("h:PageTotal", namespaces=n) == str(sum(_document(service, i).page_amount for i in ids))
    # the body as its documents name it: a row that only repeats the abbreviation is no name
    organ_names = {e.text for e in root.iter(f"{{{HOSO_NS}}}OrganName")}
    assert organ_names == {_document(service, ids[0]).organ_name}, organ_names

    broken = xml.replace("<Priority>thường</Priority>".encode(), b"<Priority>soon</Priority>", 1)
    with pytest.raises(InvalidRequest) as refused:  # the schema is checked: a wrong priority is named by line
        LxmlRecords().check_file_xml(broken)
    assert refused.value.errors[0].path.startswith("hoso.xml line ")


def test_an_edxml_package_round_trips_for_each_recipient(pki: DemoPki) -> None:
    service = Service()
    document_id = _direct(service, _production(service, pki, FakeConverter()), "cong-van-chieu-sinh")
    exchange = Exchange(service.db, service.archive, LxmlRecords())
    recipients = exchange.recipients(CLERK, document_id)
    example = service.example("cong-van-chieu-sinh")
    assert recipients == [r for r in example["recipients"] if not r.startswith(("Như ", "Lưu"))]
    with service.db.uow() as tx:
        doc = tx.repo.document(document_id)
    metadata = _document(service, document_id)
    for n, name in enumerate(recipients, start=1):
        package = exchange.package(CLERK, document_id, n)
        message = LxmlRecords().read_edxml(package.data)
        assert (message.sender.organ_id, message.sender.organ_name) == ("TCT", "Trường Chính trị tỉnh")
        assert message.recipient.organ_name == name and message.document_id == doc.id
        assert f"{message.code_number}/{message.code_notation}" == doc.notation
        assert (message.place, message.promulgation_date) == (example["place"], doc.issued_on)
        assert (message.type_name, message.subject) == (metadata.type_name, metadata.subject)
        assert message.signer == SignerInfo("Trần Văn Bình", "Phó Hiệu trưởng", "KT. Hiệu trưởng")
        assert (message.priority, message.page_amount) == (Priority.NORMAL, metadata.page_amount)
        assert (message.promulgation_amount, message.to_places) == (metadata.issued_amount, metadata.to)
        assert hashlib.sha256(message.pdf).hexdigest() == doc.pdf_sha256
        assert message.pdf_name == f"{doc.notation.replace('/', '-')}.pdf"
    with pytest.raises(VanbanError) as none:
        exchange.package(CLERK, document_id, len(recipients) + 1)
    assert http_status(none.value) == 404
    with pytest.raises(Forbidden):
        exchange.package(REQUESTER, document_id, 1)


def test_a_joint_document_is_sent_to_its_partner(tmp_path: Path) -> None:
    office = Office(tmp_path)
    document_id = _joint(office)
    exchange = Exchange(office.service.db, office.service.archive, LxmlRecords())
    partner = office.service.example(JOINT)["partner"]["name"]
    assert exchange.recipients(CLERK, document_id)[0] == partner
    message = LxmlRecords().read_edxml(exchange.package(CLERK, document_id, 1).data)
    assert message.recipient.organ_name == partner and message.code_notation == "QC-TCT"
    assert message.pdf == office.pdf(document_id)


def test_an_issued_record_answers_every_change_with_409(tmp_path: Path) -> None:
    office = Office(tmp_path)
    document_id = office.draft(["hieutruong"], DECISION)
    office.review.submit(REQUESTER, document_id, None)
    office.review.sign(office.head, [document_id], CSC_PIN)
    office.issuer.issue(CLERK, document_id)
    issued = office.document(document_id)
    attempts: dict[str, Callable[[], object]] = {
        "issue again": lambda: office.issuer.issue(CLERK, document_id),
        "submit": lambda: office.review.submit(REQUESTER, document_id, None),
        "reject": lambda: office.review.reject(office.head, document_id, "sai"),
        "sign": lambda: office.review.sign(office.head, [document_id], CSC_PIN),
    }
    for what, attempt in attempts.items():
        with pytest.raises(RecordKept) as kept:
            attempt()
        assert http_status(kept.value) == 409, what
        assert kept.value.code == "record_kept" and "không bao giờ bị" in kept.value.message_vi, what
    after = office.document(document_id)
    assert (after.status, after.pdf_sha256, after.number) == (DocumentStatus.ISSUED, issued.pdf_sha256, issued.number)


def test_destruction_is_proposed_by_an_admin_after_the_retention_only_and_audited(pki: DemoPki) -> None:
    service = Service()
    records, ids = _class_file(service, pki)
    with pytest.raises(WrongState):  # still open
        records.propose_destruction(ADMIN, "2027.ĐT.K12")
    records.close(CLERK, "2027.ĐT.K12")
    with pytest.raises(Forbidden):
        records.propose_destruction(CLERK, "2027.ĐT.K12")
    service.clock.advance(timedelta(days=365 * 20 - 30))
    with pytest.raises(WrongState) as early:
        records.propose_destruction(ADMIN, "2027.ĐT.K12")
    assert http_status(early.value) == 409 and "2047-03-04" in early.value.message_en
    service.clock.advance(timedelta(days=60))
    proposed = records.propose_destruction(ADMIN, "2027.ĐT.K12")
    assert proposed.destruction_proposed_at == service.clock.now()
    with service.db.uow() as tx:
        (entry,) = [e for e in tx.repo.audit_of("2027.ĐT.K12") if e.action == "propose_destruction"]
        docs = [tx.repo.document(i) for i in ids]
    assert entry.actor == "quantri" and entry.detail["documents"] == {d.id: d.pdf_sha256 for d in docs}
    assert all(d.status == DocumentStatus.ISSUED and d.file_code == "2027.ĐT.K12" for d in docs)  # nothing deleted

    records.create(CLERK, NewFile("VV-1", "Vĩnh viễn", date(2027, 1, 1)))  # permanent: never proposed
    records.file_documents(CLERK, "VV-1", [_direct(service, _production(service, pki, FakeConverter()), REPORT)])
    records.close(CLERK, "VV-1")
    service.clock.advance(timedelta(days=365 * 200))
    with pytest.raises(WrongState) as kept:
        records.propose_destruction(ADMIN, "VV-1")
    assert "vĩnh viễn" in kept.value.message_vi


def test_the_clerk_decides_priority_and_retention_and_it_is_audited(pki: DemoPki) -> None:
    service = Service()
    document_id = _direct(service, _production(service, pki, FakeConverter()), DECISION)
    records = _records(service)
    records.set_decided(CLERK, document_id, "khẩn", 0)
    metadata = _document(service, document_id)
    assert (metadata.priority, metadata.retention) == (Priority.URGENT, Retention(None))
    with pytest.raises(InvalidRequest) as wrong:
        records.set_decided(CLERK, document_id, "soon", 500)
    assert [e.path for e in wrong.value.errors] == ["priority", "retention_years"]
    with pytest.raises(Forbidden):
        records.set_decided(REQUESTER, document_id, "khẩn", None)
    with service.db.uow() as tx:
        assert [e.action for e in tx.repo.audit_of(document_id)][-1] == "metadata"


def test_another_bodys_batch_is_as_unknown_as_a_batch_never_made(pki: DemoPki) -> None:
    """Filing a batch tells nothing of another body's letters: the same 404 as an unknown batch, no letter named."""
    service = Service()
    batch_id = _batch(service)  # the school's (TCT) letters
    _production(service, pki, FakeConverter()).produce_chunk(batch_id, 0)
    records = _records(service)
    records.create(OTHER_CLERK, NewFile("TD-1", "Hồ sơ Tỉnh đoàn", date(2027, 1, 1)))
    answers = []
    for batch in (batch_id, "no-such-batch"):
        with pytest.raises(NotFound) as refused:
            records.file_documents(OTHER_CLERK, "TD-1", [], batch)
        answers.append(refused.value.message_vi.replace(batch, "?"))
    assert answers[0] == answers[1] == "Không có lô văn bản '?'"


def test_a_files_dates_follow_its_documents_and_a_retention_past_the_calendar_is_not_over(pki: DemoPki) -> None:
    """A hồ sơ's dates are those of its documents (thời gian bắt đầu, kết thúc): a document issued before its start
    or after its given end widens them, so a hồ sơ opened as 2000-2001 with a year's retention is not proposed
    for destruction the day its document of today is filed, and none ends before it starts. A retention that ends
    past the calendar (year 9999 + 100) is not over: 409, where it was a 500."""
    service = Service()
    production, records, today = _production(service, pki, FakeConverter()), _records(service), service.clock.today()
    old = NewFile("HS-CU", "Hồ sơ ghi từ trước", date(2000, 1, 1), date(2001, 1, 1), retention_years=1)
    far = NewFile("HS-XA", "Hồ sơ ghi ngày quá xa", date(9999, 1, 1), date(9999, 12, 31), retention_years=100)
    for spec in (old, far):
        records.create(CLERK, spec)
        records.file_documents(CLERK, spec.code, [_direct(service, production, REPORT)])
        records.close(CLERK, spec.code)
        with pytest.raises(WrongState):
            records.propose_destruction(ADMIN, spec.code)
    dates = {
        code: (records.read(CLERK, code).file.start_date, records.read(CLERK, code).file.end_date)
        for code in ("HS-CU", "HS-XA")
    }
    assert dates == {"HS-CU": (date(2000, 1, 1), today), "HS-XA": (today, date(9999, 12, 31))}
