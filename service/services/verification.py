"""Checking a signed PDF someone sends (kiểm tra chữ ký số): every signature's report, and an audit entry naming
the file by its sha256 and whether it verified."""

from __future__ import annotations

import hashlib

from service.domain.office import Principal
from service.errors import FieldError, InvalidRequest
from service.services.ports import Database
from signing.errors import NotVerifiable
from signing.trust import Trust
from signing.verify import VerificationReport, verify_pdf

_NOT_VERIFIABLE_VI = {
    "unreadable": "không phải tệp PDF đọc được",
    "encrypted": "tệp PDF được mã hóa bằng mật khẩu; hãy gửi tệp không mã hóa",
    "unsigned": "tệp PDF không có chữ ký",
}


def verify(db: Database, trust: Trust, who: Principal, pdf: bytes) -> VerificationReport:
    """The report on every signature of ``pdf``; a file that is no readable PDF, is encrypted or holds no signature
    is a 422 naming ``file``. Audited either way a report is made."""
    try:
        report = verify_pdf(pdf, trust)
    except NotVerifiable as exc:
        raise InvalidRequest([FieldError("file", str(exc), _NOT_VERIFIABLE_VI[exc.reason])]) from None
    with db.uow() as tx:
        detail: dict[str, object] = {"sha256": hashlib.sha256(pdf).hexdigest(), "ok": report.ok}
        tx.repo.append_audit(who.username, "verify", None, detail)
        tx.commit()
    return report
