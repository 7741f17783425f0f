"""Requesting a document or a batch, on fakes (no database, no LibreOffice): validation names the field (a class
list's problems their row and column), an Idempotency-Key replays its request and belongs to its caller, and
production is enqueued only once the request is committed."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from typing import Any

import pytest

from service.adapters.orm import DocumentRow, JobRow
from service.domain.office import Principal
from service.errors import BatchRejected, Forbidden, IdempotencyConflict, InvalidRequest
from service.services.requesting import (
    PRODUCE_BATCH_CHUNK,
    PRODUCE_DOCUMENT,
    BatchLimits,
    RequestBatch,
    RequestDocument,
    Requested,
    request_batch,
    request_document,
)
from service.services.templates import register_template
from tests.template_corpus import docx_with, png
from tests.unit.services import CALL_UP, OTHER_REQUESTER, REQUESTER, Service


def _request(service: Service, data: dict[str, Any], who: Principal, key: str | None = None) -> Requested:
    command = RequestDocument(template_id=CALL_UP, data=data, requested_by=who, idempotency_key=key)
    return request_document(service.db, service.templates, command)


def test_a_missing_field_is_named_and_nothing_is_recorded() -> None:
    service = Service()
    data = service.example()
    student = {k: v for k, v in data["student"].items() if k != "full_name"}
    with pytest.raises(InvalidRequest) as refused:
        _request(service, data | {"student": student}, REQUESTER)
    paths = [e.path for e in refused.value.errors]
    assert any("full_name" in p for p in paths), paths
    assert all(e.message_vi and e.message_en for e in refused.value.errors)
    assert service.db.rows(DocumentRow) == [] and service.db.rows(JobRow) == []


def test_a_control_character_is_refused_by_its_path() -> None:
    service = Service()
    data = service.example()
    data["student"] = data["student"] | {"unit": "Xã\x07 Hùng Sơn"}
    with pytest.raises(InvalidRequest) as refused:
        _request(service, data, REQUESTER)
    assert [e.path for e in refused.value.errors] == ["student.unit"]


def test_the_same_key_and_body_give_the_same_document() -> None:
    service = Service()
    data = service.example()
    first = _request(service, data, REQUESTER, "key-1")
    again = _request(service, data, REQUESTER, "key-1")
    assert first.created and not again.created
    assert (again.document_id, again.job_id) == (first.document_id, first.job_id)
    assert len(service.db.rows(DocumentRow)) == 1 and len(service.db.rows(JobRow)) == 1


def test_the_same_key_with_another_body_is_a_conflict() -> None:
    service = Service()
    data = service.example()
    _request(service, data, REQUESTER, "key-1")
    other = data | {"student": data["student"] | {"full_name": "Trần Văn Bình"}}
    with pytest.raises(IdempotencyConflict):
        _request(service, other, REQUESTER, "key-1")
    assert len(service.db.rows(DocumentRow)) == 1


def test_a_key_belongs_to_its_caller() -> None:
    service = Service()
    data = service.example()
    mine = _request(service, data, REQUESTER, "key-1")
    theirs = _request(service, data, OTHER_REQUESTER, "key-1")
    assert theirs.created and theirs.document_id != mine.document_id
    assert "key-1" not in {d.idempotency_key for d in service.db.rows(DocumentRow)}  # stored scoped and hashed


def test_without_a_key_every_request_is_a_new_document() -> None:
    service = Service()
    data = service.example()
    first = _request(service, data, REQUESTER)
    second = _request(service, data, REQUESTER)
    assert first.document_id != second.document_id and second.created


def test_a_request_is_recorded_with_its_audit_entry_in_one_commit() -> None:
    service = Service()
    requested = _request(service, service.example(), REQUESTER)
    assert service.db.commits == 1
    with service.db.uow() as tx:
        entries, _, _ = tx.repo.audit_chain()
        assert [(e.actor, e.action, e.object_id) for e in entries] == [("chuyenvien", "request", requested.document_id)]
        assert tx.repo.document(requested.document_id).status == "requested"


def test_production_is_enqueued_after_the_commit_and_a_replay_is_not_enqueued_again() -> None:
    service = Service()
    sent: list[tuple[str, list[object], int]] = []

    def enqueue(name: str, args: list[object]) -> None:
        sent.append((name, args, service.db.commits))

    command = RequestDocument(template_id=CALL_UP, data=service.example(), requested_by=REQUESTER, idempotency_key="k")
    first = request_document(service.db, service.templates, command, enqueue=enqueue)
    request_document(service.db, service.templates, command, enqueue=enqueue)
    assert sent == [(PRODUCE_DOCUMENT, [first.document_id], 1)]
    with pytest.raises(InvalidRequest):
        request_document(
            service.db, service.templates, replace(command, data={}, idempotency_key=None), enqueue=enqueue
        )
    assert len(sent) == 1


CLASS_LIST = "Họ và tên,Ngày sinh,Đơn vị công tác\n" + "".join(
    f"Học Viên {name},0{i + 1}/0{i + 1}/1990,Xã {i}\n" for i, name in enumerate(["Bình", "An", "Chi"])
)


def _batch(service: Service, class_list: str = CLASS_LIST, **fields: Any) -> RequestBatch:
    data = {k: v for k, v in service.example().items() if k != "student"}
    return RequestBatch(template_id=CALL_UP, class_list=class_list.encode(), filename="lop.csv", data=data, **fields)


def test_a_class_list_row_problem_is_named_by_row_and_column_and_nothing_is_recorded() -> None:
    service = Service()
    wrong = CLASS_LIST + "Người Lỗi,31/02/1990,Xã X\nNgười Thiếu,01/01/1990,\n"
    with pytest.raises(BatchRejected) as refused:
        request_batch(
            service.db, service.templates, _batch(service, wrong, requested_by=REQUESTER), clock=service.clock
        )
    problems = [(p["row"], p["column"]) for p in refused.value.report["problems"]]
    assert problems == [(5, "Ngày sinh"), (6, "Đơn vị công tác")]
    assert all(p["reason"] and p["reason_vi"] for p in refused.value.report["problems"])
    assert service.db.rows(DocumentRow) == [] and service.db.rows(JobRow) == []


def test_skip_issues_the_valid_rows_and_reports_the_others() -> None:
    service = Service()
    wrong = CLASS_LIST + "Người Lỗi,31/02/1990,Xã X\n"
    command = _batch(service, wrong, on_error="skip")
    requested = request_batch(service.db, service.templates, command, clock=service.clock)
    assert (requested.documents, requested.report["valid"]) == (3, 3)
    assert [p["row"] for p in requested.report["problems"]] == [5]


def test_the_batch_part_of_the_data_is_named_by_its_path_under_data() -> None:
    service = Service()
    command = _batch(service)
    data = {k: v for k, v in command.data.items() if k != "place"}
    with pytest.raises(InvalidRequest) as refused:
        request_batch(service.db, service.templates, replace(command, data=data), clock=service.clock)
    assert [e.path for e in refused.value.errors] == ["data.place"]


def test_a_batch_enqueues_a_task_per_chunk_after_its_commit() -> None:
    service = Service()
    sent: list[tuple[str, list[object], int]] = []

    def enqueue(name: str, args: list[object]) -> None:
        sent.append((name, args, service.db.commits))

    limits = BatchLimits(chunk_size=2)
    requested = request_batch(
        service.db, service.templates, _batch(service), clock=service.clock, limits=limits, enqueue=enqueue
    )
    assert (requested.documents, requested.chunks) == (3, 2)
    assert sent == [
        (PRODUCE_BATCH_CHUNK, [requested.batch_id, 0], 1),
        (PRODUCE_BATCH_CHUNK, [requested.batch_id, 1], 1),
    ]


def test_a_requester_asks_only_for_their_own_body() -> None:
    service = Service()
    command = _batch(service, requested_by=REQUESTER)
    data = command.data | {"organisation": command.data["organisation"] | {"abbreviation": "TDTN"}}
    with pytest.raises(Forbidden):
        request_batch(service.db, service.templates, replace(command, data=data), clock=service.clock)
    with pytest.raises(Forbidden):
        _request(service, service.example() | {"organisation": data["organisation"]}, REQUESTER)
    assert service.db.rows(JobRow) == []


@pytest.mark.parametrize("abbreviation", [" ", "../../etc", "T" * 5000, "tct", "TCT/01", "TCT\n"])
def test_a_bodys_abbreviation_is_refused_by_its_path_whatever_the_templates_schema(abbreviation: str) -> None:
    """The body's abbreviation names its register and is printed in every number (05/GTT-TCT): a registered
    template's own schema may leave it free, the service does not; for a document and for a batch alike."""
    service = Service()
    docx = docx_with("{{ organisation.abbreviation }}", "{{ name }}")
    loose = {"type": "string", "pattern": ".*"}
    body = {"type": "object", "properties": {"abbreviation": loose}}
    schema = {"type": "object", "properties": {"organisation": body, "name": {"type": "string"}}}
    register_template(service.templates, None, "giay-moi", docx, json.dumps(schema).encode(), None)
    data = {"organisation": {"abbreviation": abbreviation}, "name": "Nguyễn Văn An"}
    with pytest.raises(InvalidRequest) as refused:
        request_document(service.db, service.templates, RequestDocument(template_id="giay-moi", data=data))
    assert [e.path for e in refused.value.errors] == ["organisation.abbreviation"]
    assert "TCT" in refused.value.errors[0].message_en and "TCT" in refused.value.errors[0].message_vi
    batch = _batch(service)
    batch = replace(batch, data=batch.data | {"organisation": batch.data["organisation"] | data["organisation"]})
    with pytest.raises(InvalidRequest) as refused:
        request_batch(service.db, service.templates, batch, clock=service.clock)
    assert [e.path for e in refused.value.errors] == ["data.organisation.abbreviation"]
    assert service.db.rows(JobRow) == []


