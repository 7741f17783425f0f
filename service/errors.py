"""Errors of the service, each with a Vietnamese and an English message.

Every error class of the service lives here; ``signing`` keeps its own (it never imports the service) and the API
maps those where it calls them. The tree, with the HTTP status of each branch (``HTTP_STATUS`` is the one table;
a class not in it answers with the status of its nearest ancestor)::

    VanbanError                         500
    ├── ConfigurationError              500  settings refused at start
    ├── NotFound                        404
    │   ├── TemplateNotFound
    │   ├── DocumentNotFound
    │   ├── JobNotFound
    │   ├── BatchNotFound                    unknown, or another body's when filed: one answer
    │   ├── RecordFileNotFound               unknown, or of a body the caller may not read: one answer
    │   └── UnknownVerifyCode                a public verification code of no issued document
    ├── InvalidRequest                  422  every wrong field, by path
    ├── IdempotencyConflict             422  an Idempotency-Key reused for another request
    ├── RenderError                     422  a template that cannot be rendered
    ├── BatchRejected                   422  wrong rows with ``on_error=reject``; the report names them
    ├── SignatureRefused                422  a signature that does not verify or does not match
    ├── CredentialRefused               422  a signing credential that cannot be used
    ├── Unauthenticated                 401
    ├── Forbidden                       403
    │   └── CsrfRefused                      a browser's state-changing request without its CSRF token
    ├── CertificateNotRecorded          403  no certificate on record for a two-step or remote signer
    ├── SessionExpired                  410  a signing session expired or already used
    ├── TooLarge                        413  an upload that unpacks to more than the settings allow
    ├── TooManyAttempts                 429  login refused for a while (``Retry-After``)
    │   └── QueueFull                        too much work queued: new documents and batches wait (``Retry-After``)
    ├── NotReady                        409  the document has no such file yet
    ├── WrongState                      409  the document is not in the state the action needs
    │   ├── NumberTaken                      a number another transaction gave meanwhile; issue again
    │   ├── RecordKept                       an issued record is never changed, replaced or deleted
    │   └── FileClosed                       a closed hồ sơ takes no more documents
    ├── SignaturesClosed                409  the document takes no new signature
    ├── DuplicateNumber                 409  a register number already issued
    ├── Interrupted                     500  the job's worker died; its work was sent again
    │   └── GivenUp                          the job was interrupted too often
    ├── ArchiveError                    500
    │   ├── ArchiveCorrupted                 stored bytes no longer match their hash
    │   ├── ArchiveMissing                   nothing is stored under the key
    │   ├── ArchiveRefused                   the store refused (credentials, bucket, object lock)
    │   └── ArchiveUnreachable          503  the store does not answer (also a RetryableError)
    └── RetryableError                  500  worth another attempt of the job
        ├── WebhookNotDelivered              an endpoint did not answer 2xx (or at all); delivered again later
        └── ConversionError                  LibreOffice crashed, hung or refused the file
            ├── ConversionTimeout            LibreOffice did not answer in time
            └── ConverterUnreachable         nothing answers on the converter's port
                └── DiedUnderConversion      LibreOffice died under a conversion
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol


class VanbanError(Exception):
    """``code``: stable, for clients. A class that ``MESSAGES`` names is made from its facts, the attributes it
    declares (in their order, or by name), which fill its two messages; any other from ``(message_en,
    message_vi=None)``."""

    code = "internal"

    def __init_subclass__(cls, code: str | None = None, **kwargs: Any) -> None:
        """``class NotReady(VanbanError, code="not_ready")``: a subclass names its code in its header."""
        super().__init_subclass__(**kwargs)
        if code is not None:
            cls.code = code

    def __init__(self, *args: Any, **facts: Any) -> None:
        templates = MESSAGES.get(type(self))
        if templates is None:
            message_en, message_vi = _given(*args, **facts)
        else:
            declared = list(inspect.get_annotations(type(self)))
            if len(args) > len(declared) or not set(facts) <= set(declared):
                raise TypeError(f"{type(self).__name__} takes {', '.join(declared) or 'no fact'}")
            facts |= dict(zip(declared, args, strict=False))
            for name, value in facts.items():
                setattr(self, name, value)
            message_en, message_vi = (template.format(**facts) for template in templates)
        super().__init__(message_en)
        self.message_en = message_en
        self.message_vi = message_vi or message_en

    @property
    def status_code(self) -> int:
        """The HTTP status the API answers with, from ``HTTP_STATUS``."""
        return http_status(self)

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message_en, "message_vi": self.message_vi}


class ConfigurationError(VanbanError, code="configuration"):
    problems: str


class NotFound(VanbanError, code="not_found"): ...


class TemplateNotFound(NotFound):
    template_id: str


class DocumentNotFound(NotFound):
    document_id: str


class JobNotFound(NotFound):
    job_id: str


class BatchNotFound(NotFound):
    """A batch id that is unknown, or, when filing it, another body's batch: one answer for both."""

    batch_id: str


