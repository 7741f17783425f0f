"""The data fields the service reads itself, whatever shape a registered template gave them."""

from __future__ import annotations

from service.domain.data_fields import field_name, field_part, recipients_of


def test_an_object_is_named_by_its_entry_and_a_text_by_itself() -> None:
    assert field_name({"signer": {"name": "Nguyễn Văn An"}}, "signer") == "Nguyễn Văn An"
    assert field_name({"signer": " Hiệu trưởng "}, "signer") == "Hiệu trưởng"
    assert field_name({"student": {"full_name": "Lê Thị Hà"}}, "student", "full_name") == "Lê Thị Hà"
    assert field_name({"student": "Lê Thị Hà"}, "student", "full_name") == "Lê Thị Hà"
    for shape in (None, 5, ["a"], {"ten": "x"}, {"name": None}):
        assert field_name({"class": shape}, "class") == ""
    assert field_name({}, "place") == ""


def test_a_part_is_read_from_an_object_only() -> None:
    assert field_part({"organisation": {"archive_unit": "Phông 01"}}, "organisation", "archive_unit") == "Phông 01"
    assert field_part({"organisation": "TRƯỜNG CHÍNH TRỊ"}, "organisation", "archive_unit") == ""


def test_recipients_are_a_list_or_the_lines_of_a_text() -> None:
    assert recipients_of({"recipients": ["Như trên", "Lưu: VT"]}) == ["Như trên", "Lưu: VT"]
    assert recipients_of({"recipients": "Như trên;\n\n Lưu: VT. "}) == ["Như trên;", "Lưu: VT."]
    assert recipients_of({"recipients": {"a": 1}}) == [] == recipients_of({})
