"""The JSON Schemas and example payloads of the shipped templates, from shared parts (run by build.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def text(max_length: int = 300, min_length: int = 1, **kw: Any) -> dict[str, Any]:
    return {"type": "string", "minLength": min_length, "maxLength": max_length, **kw}


def optional_text(max_length: int = 300, **kw: Any) -> dict[str, Any]:
    return {"type": "string", "maxLength": max_length, **kw}


def obj(required: list[str], properties: dict[str, Any], extra: bool = False, **kw: Any) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": extra, "required": required, "properties": properties, **kw}


def items(item: dict[str, Any], min_items: int = 0, max_items: int = 50) -> dict[str, Any]:
    return {"type": "array", "items": item, "minItems": min_items, "maxItems": max_items}


DATE = {"type": "string", "format": "date"}
ORGANISATION = obj(
    ["parent", "name", "abbreviation", "head_title"],
    {
        "parent": text(200, description="Cơ quan chủ quản (parent body)"),
        "name": text(200, description="Cơ quan ban hành (issuing body)"),
        "abbreviation": {"type": "string", "pattern": "^[A-ZĐ0-9]{1,12}$", "description": "Chữ viết tắt (ký hiệu)"},
        "head_title": text(100, description="Chức danh người đứng đầu"),
        "archive_unit": optional_text(40, default="ĐT", description="Đơn vị lưu bản"),
    },
)
SIGNER = obj(
    ["title", "name"],
    {
        "authority": optional_text(60, description="TM., KT., Q., TL., TUQ. ..."),
        "title": text(100),
        "name": text(120, 2),
    },
)
STUDENT = obj(
    ["full_name", "date_of_birth", "unit"],
    {
        "full_name": text(120, 2),
        "date_of_birth": DATE,
        "gender": {"type": "string", "enum": ["Nam", "Nữ", ""]},
        "position": optional_text(300),
        "unit": text(500),
        "phone": optional_text(30),
        "email": optional_text(200),
    },
    extra=True,
)
CLASS = obj(
    ["name"],
    {
        "name": text(300),
        "course": optional_text(300),
        "start": DATE,
        "end": DATE,
        "place": optional_text(300),
        "quota": {"type": "integer", "minimum": 1, "maximum": 10000},
    },
)
COMMON = {
    "organisation": ORGANISATION,
    "place": text(60, description="Địa danh"),
    "signer": SIGNER,
    "recipients": items(text(200), max_items=30),
}
COMMON_REQUIRED = ["organisation", "place", "signer"]

ORG_EXAMPLE = {
    "parent": "Tỉnh ủy Phú Thọ",
    "name": "Trường Chính trị tỉnh",
    "abbreviation": "TCT",
    "head_title": "Hiệu trưởng",
    "archive_unit": "ĐT",
}
DEPUTY = {"authority": "KT. Hiệu trưởng", "title": "Phó Hiệu trưởng", "name": "Trần Văn Bình"}
HEAD = {"title": "Hiệu trưởng", "name": "Lê Thị Minh Hà"}
CLASS_EXAMPLE = {
    "name": "Lớp Trung cấp lý luận chính trị K12",
    "course": "hệ không tập trung, năm học 2026 - 2027",
    "start": "2026-12-07",
    "end": "2027-10-30",
    "place": "Trường Chính trị tỉnh",
    "quota": 80,
}
STUDENTS = [
    {
        "full_name": "Nguyễn Thị Hồng Nhung",
        "date_of_birth": "1988-03-12",
        "gender": "Nữ",
        "position": "Phó Chủ tịch Ủy ban nhân dân xã",
        "unit": "Ủy ban nhân dân xã Thanh Ba",
    },
    {
        "full_name": "Trần Văn An",
        "date_of_birth": "1985-07-01",
        "gender": "Nam",
        "position": "Bí thư Đoàn xã",
        "unit": "Đảng ủy xã Hạ Hòa",
    },
    {
        "full_name": "Lê Đức Anh",
        "date_of_birth": "1990-11-23",
        "gender": "Nam",
        "position": "Chuyên viên",
        "unit": "Sở Nội vụ tỉnh Phú Thọ",
    },
    {
        "full_name": "Phạm Thị Ánh",
        "date_of_birth": "1992-02-05",
        "gender": "Nữ",
        "position": "Công chức Văn phòng - Thống kê",
        "unit": "Ủy ban nhân dân xã Cẩm Khê",
    },
]


LABELS = {
    "organisation": "Cơ quan ban hành",
    "signer": "Người ký",
    "partner_signer": "Người ký của cơ quan phối hợp",
    "recipients": "Nơi nhận",
    "class": "Lớp học",
    "student": "Học viên",
    "students": "Danh sách học viên",
    "session": "Buổi tập trung",
    "bring": "Mang theo",
    "contact": "Liên hệ",
    "legal_bases": "Căn cứ",
    "proposer": "Theo đề nghị của",
    "article_2": "Điều 2",
    "article_3": "Điều 3",
    "addressees": "Kính gửi",
    "introduction": "Mở đầu",
    "eligibility": "Đối tượng, tiêu chuẩn",
    "dossier": "Hồ sơ gồm",
    "fee": "Học phí (đồng)",
    "deadline": "Hạn nộp hồ sơ",
    "summary": "Tình hình chung",
    "results": "Kết quả học tập",
    "scores": "Điểm",
    "proposals": "Kiến nghị",
    "title": "Tên kế hoạch",
    "objectives": "Mục đích, yêu cầu",
    "tasks": "Nhiệm vụ",
    "content": "Nội dung",
    "lead": "Đơn vị chủ trì",
    "timeline": "Thời gian",
    "implementation": "Tổ chức thực hiện",
    "partner": "Cơ quan phối hợp",
    "subject": "Phối hợp (trích yếu)",
    "chapters": "Chương",
    "articles": "Điều",
    "clauses": "Khoản",
    "full_name": "Họ và tên",
    "date_of_birth": "Ngày sinh",
    "gender": "Giới tính",
    "position": "Chức vụ",
    "unit": "Đơn vị công tác",
    "phone": "Số điện thoại",
    "email": "Email",
    "name": "Tên",
    "course": "Khóa, hệ đào tạo",
    "start": "Ngày khai giảng",
    "end": "Ngày kết thúc",
    "place": "Địa điểm học",
    "quota": "Chỉ tiêu (học viên)",
    "class.name": "Tên lớp",
    "session.start": "Thời gian tập trung",
    "session.place": "Địa điểm tập trung",
    "signer.title": "Chức vụ",
    "signer.name": "Họ và tên",
    "partner_signer.title": "Chức vụ",
    "partner_signer.name": "Họ và tên",
    "partner.name": "Tên cơ quan phối hợp",
    "chapters.title": "Tên chương",
    "articles.title": "Tên điều",
}
"""What a person filling a template's form reads for each field without a description of its own (the web form
shows a field's description as its label): by ``parent.field`` first, then by field."""