class RecordFileNotFound(NotFound):
    """A hồ sơ code that is unknown, or of a body the caller may not read: one answer for both."""

    file_code: str


class UnknownVerifyCode(NotFound):
    """A public verification code (``/v/<code>``) that names no issued document: unknown, or a document never
    issued; one answer for both."""


@dataclass(frozen=True)
class FieldError:
    """One wrong field: its JSON path (e.g. ``student.full_name``) and why, in both languages."""

    path: str
    message_en: str
    message_vi: str

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message_en, "message_vi": self.message_vi}


def first_named(names: Sequence[str], most: int = 10) -> tuple[str, str]:
    """The first ``most`` of ``names`` and how many more, in English and Vietnamese: what a message names of a list
    that may be thousands long (a batch's letters)."""
    named, more = ", ".join(names[:most]), len(names) - most
    return (named + f" and {more} more", named + f" và {more} mục khác") if more > 0 else (named, named)


class InvalidRequest(VanbanError, code="invalid"):
    """Every wrong field, by path; the message names the first of them (``first_named``), an answer lists the first
    ``LISTED`` problems (a batch of 10,000 letters refused letter by letter is told in a few kilobytes, not
    megabytes)."""

    LISTED = 100

    def __init__(self, errors: list[FieldError]) -> None:
        paths_en, paths_vi = first_named([e.path or "(root)" for e in errors])
        super().__init__(f"invalid data: {paths_en}", f"Dữ liệu không hợp lệ: {paths_vi}")
        self.errors = errors

    def to_dict(self) -> dict[str, object]:
        listed = [e.to_dict() for e in self.errors[: self.LISTED]]
        if (more := len(self.errors) - self.LISTED) > 0:
            listed.append(FieldError("", f"and {more} more problems", f"và {more} lỗi khác").to_dict())
        return {**super().to_dict(), "errors": listed}


class IdempotencyConflict(VanbanError, code="idempotency_conflict"):
    key: str


class RenderError(VanbanError, code="render"): ...


class BatchRejected(VanbanError, code="batch_rejected"):
    """Rows are wrong and ``on_error=reject``: nothing was issued; the report says which rows and why."""

    def __init__(self, report: dict[str, Any]) -> None:
        n = len(report["problems"])
        super().__init__(
            f"{n} problem(s) in the class list; nothing was issued (on_error=reject)",
            f"Danh sách có {n} lỗi; chưa văn bản nào được ban hành (on_error=reject)",
        )
        self.report = report

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "report": self.report}


class SignatureRefused(VanbanError, code="signature_refused"): ...


class CredentialRefused(VanbanError, code="credential_refused"): ...


class Unauthenticated(VanbanError, code="unauthenticated"):
    def __init__(self, reason_en: str = "log in first", reason_vi: str = "Hãy đăng nhập") -> None:
        super().__init__(reason_en, reason_vi)


class Forbidden(VanbanError, code="forbidden"): ...


class CsrfRefused(Forbidden, code="csrf"):
    """A request authenticated by the session cookie that changes something must echo the session's CSRF token in
    ``X-CSRF-Token``: another site can make the browser send the cookie, never read the token."""


class CertificateNotRecorded(VanbanError, code="certificate_not_recorded"):
    """A signer with no certificate on record cannot sign in two steps or remotely: the service would have nothing
    to tell their certificate from a forged one."""

    username: str


class SessionExpired(VanbanError, code="session_expired"):
    session_id: str


class TooLarge(VanbanError, code="too_large"): ...


class TooManyAttempts(VanbanError, code="too_many_attempts"):
    """Refused for ``retry_after`` seconds; the API sends them as ``Retry-After``."""

    def __init__(self, message_en: str, message_vi: str, retry_after: int) -> None:
        super().__init__(message_en, message_vi)
        self.retry_after = max(1, retry_after)

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "retry_after": self.retry_after}


