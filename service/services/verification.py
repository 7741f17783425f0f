"""Verifying a signed PDF (xác thực văn bản): anyone's upload, or a document's own file, judged with the service's
trusted root and CRL; the verdict is the signing library's report, in the terms a records officer reads."""

from __future__ import annotations

import hashlib

from service.errors import FieldError, InvalidRequest
from service.services.ports import Database
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


def verify_upload(db: Database, trust: Trust, data: bytes, actor: str, address: str | None) -> VerificationReport:
    """Verify an uploaded PDF and audit it (by its sha256 and the verdict, never its content)."""
    report = verify_report(data, trust)
    detail: dict[str, object] = {"sha256": hashlib.sha256(data).hexdigest(), "ok": report.ok}
    if address:
        detail["address"] = address
    with db.uow() as tx:
        tx.repo.append_audit(actor, "verify", None, detail)
        tx.commit()
    return report