def _labelled(node: dict[str, Any], parent: str = "") -> dict[str, Any]:
    """``node`` with ``LABELS`` as the descriptions of its fields that have none; an array's items, when texts or
    numbers, labelled as the array is."""
    out = dict(node)
    if node.get("type") == "object":
        out["properties"] = {}
        for name, field in node["properties"].items():
            label = LABELS.get(f"{parent}.{name}") or LABELS.get(name)
            field = _labelled(field, name)
            if label and "description" not in field:
                field = {**field, "description": label}
            out["properties"][name] = field
    elif node.get("type") == "array":
        items = _labelled(node["items"], parent)
        if items.get("type") != "object" and "description" not in items and LABELS.get(parent):
            items = {**items, "description": LABELS[parent]}
        out["items"] = items
    return out


def schema(
    title: str, abbreviation: str, properties: dict[str, Any], *, optional: tuple[str, ...] = (), **facts: Any
) -> dict[str, Any]:
    """A template's schema: the fields every template has, then ``properties``, each required but the ``optional``
    ones; ``facts`` go under ``x-vanban`` with the type's abbreviation."""
    required = [name for name in properties if name not in optional]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        "x-vanban": {"type_abbreviation": abbreviation, **facts},
        **_labelled(obj([*COMMON_REQUIRED, *required], {**COMMON, **properties})),
    }


