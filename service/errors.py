"""Errors of the service, each with a Vietnamese and an English message.

The tree (the API maps each branch to one HTTP status)::

    VanbanError                         500
    ├── ConfigurationError              500  settings refused at start
    ├── NotFound                        404
    │   ├── TemplateNotFound
    │   ├── DocumentNotFound
    │   └── JobNotFound
    ├── InvalidRequest                  422  every wrong field, by path
    ├── TooLarge                        413  an upload that unpacks to more than the settings allow
    ├── TooManyAttempts                 429  login refused for a while (``Retry-After``)
    ├── NotReady                        409  the document has no such file yet
    ├── ArchiveError                    500
    │   └── ArchiveCorrupted                 stored bytes no longer match their hash
    └── RetryableError                       worth another attempt of the job
        └── ConversionError                  LibreOffice crashed, hung or refused the file
"""

from __future__ import annotations

from dataclasses import dataclass


class VanbanError(Exception):
    status_code = 500
    code = "internal"

    def __init__(self, message_en: str, message_vi: str | None = None) -> None:
        super().__init__(message_en)
        self.message_en = message_en
        self.message_vi = message_vi or message_en

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message_en, "message_vi": self.message_vi}


class ConfigurationError(VanbanError):
    code = "configuration"

    def __init__(self, problems: str) -> None:
        super().__init__(f"refusing configuration: {problems}", f"Cấu hình không được chấp nhận: {problems}")


class NotFound(VanbanError):
    status_code = 404
    code = "not_found"


class TemplateNotFound(NotFound):
    def __init__(self, template_id: str) -> None:
        super().__init__(f"unknown template '{template_id}'", f"Không có mẫu văn bản '{template_id}'")


class DocumentNotFound(NotFound):
    def __init__(self, document_id: str) -> None:
        super().__init__(f"no document '{document_id}'", f"Không có văn bản '{document_id}'")


class JobNotFound(NotFound):
    def __init__(self, job_id: str) -> None:
        super().__init__(f"no job '{job_id}'", f"Không có công việc '{job_id}'")


@dataclass(frozen=True)
class FieldError:
    """One wrong field: its JSON path (e.g. ``student.full_name``) and why, in both languages."""

    path: str
    message_en: str
    message_vi: str

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message_en, "message_vi": self.message_vi}


class InvalidRequest(VanbanError):
    status_code = 422
    code = "invalid"

    def __init__(self, errors: list[FieldError]) -> None:
        paths = ", ".join(e.path or "(root)" for e in errors)
        super().__init__(f"invalid data: {paths}", f"Dữ liệu không hợp lệ: {paths}")
        self.errors = errors

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "errors": [e.to_dict() for e in self.errors]}


class TooLarge(VanbanError):
    status_code = 413
    code = "too_large"


class TooManyAttempts(VanbanError):
    """Refused for ``retry_after`` seconds; the API sends them as ``Retry-After``."""

    status_code = 429
    code = "too_many_attempts"

    def __init__(self, message_en: str, message_vi: str, retry_after: int) -> None:
        super().__init__(message_en, message_vi)
        self.retry_after = max(1, retry_after)

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "retry_after": self.retry_after}


class NotReady(VanbanError):
    status_code = 409
    code = "not_ready"


class ArchiveError(VanbanError):
    code = "archive"


class ArchiveCorrupted(ArchiveError):
    def __init__(self, digest: str) -> None:
        super().__init__(
            f"archived file {digest} does not match its sha256",
            f"Tệp lưu trữ {digest} không khớp mã băm sha256",
        )


class RetryableError(VanbanError):
    code = "retryable"


class ConversionError(RetryableError):
    code = "conversion"
