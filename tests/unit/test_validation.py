from __future__ import annotations

import json

import pytest

from service.config import PROJECT_ROOT
from service.errors import InvalidRequest
from service.services.validation import validate

SCHEMA = json.loads((PROJECT_ROOT / "templates_docx/giay-trieu-tap/schema.json").read_text(encoding="utf-8"))
EXAMPLE = json.loads((PROJECT_ROOT / "templates_docx/giay-trieu-tap/example.json").read_text(encoding="utf-8"))


def test_example_is_valid() -> None:
    validate(SCHEMA, EXAMPLE)


def test_every_wrong_field_is_listed_by_path_in_both_languages() -> None:
    data = json.loads(json.dumps(EXAMPLE))
    data["student"]["date_of_birth"] = "31/02/1988"
    data["student"]["gender"] = "khác"
    data["session"]["bring"] = ["ok", ""]
    data["session"]["start"] = "sáng thứ hai"
    del data["signer"]
    with pytest.raises(InvalidRequest) as caught:
        validate(SCHEMA, data)
    errors = {e.path: e for e in caught.value.errors}
    assert set(errors) == {
        "signer",
        "student.date_of_birth",
        "student.gender",
        "session.bring[1]",
        "session.start",
    }
    assert errors["signer"].message_vi == "bắt buộc phải có"
    assert errors["student.date_of_birth"].message_vi == "phải là ngày dạng YYYY-MM-DD"
    assert errors["student.gender"].message_vi.startswith("phải là một trong: Nam, Nữ")
    assert errors["session.bring[1]"].message_vi == "không được để trống"
    body = caught.value.to_dict()
    assert body["code"] == "invalid" and isinstance(body["errors"], list) and len(body["errors"]) == 5


def test_a_value_too_long_is_said_so_without_repeating_it() -> None:
    """A 470-character name in a class list: the English reason repeated the whole name and said "is too long"; both
    languages now say how long it may be, and neither repeats the value."""
    schema = {"type": "object", "properties": {"name": {"type": "string", "maxLength": 120}, "n": {"maximum": 5}}}
    with pytest.raises(InvalidRequest) as caught:
        validate(schema, {"name": "Nguyễn " * 80, "n": 6})
    n, name = caught.value.errors
    assert (name.path, name.message_en, name.message_vi) == ("name", "longer than 120 characters", "dài quá 120 ký tự")
    assert (n.message_en, n.message_vi) == ("must be at most 5", "phải không quá 5")


def test_a_value_of_the_wrong_type_is_never_repeated_in_the_answer() -> None:
    schema = {"type": "object", "properties": {"a": {"type": ["string", "number"]}, "d": {"format": "date"}}}
    with pytest.raises(InvalidRequest) as caught:
        validate(schema, {"a": {"obj": "SECRETVALUE"}, "d": "SECRETDAY"})
    for e in caught.value.errors:
        assert "SECRET" not in e.message_en + e.message_vi and "[" not in e.message_vi, e
    a, d = caught.value.errors
    assert (a.message_en, a.message_vi) == ("must be string or number", "phải có kiểu string hoặc number")
    assert d.message_en == "must be a date"