TEMPLATES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "giay-trieu-tap": (
        schema(
            "Giấy triệu tập",
            "GTT",
            {
                "class": CLASS,
                "student": STUDENT,
                "session": obj(
                    ["start", "place"],
                    {
                        "start": {"type": "string", "format": "date-time"},
                        "place": text(300),
                        "bring": items(text(300), max_items=20),
                        "contact": optional_text(300),
                    },
                ),
            },
            batch=["organisation", "place", "class", "session", "signer", "recipients"],
            row=["student"],
            workflow="direct",
        ),
        {
            "organisation": ORG_EXAMPLE,
            "place": "Phú Thọ",
            "class": {"name": CLASS_EXAMPLE["name"], "course": CLASS_EXAMPLE["course"]},
            "student": STUDENTS[0],
            "session": {
                "start": "2026-12-07T07:30:00+07:00",
                "place": "Hội trường A, Trường Chính trị tỉnh",
                "bring": ["Giấy triệu tập này", "Quyết định cử đi học của cơ quan", "02 ảnh 3x4"],
                "contact": "Phòng Đào tạo, điện thoại 0210 3846 123",
            },
            "signer": DEPUTY,
            "recipients": ["Như trên", "Ban Giám hiệu"],
        },
    ),
    "quyet-dinh-mo-lop": (
        schema(
            "Quyết định mở lớp",
            "QĐ",
            {
                "class": {**CLASS, "required": ["name", "start", "end", "place"]},
                "legal_bases": items(text(500), 1, 20),
                "proposer": text(300),
                "article_2": text(2000),
                "article_3": text(2000),
                "students": items(STUDENT, 1, 2000),
            },
            enrich=["students"],
            rows_into="students",
            workflow="review",
        ),
        {
            "organisation": ORG_EXAMPLE,
            "place": "Phú Thọ",
            "class": CLASS_EXAMPLE,
            "legal_bases": [
                "Quyết định số 1542-QĐ/TU ngày 12/3/2024 của Ban Thường vụ Tỉnh ủy về chức năng, nhiệm vụ, "
                "tổ chức bộ máy của Trường Chính trị tỉnh",
                "Kế hoạch đào tạo, bồi dưỡng cán bộ năm 2026 của Trường Chính trị tỉnh",
            ],
            "proposer": "Trưởng phòng Quản lý đào tạo",
            "article_2": "Phòng Quản lý đào tạo, các khoa chuyên môn tổ chức giảng dạy, quản lý học viên theo "
            "quy định.",
            "article_3": "Chánh Văn phòng, Trưởng phòng Quản lý đào tạo, các đơn vị liên quan và các học viên có "
            "tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này.",
            "students": STUDENTS,
            "signer": DEPUTY,
            "recipients": ["Như Điều 3", "Ban Tổ chức Tỉnh ủy (b/c)"],
        },
    ),
    "cong-van-chieu-sinh": (
        schema(
            "Công văn chiêu sinh",
            "",
            {
                "class": {**CLASS, "required": ["name", "start", "end", "place", "quota"]},
                "addressees": items(text(200), 1, 30),
                "introduction": text(2000),
                "eligibility": items(text(500), 1, 20),
                "dossier": items(text(500), 1, 20),
                "fee": {"type": "integer", "minimum": 0},
                "deadline": DATE,
                "contact": text(300),
            },
            optional=("fee",),
            workflow="review",
        ),
        {
            "organisation": ORG_EXAMPLE,
            "place": "Phú Thọ",
            "class": CLASS_EXAMPLE,
            "addressees": ["Ban Tổ chức các huyện ủy, thành ủy, thị ủy", "Các sở, ban, ngành tỉnh"],
            "introduction": "Thực hiện Kế hoạch đào tạo, bồi dưỡng cán bộ năm 2026 được Ban Thường vụ Tỉnh ủy "
            "phê duyệt,",
            "eligibility": [
                "Cán bộ, công chức, viên chức trong quy hoạch các chức danh lãnh đạo, quản lý",
                "Có trình độ chuyên môn từ trung cấp trở lên",
            ],
            "dossier": ["Quyết định cử đi học của cơ quan có thẩm quyền", "Bản sao bằng tốt nghiệp", "02 ảnh 3x4"],
            "fee": 1250000,
            "deadline": "2026-11-30",
            "contact": "Phòng Quản lý đào tạo, điện thoại 0210 3846 123",
            "signer": DEPUTY,
            "recipients": ["Như trên"],
        },
    ),
    "bao-cao-ket-qua": (
        schema(
            "Báo cáo kết quả",
            "BC",
            {
                "class": CLASS,
                "summary": items(text(2000), 1, 20),
                "results": items(
                    obj(
                        ["full_name", "unit", "scores"],
                        {
                            "full_name": text(120, 2),
                            "unit": text(500),
                            "scores": items({"type": "number", "minimum": 0, "maximum": 10}, 1, 30),
                        },
                    ),
                    1,
                    2000,
                ),
                "proposals": items(text(2000), 0, 20),
            },
            optional=("proposals",),
            enrich=["results"],
            workflow="review",
        ),
        {
            "organisation": ORG_EXAMPLE,
            "place": "Phú Thọ",
            "class": {"name": CLASS_EXAMPLE["name"]},
            "summary": [
                "Lớp khai giảng ngày 07/12/2025 với 4 học viên; các học viên chấp hành tốt nội quy, quy chế học tập.",
            ],
            "results": [
                {"full_name": s["full_name"], "unit": s["unit"], "scores": sc}
                for s, sc in zip(
                    STUDENTS, [[9.5, 9.0, 9.2], [8.0, 7.5, 8.5], [6.5, 7.0, 6.8], [5.0, 4.5, 6.0]], strict=True
                )
            ],
            "proposals": ["Đề nghị Ban Tổ chức Tỉnh ủy xem xét, công nhận kết quả học tập của các học viên."],
            "signer": HEAD,
            "recipients": ["Ban Tổ chức Tỉnh ủy", "Ban Giám hiệu"],
        },
    ),
    "ke-hoach": (
        schema(
            "Kế hoạch",
            "KH",
            {
                "title": text(300),
                "objectives": items(text(1000), 1, 20),
                "tasks": items(
                    obj(
                        ["content", "lead", "timeline"],
                        {"content": text(1000), "lead": text(200), "timeline": text(100)},
                    ),
                    1,
                    300,
                ),
                "implementation": items(text(2000), 1, 20),
            },
            workflow="review",
        ),
        {
            "organisation": ORG_EXAMPLE,
            "place": "Phú Thọ",
            "title": "Đào tạo lý luận chính trị năm 2027",
            "objectives": [
                "Nâng cao trình độ lý luận chính trị cho đội ngũ cán bộ cơ sở",
                "Hoàn thành 100% chỉ tiêu đào tạo được giao",
            ],
            "tasks": [
                {
                    "content": "Chiêu sinh lớp Trung cấp lý luận chính trị K13",
                    "lead": "Phòng Quản lý đào tạo",
                    "timeline": "Quý I/2027",
                },
                {"content": "Biên soạn tài liệu bồi dưỡng", "lead": "Khoa Lý luận cơ sở", "timeline": "Quý II/2027"},
                {"content": "Tổ chức thi tốt nghiệp", "lead": "Phòng Quản lý đào tạo", "timeline": "Tháng 10/2027"},
            ],
            "implementation": [
                "Các phòng, khoa căn cứ Kế hoạch triển khai thực hiện; báo cáo kết quả về Ban "
                "Giám hiệu trước ngày 15/12/2027."
            ],
            "signer": HEAD,
            "recipients": ["Ban Tổ chức Tỉnh ủy", "Các phòng, khoa"],
        },
    ),
    "quy-che-phoi-hop": (
        schema(
            "Quy chế phối hợp",
            "QC",
            {
                "partner": obj(["name"], {"name": text(200)}),
                "partner_signer": SIGNER,
                "subject": text(500),
                "chapters": items(
                    obj(
                        ["title", "articles"],
                        {
                            "title": text(300),
                            "articles": items(
                                obj(["title", "clauses"], {"title": text(300), "clauses": items(text(3000), 1, 30)}),
                                1,
                                50,
                            ),
                        },
                    ),
                    1,
                    20,
                ),
            },
            enrich=["articles"],
            parties=["organisation", "partner"],
            workflow="review",
        ),
        {
            "organisation": ORG_EXAMPLE,
            "place": "Phú Thọ",
            "partner": {"name": "Ban Cán sự đảng Ủy ban nhân dân tỉnh"},
            "subject": "trong công tác đào tạo, bồi dưỡng cán bộ",
            "chapters": [
                {
                    "title": "Quy định chung",
                    "articles": [
                        {
                            "title": "Phạm vi điều chỉnh",
                            "clauses": [
                                "Quy chế này quy định nguyên tắc, nội dung và phương thức phối hợp giữa hai bên."
                            ],
                        },
                        {
                            "title": "Nguyên tắc phối hợp",
                            "clauses": ["1. Bảo đảm sự lãnh đạo của Tỉnh ủy.", "2. Chủ động, thường xuyên, kịp thời."],
                        },
                    ],
                },
                {
                    "title": "Nội dung phối hợp",
                    "articles": [
                        {
                            "title": "Đào tạo, bồi dưỡng",
                            "clauses": ["Hai bên thống nhất kế hoạch đào tạo hằng năm trước ngày 31 tháng 12."],
                        },
                    ],
                },
            ],
            "signer": {"authority": "TM. Ban Giám hiệu", "title": "Hiệu trưởng", "name": "Lê Thị Minh Hà"},
            "partner_signer": {"authority": "TM. Ban Cán sự đảng", "title": "Bí thư", "name": "Nguyễn Quang Huy"},
            "recipients": ["Thường trực Tỉnh ủy (b/c)", "Ban Tổ chức Tỉnh ủy"],
        },
    ),
}


def write_schemas_and_examples(root: Path) -> None:
    for template_id, (template_schema, example) in TEMPLATES.items():
        folder = root / template_id
        folder.mkdir(exist_ok=True)
        for name, data in (("schema.json", template_schema), ("example.json", example)):
            (folder / name).write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {template_id}/schema.json, example.json")
