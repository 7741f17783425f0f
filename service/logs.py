"""Logs (nhật ký): one line per event, JSON or plain text (``VANBAN_LOG_FORMAT``), with the request, job and
document they belong to, and never a secret.

The context travels in a :class:`contextvars.ContextVar`: the API's middleware binds the request id (``X-Request-ID``
in, or a new one) for the request; Celery carries it in the task's headers (``service.worker``) and the task binds it
again, with the document, batch or job it works on (:func:`bound`). Every log record gets those fields.

Secrets never reach a line: a field whose name says it is one (password, PIN, token, secret, authorization, api key)
is written ``[redacted]``, and a message is cleaned of bearer credentials, API keys (``vbk_``), webhook secrets
(``whsec_``) and ``password=``/``pin=`` pairs before it is written.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal

LogFormat = Literal["json", "text"]
REQUEST_ID_HEADER = "X-Request-ID"
REDACTED = "[redacted]"

_context: ContextVar[Mapping[str, str]] = ContextVar("vanban_log_context", default={})  # noqa: B039 (never mutated)
_SECRET_NAME = re.compile(r"pass(word)?|\bpin\b|^pin|token|secret|authori[sz]ation|api_?key|cookie", re.IGNORECASE)
_SECRET_TEXT = [
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"), r"\1 [redacted]"),
    (re.compile(r"\b(vbk|whsec)_[A-Za-z0-9_+/=-]+"), r"\1_[redacted]"),
    (re.compile(r"(?i)\b(password|passwd|pin|token|secret)(['\"]?\s*[:=]\s*['\"]?)[^\s'\",}&]+"), r"\1\2[redacted]"),
]
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# What a LogRecord carries of its own: everything else on a record came from ``extra=`` or the bound context.
_RECORD_FIELDS = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}
_RECORD_FIELDS |= {"color_message"}  # uvicorn's message with terminal colours


def accept_request_id(value: str | None) -> str:
    """The caller's ``X-Request-ID`` if it is sane (1 to 128 letters, digits, ``._:-``), else a new one."""
    if value and _REQUEST_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


def current() -> Mapping[str, str]:
    """The fields bound now (``request_id``, ``job_id``, ``document_id``, ...)."""
    return _context.get()


@contextmanager
def bound(**fields: str | None) -> Iterator[None]:
    """Every record logged inside carries ``fields`` (those not None), on top of those bound already."""
    token = _context.set({**_context.get(), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _context.reset(token)


def redact_text(text: str) -> str:
    """``text`` without bearer credentials, API keys, webhook secrets and ``password=...``-like values."""
    for pattern, replacement in _SECRET_TEXT:
        text = pattern.sub(replacement, text)
    return text


def redact(name: str, value: Any) -> Any:
    """A field's value as it may be logged: ``[redacted]`` when its name says it is a secret."""
    if _SECRET_NAME.search(name):
        return REDACTED
    if isinstance(value, Mapping):
        return {str(k): redact(str(k), v) for k, v in value.items()}
    if isinstance(value, str):
        return redact_text(value)
    return value


class _ContextFilter(logging.Filter):
    """Puts the bound fields on each record (a field given with ``extra=`` wins)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in _context.get().items():
            if not hasattr(record, name):
                setattr(record, name, value)
        return True


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    return {k: redact(k, v) for k, v in vars(record).items() if k not in _RECORD_FIELDS and not k.startswith("_")}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, the bound and extra fields, and the
    exception's traceback if any; secrets redacted."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact_text(record.getMessage()),
        }
        line.update(_fields(record))
        if record.exc_info:
            line["exception"] = redact_text(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """``time level logger: message key=value ...``, secrets redacted."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = redact_text(super().format(record))
        fields = " ".join(f"{k}={v}" for k, v in _fields(record).items())
        return f"{text} {fields}" if fields else text


def configure(log_format: LogFormat, level: str = "INFO") -> None:
    """Every record of the process, ours and the libraries' (uvicorn, Celery), to stderr in ``log_format``."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler.addFilter(_ContextFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "celery"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
