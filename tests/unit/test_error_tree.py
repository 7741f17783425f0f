"""One error tree: every error class of the service lives in service/errors.py, with its HTTP status in one table."""

from __future__ import annotations

import importlib
import pkgutil

import service
from service import errors
from service.errors import HTTP_STATUS, FieldError, InvalidRequest, VanbanError, http_status

# The statuses the API answered with before the tree was gathered in one module: the contract clients rely on.
EXPECTED = {
    "VanbanError": 500,
    "ConfigurationError": 500,
    "NotFound": 404,
    "TemplateNotFound": 404,
    "DocumentNotFound": 404,
    "JobNotFound": 404,
    "BatchNotFound": 404,
    "RecordFileNotFound": 404,
    "UnknownVerifyCode": 404,
    "InvalidRequest": 422,
    "IdempotencyConflict": 422,
    "RenderError": 422,
    "BatchRejected": 422,
    "SignatureRefused": 422,
    "CredentialRefused": 422,
    "Unauthenticated": 401,
    "Forbidden": 403,
    "CsrfRefused": 403,
    "CertificateNotRecorded": 403,
    "SessionExpired": 410,
    "TooLarge": 413,
    "TooManyAttempts": 429,
    "QueueFull": 429,
    "NotReady": 409,
    "WrongState": 409,
    "NumberTaken": 409,
    "RecordKept": 409,
    "FileClosed": 409,
    "SignaturesClosed": 409,
    "DuplicateNumber": 409,
    "Interrupted": 500,
    "GivenUp": 500,
    "ArchiveError": 500,
    "ArchiveCorrupted": 500,
    "ArchiveMissing": 500,
    "ArchiveRefused": 500,
    "ArchiveUnreachable": 503,
    "RetryableError": 500,
    "ConversionError": 500,
    "ConversionTimeout": 500,
    "ConverterUnreachable": 500,
    "DiedUnderConversion": 500,
    "WebhookNotDelivered": 500,
}


def _all_subclasses(cls: type[VanbanError]) -> set[type[VanbanError]]:
    found: set[type[VanbanError]] = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_all_subclasses(sub)}
    return found


def _service_errors() -> set[type[VanbanError]]:
    for module in pkgutil.walk_packages(service.__path__, "service."):
        # office_server is LibreOffice's script, run by Debian's python3 (it imports uno)
        if ".migrations" not in module.name and module.name != "service.adapters.office_server":
            importlib.import_module(module.name)
    return {c for c in _all_subclasses(VanbanError) if c.__module__.startswith("service.")} | {VanbanError}


def test_every_error_class_of_the_service_is_defined_in_service_errors() -> None:
    elsewhere = sorted(f"{c.__module__}.{c.__qualname__}" for c in _service_errors() if c.__module__ != errors.__name__)
    assert not elsewhere


def test_no_error_class_carries_its_own_status() -> None:
    assert not [c.__name__ for c in _service_errors() if "status_code" in vars(c) and c is not VanbanError]


def test_every_error_class_is_drawn_in_the_tree_of_the_module_docstring() -> None:
    assert errors.__doc__ is not None
    missing = [c.__name__ for c in _service_errors() if c.__name__ not in errors.__doc__]
    assert not missing


def test_each_error_maps_to_the_status_the_api_answered_with() -> None:
    statuses = {c.__name__: http_status(c.__new__(c)) for c in _service_errors()}
    assert statuses == EXPECTED
    assert all(issubclass(c, VanbanError) for c in HTTP_STATUS)


def test_the_status_of_a_subclass_is_that_of_its_nearest_ancestor_in_the_table() -> None:
    class Gone(errors.SessionExpired):
        pass

    assert http_status(Gone("s")) == 410


def test_ten_thousand_wrong_fields_are_told_in_a_bounded_answer() -> None:
    """A whole batch of 10,000 letters refused letter by letter (``batch[0]`` ... ``batch[9999]``): the message names
    the first paths and how many more, the answer lists the first problems and says how many it left out."""
    many = InvalidRequest(
        [FieldError(f"batch[{i}]", "already in file HS-1", "đã thuộc hồ sơ HS-1") for i in range(10_000)]
    )
    assert len(many.message_en) < 300 and "9990 more" in many.message_en and "9990" in many.message_vi
    listed = many.to_dict()["errors"]
    assert isinstance(listed, list) and len(listed) == 101 and listed[0]["path"] == "batch[0]"
    assert "9900" in listed[-1]["message"] and "9900" in listed[-1]["message_vi"]
    assert len(many.errors) == 10_000  # the service itself still sees them all
