"""Verifying a signed PDF (xác thực văn bản): anyone's upload, or a document's own file, judged with the service's
trusted root and CRL; the verdict is the signing library's report, in the terms a records officer reads."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from service.domain.data_fields import field_name
from service.errors import FieldError, InvalidRequest, UnknownVerifyCode
from service.services.ports import Database, DocumentRow
from signing.errors import NotVerifiable
from signing.trust import Trust
from signing.verify import VerificationReport, verify_pdf

NOT_VERIFIABLE_VI = {
    "unreadable": "không phải tệp PDF đọc được",
    "encrypted": "tệp PDF được mã hóa bằng mật khẩu; hãy gửi tệp không mã hóa",
    "unsigned": "tệp PDF không có chữ ký",
}


def verify_report(data: bytes, trust: Trust) -> VerificationReport:
    """The report; a file that is no readable PDF, is encrypted or holds no signature is a 422 naming ``file``."""
    try:
        return verify_pdf(data, trust)
    except NotVerifiable as exc:
        raise InvalidRequest([FieldError("file", str(exc), NOT_VERIFIABLE_VI[exc.reason])]) from None


def verify_upload(
    db: Database, trust: Trust, data: bytes, actor: str, address: str | None, document_id: str | None = None
) -> VerificationReport:
    """Verify an uploaded PDF and audit it (by its sha256 and the verdict, never its content); ``document_id``:
    the document it was checked against (a public verification page's)."""
    report = verify_report(data, trust)
    detail: dict[str, object] = {"sha256": hashlib.sha256(data).hexdigest(), "ok": report.ok}
    if address:
        detail["address"] = address
    with db.uow() as tx:
        tx.repo.append_audit(actor, "verify", document_id, detail)
        tx.commit()
    return report


@dataclass(frozen=True)
class PublicRecord:
    """What the public verification page (``/v/<code>``, the QR code's address) shows of an issued document: its
    registered facts, and the SHA-256 of the file the office issued."""

    notation: str
    issued_on: date
    issuing_body: str
    title: str
    signers: list[str]
    sha256: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "notation": self.notation,
            "issued_on": self.issued_on.isoformat(),
            "issuing_body": self.issuing_body,
            "title": self.title,
            "signers": self.signers,
            "sha256": self.sha256,
        }


def _issued(db: Database, code: str) -> tuple[DocumentRow, PublicRecord]:
    with db.uow() as tx:
        doc = tx.repo.issued_by_verify_code(code) if code else None
        if doc is None or doc.notation is None or doc.issued_on is None or doc.pdf_sha256 is None:
            raise UnknownVerifyCode()
        assert doc.year is not None and doc.number is not None
        line = tx.repo.register_entry(doc.organisation, doc.register, doc.year, doc.number)
        body = tx.repo.organisation(doc.organisation)
    data = doc.data
    body_name = field_name(data, "organisation") or (body.name if body else doc.organisation)
    signers = [str(s.get("name")) for s in doc.signatures if s.get("name")] or [doc.signer or ""]
    title = line.subject if line is not None else ""
    return doc, PublicRecord(doc.notation, doc.issued_on, str(body_name), title, signers, doc.pdf_sha256)


def public_record(db: Database, code: str) -> PublicRecord:
    """The issued document whose verification code is ``code``, or :class:`UnknownVerifyCode`."""
    return _issued(db, code)[1]


def verify_copy(
    db: Database, trust: Trust, code: str, data: bytes, address: str | None
) -> tuple[PublicRecord, VerificationReport, bool]:
    """Someone's copy of the document ``code`` names: the document's registered facts, the verdict on the copy's
    signatures, and whether the copy is the very file the office issued (same SHA-256). Audited as ``verify``."""
    doc, record = _issued(db, code)
    report = verify_upload(db, trust, data, "anonymous", address, document_id=doc.id)
    return record, report, hashlib.sha256(data).hexdigest() == record.sha256