class QueueFull(TooManyAttempts, code="queue_full"):
    """More work is queued or running than ``VANBAN_MAX_QUEUED_JOBS``: a new document or batch is refused until the
    workers catch up, so that what was accepted is made and the service stays up."""

    def __init__(self, queued: int, limit: int, retry_after: int) -> None:
        super().__init__(
            f"{queued} jobs are waiting (limit {limit}); try again in {retry_after} s",
            f"Đang có {queued} công việc chờ xử lý (giới hạn {limit}); hãy thử lại sau {retry_after} giây",
            retry_after,
        )


class NotReady(VanbanError, code="not_ready"): ...


class WrongState(VanbanError, code="wrong_state"): ...


class NumberTaken(WrongState):
    """Two clerks issued with the same number at once: the register's unique line refused the second."""

    notation: str


class RecordKept(WrongState, code="record_kept"):
    """An issued document is a record (tài liệu lưu trữ): no route deletes, replaces or re-signs its file or row.
    After its hồ sơ's retention ends an admin may only propose it for destruction (audited)."""

    document_id: str


class FileClosed(WrongState, code="file_closed"):
    """A closed hồ sơ (file of records) takes no more documents, and a document is filed once."""


class SignaturesClosed(VanbanError, code="wrong_state"):
    """An issued document (or any not waiting for signatures) takes no new signature: its bytes never change."""

    document_id: str
    status: str


class IssuedEntry(Protocol):
    """The register line that already holds a number (``sổ đăng ký văn bản``)."""

    @property
    def document_id(self) -> str: ...

    @property
    def notation(self) -> str: ...

    @property
    def issued_on(self) -> date: ...


class DuplicateNumber(VanbanError, code="duplicate_number"):
    def __init__(self, notation: str, first: IssuedEntry) -> None:
        super().__init__(
            f"number {notation} was already issued to document {first.document_id} ({first.notation}, "
            f"{first.issued_on.isoformat()}); choose another",
            f"Số {notation} đã cấp cho văn bản {first.document_id} ({first.notation}, ngày "
            f"{first.issued_on.strftime('%d/%m/%Y')}); hãy chọn số khác",
        )
        self.first_document = first.document_id


class Interrupted(VanbanError, code="interrupted"): ...


class GivenUp(Interrupted):
    times: int


class ArchiveError(VanbanError, code="archive"): ...


class ArchiveCorrupted(ArchiveError):
    digest: str


class ArchiveMissing(ArchiveError):
    digest: str
    key: str


class ArchiveRefused(ArchiveError):
    def __init__(self, location: str, what: str, reason: str) -> None:
        super().__init__(
            f"the archive {location} refused to {what}: {reason}",
            f"Kho lưu trữ {location} từ chối {_ARCHIVE_ACTIONS_VI.get(what, what)}: {reason}",
        )


class RetryableError(VanbanError, code="retryable"): ...


class ArchiveUnreachable(ArchiveError, RetryableError, code="archive"):
    """The archive's store does not answer: a job is worth another attempt, a read answers 503."""

    location: str
    reason: str


_ARCHIVE_ACTIONS_VI = {"store": "lưu tệp", "read": "đọc tệp", "open": "mở kho"}


class WebhookNotDelivered(RetryableError, code="webhook_not_delivered"):
    """A webhook endpoint did not take a delivery: it answered other than 2xx, did not answer in time, or its address
    is one the settings refuse."""


class ConversionError(RetryableError, code="conversion"): ...


class ConversionTimeout(ConversionError):
    """LibreOffice did not answer in time: it may be stuck, and is stopped."""


class ConverterUnreachable(ConversionError):
    """Nothing answers on the converter's port: LibreOffice died (or is being restarted)."""


class DiedUnderConversion(ConverterUnreachable):
    """LibreOffice took a conversion and died before it answered (crashed on the document, or was killed)."""


def _given(message_en: str, message_vi: str | None = None) -> tuple[str, str | None]:
    return message_en, message_vi


