"""The public verification page's service on fakes: every document gets its own unguessable code at request time;
the code of an issued document shows what the register holds of it and judges an uploaded copy; an unknown code
and the code of a document not issued yet answer the same; the issued PDF's QR code holds the page's address."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.errors import UnknownVerifyCode
from service.services import verification
from signing.pki import DemoPki
from signing.trust import Trust
from tests.fakes import FakeConverter
from tests.pdftools import qr_codes
from tests.unit.services import Service
from tests.unit.test_production import _batch, _production, _single


def test_an_issued_document_is_shown_by_its_code_and_nothing_else_is(pki: DemoPki, tmp_path: Path) -> None:
    service = Service()
    document_id = _single(service)
    with service.db.uow() as tx:
        code = tx.repo.document(document_id).verify_code
    assert code is not None and len(code) >= 22  # 144 random bits, URL-safe
    with pytest.raises(UnknownVerifyCode) as not_yet:  # requested, not issued: nothing to show
        verification.public_record(service.db, code)
    with pytest.raises(UnknownVerifyCode) as unknown:
        verification.public_record(service.db, "A" * len(code))
    assert (not_yet.value.message_en, not_yet.value.message_vi) == (unknown.value.message_en, unknown.value.message_vi)

    production = _production(service, pki, FakeConverter())
    production.public_url = "https://vanban.example.vn/"
    production.produce_document(document_id)
    record = verification.public_record(service.db, code)
    with service.db.uow() as tx:
        doc = tx.repo.document(document_id)
    assert (record.notation, record.issued_on, record.sha256) == (doc.notation, doc.issued_on, doc.pdf_sha256)
    assert record.issuing_body == "Trường Chính trị tỉnh" and record.signers == [doc.signer]
    assert record.title == "Giấy triệu tập Lớp Trung cấp lý luận chính trị K12"

    assert doc.pdf_sha256 is not None
    pdf = service.archive.get(doc.pdf_sha256, ".pdf")
    path = tmp_path / "issued.pdf"
    path.write_bytes(pdf)
    assert [q.text for q in qr_codes(path)] == [f"https://vanban.example.vn/v/{code}"]

    trust = Trust.load([pki.ca_cert])
    shown, report, same = verification.verify_copy(service.db, trust, code, pdf, "127.0.0.1")
    assert shown == record and report.ok and same
    _, report, same = verification.verify_copy(service.db, trust, code, pdf + b"\n", None)
    assert report.ok and not same  # a valid signature, not the very file issued
    with pytest.raises(UnknownVerifyCode):
        verification.verify_copy(service.db, trust, "made-up", pdf, None)


def test_every_letter_of_a_batch_has_a_code_of_its_own() -> None:
    service = Service()
    batch_id = _batch(service)
    with service.db.uow() as tx:
        codes = [d.verify_code for d in tx.repo.documents_of_batch(batch_id)]
    assert len(set(codes)) == len(codes) == 3 and all(c and len(c) >= 22 for c in codes)
