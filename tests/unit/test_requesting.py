"""Requesting a document, on fakes (no database, no LibreOffice): validation names the field, an Idempotency-Key
replays its request and belongs to its caller."""

from __future__ import annotations

from typing import Any

import pytest

from service.adapters.orm import DocumentRow, JobRow
from service.domain.office import Principal
from service.errors import IdempotencyConflict, InvalidRequest
from service.services.requesting import RequestDocument, Requested, request_document
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