MESSAGES: dict[type[VanbanError], tuple[str, str]] = {
    ConfigurationError: (
        "refusing configuration: {problems}",
        "Cấu hình không được chấp nhận: {problems}",
    ),
    TemplateNotFound: (
        "unknown template '{template_id}'",
        "Không có mẫu văn bản '{template_id}'",
    ),
    DocumentNotFound: (
        "no document '{document_id}'",
        "Không có văn bản '{document_id}'",
    ),
    JobNotFound: (
        "no job '{job_id}'",
        "Không có công việc '{job_id}'",
    ),
    BatchNotFound: (
        "no batch '{batch_id}'",
        "Không có lô văn bản '{batch_id}'",
    ),
    RecordFileNotFound: (
        "no file of records '{file_code}'",
        "Không có hồ sơ '{file_code}'",
    ),
    UnknownVerifyCode: (
        "no issued document has this code",
        "Không có văn bản đã ban hành nào có mã này",
    ),
    IdempotencyConflict: (
        "Idempotency-Key '{key}' was already used for a different request",
        "Khóa Idempotency-Key '{key}' đã được dùng cho một yêu cầu khác",
    ),
    CsrfRefused: (
        "missing or wrong CSRF token (X-CSRF-Token header); reload the page",
        "Thiếu hoặc sai mã chống giả mạo yêu cầu (X-CSRF-Token); hãy tải lại trang",
    ),
    CertificateNotRecorded: (
        "no certificate is recorded for {username}: an administrator records the signer's certificate "
        "before two-step or remote signing",
        "Chưa ghi nhận chứng thư số của {username}: quản trị viên cần ghi nhận chứng thư số của người ký trước "
        "khi ký hai bước hoặc ký từ xa",
    ),
    SessionExpired: (
        "signing session {session_id} expired or was already used; prepare again",
        "Phiên ký {session_id} đã hết hạn hoặc đã dùng; hãy chuẩn bị lại",
    ),
    NumberTaken: (
        "number {notation} was taken meanwhile; issue again",
        "Số {notation} vừa được cấp cho văn bản khác; hãy ban hành lại",
    ),
    RecordKept: (
        "document {document_id} is issued: an issued record is never changed, replaced or deleted",
        "Văn bản {document_id} đã ban hành: tài liệu lưu trữ không bao giờ bị thay đổi, thay thế hoặc xóa",
    ),
    SignaturesClosed: (
        "document {document_id} is {status}: it takes no new signature",
        "Văn bản {document_id} đang ở trạng thái {status}: không nhận thêm chữ ký",
    ),
    Interrupted: (
        "the worker doing this job died; its unfinished work was sent again",
        "Máy xử lý công việc này bị dừng đột ngột; phần việc chưa xong đã được gửi lại",
    ),
    GivenUp: (
        "the job was interrupted {times} times (its worker died) and is given up; "
        "its letters keep their numbers with status failed",
        "Công việc bị gián đoạn {times} lần (máy xử lý bị dừng đột ngột) nên đã dừng hẳn; "
        "các văn bản chưa ban hành giữ số với trạng thái failed",
    ),
    ArchiveCorrupted: (
        "archived file {digest} does not match its sha256",
        "Tệp lưu trữ {digest} không khớp mã băm sha256",
    ),
    ArchiveMissing: (
        "archived file {digest} is missing (key {key})",
        "Thiếu tệp lưu trữ {digest} (khóa {key})",
    ),
    ArchiveUnreachable: (
        "the archive {location} is not reachable: {reason}",
        "Không kết nối được kho lưu trữ {location}: {reason}",
    ),
}
"""The messages, English then Vietnamese, of the errors made from their facts: ``{name}`` is the fact ``name``."""


HTTP_STATUS: dict[type[object], int] = {
    VanbanError: 500,
    NotFound: 404,
    InvalidRequest: 422,
    IdempotencyConflict: 422,
    RenderError: 422,
    BatchRejected: 422,
    SignatureRefused: 422,
    CredentialRefused: 422,
    Unauthenticated: 401,
    Forbidden: 403,
    CertificateNotRecorded: 403,
    SessionExpired: 410,
    TooLarge: 413,
    TooManyAttempts: 429,
    NotReady: 409,
    WrongState: 409,
    SignaturesClosed: 409,
    DuplicateNumber: 409,
    ArchiveUnreachable: 503,
}
"""The one table from error class to HTTP status; the API walks an error's MRO to its nearest entry."""


def http_status(error: VanbanError) -> int:
    """The HTTP status of ``error``: that of the nearest class in its MRO that ``HTTP_STATUS`` names."""
    for cls in type(error).__mro__:
        status = HTTP_STATUS.get(cls)
        if status is not None:
            return status
    return 500