def test_a_derived_schema_states_what_a_bodys_abbreviation_may_be_and_its_example_gives_one() -> None:
    service = Service()
    docx = docx_with("{{ organisation.abbreviation }}", "{{ name }}")
    template, _ = register_template(service.templates, None, "giay-moi", docx, None, None)
    field = template.schema["properties"]["organisation"]["properties"]["abbreviation"]
    assert field["pattern"] == "^[A-ZĐ0-9]{1,12}$" and template.example["organisation"]["abbreviation"] == "TCT"
    data = {"organisation": {"abbreviation": "tct"}, "name": "Nguyễn Văn An"}
    with pytest.raises(InvalidRequest) as refused:
        request_document(service.db, service.templates, RequestDocument(template_id="giay-moi", data=data))
    assert [e.path for e in refused.value.errors] == ["organisation.abbreviation"]


def test_what_the_data_includes_is_checked_when_asked_not_when_produced() -> None:
    """A template included by its id, a stored picture by its digest, a .docx sent whole: an unknown template, the
    included template's invalid data, a picture not stored or a file that is no .docx is refused by its path
    when the document is asked for (it used to be accepted, then fail in production); nothing is recorded."""
    service = Service()
    register_template(service.templates, None, "phu-luc", docx_with("Phụ lục: {{ subject }}"), None, None)
    register_template(service.templates, None, "chinh", docx_with("{{p annex}}", "{{ logo }}"), None, None)
    digest = service.archive.put(png(), ".png")
    data = {"annex": {"template": "phu-luc", "data": {"subject": "Lịch học"}}, "logo": {"file": digest}}
    for wrong, path in [
        ({**data, "annex": {"template": "khong-co"}}, "annex.template"),
        ({**data, "annex": {"template": "phu-luc", "data": {}}}, "annex.data.subject"),
        ({**data, "logo": {"file": "0" * 64}}, "logo.file"),
        ({**data, "annex": {"docx": base64.b64encode(b"PK not a document").decode()}}, "annex"),
    ]:
        with pytest.raises(InvalidRequest) as refused:
            request_document(service.db, service.templates, RequestDocument(template_id="chinh", data=wrong))
        assert [e.path for e in refused.value.errors] == [path]
        assert all(e.message_en and e.message_vi for e in refused.value.errors)
    assert service.db.rows(JobRow) == []
    included = {**data, "annex": {"docx": base64.b64encode(docx_with("Phụ lục gửi kèm")).decode()}}
    for good in (data, included):
        assert request_document(service.db, service.templates, RequestDocument(template_id="chinh", data=good)).created
