"""Issuing's rules, on a real SQLite database, without LibreOffice: the only module that takes numbers fills
number and date and writes the register lines, for a single document, a batch's letters, a clerk's manual number
and a joint document's partner registers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from service.adapters.migrate import upgrade
from service.adapters.orm import DocumentRow, JobRow
from service.domain.documents import DocumentStatus, JobStatus
from service.domain.registers import DEFAULT_REGISTER
from service.domain.templates import Template
from service.errors import DocumentNotFound, InvalidRequest, JobNotFound, NumberTaken
from service.services import issuing
from service.unit_of_work import Database

DECISION = Template("quyet-dinh", "v1", "Quyết định", "QĐ", {}, {}, b"")
ISSUED_ON = date(2027, 1, 1)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    url = f"sqlite:///{tmp_path / 'issuing.sqlite'}"
    upgrade(url)
    database = Database(url)
    yield database
    database.dispose()


def _document(db: Database, signatures: list[dict[str, Any]] | None = None, data: dict[str, Any] | None = None) -> str:
    job = JobRow(id=str(uuid.uuid4()), kind="document", status=JobStatus.QUEUED, done=0, total=1, attempts=0)
    doc = DocumentRow(
        id=str(uuid.uuid4()),
        job_id=job.id,
        template_id=DECISION.id,
        template_version=DECISION.version,
        data=data or {"subject": "mở lớp", "recipients": ["Như trên"], "signer": {"name": "Nguyễn Văn An"}},
        status=DocumentStatus.REQUESTED,
        organisation="TCT",
        register=DEFAULT_REGISTER,
        request_hash="x",
        workflow="direct",
        signers=[],
        signatures=signatures or [],
    )
    with db.uow() as tx:
        tx.repo.add(job)
        tx.repo.add(doc)
        tx.commit()
    return doc.id


def _number(db: Database, document_id: str) -> DocumentRow:
    with db.uow() as tx:
        row = tx.repo.document(document_id)
        issuing.number_document(tx, row, DECISION, ISSUED_ON)
        tx.commit()
        return row


def _lines(db: Database, organisation: str = "TCT") -> list[tuple[int, str, str]]:
    with db.uow() as tx:
        entries = tx.repo.register_entries(organisation, DEFAULT_REGISTER, ISSUED_ON.year)
        return [(e.number, e.notation, e.document_id) for e in entries]


def test_a_document_is_numbered_once_with_its_date_and_register_line(db: Database) -> None:
    first, second = _document(db), _document(db)
    row = _number(db, first)
    assert (row.number, row.year, row.issued_on, row.notation) == (1, 2027, ISSUED_ON, "01/QĐ-TCT")
    assert row.status == DocumentStatus.NUMBERED
    assert _number(db, first).number == 1  # a retried job keeps its number and writes no second line
    assert _number(db, second).notation == "02/QĐ-TCT"
    assert _lines(db) == [(1, "01/QĐ-TCT", first), (2, "02/QĐ-TCT", second)]


def test_a_template_giving_the_signer_recipients_and_body_as_text_is_numbered_and_described(db: Database) -> None:
    """A registered template may name its fields as the built-in ones do, in other shapes: a signer's name as text,
    the recipients as lines of text, the body's name as text. They are read as what they say (the register line, the
    archive metadata), not failed as an internal error."""
    data = {
        "subject": "mở lớp",
        "signer": "Hiệu trưởng",
        "recipients": "Như trên;\nLưu: VT.",
        "organisation": "TRƯỜNG CHÍNH TRỊ TỈNH PHÚ THỌ",
    }
    row = _number(db, _document(db, data=data))
    with db.uow() as tx:
        (line,) = [e for e in tx.repo.register_entries("TCT", DEFAULT_REGISTER, ISSUED_ON.year)]
    assert (line.signer, line.recipients) == ("Hiệu trưởng", ["Như trên;", "Lưu: VT."])
    metadata = issuing.archive_metadata(row, DECISION, 1)
    assert metadata.organ_name == "TRƯỜNG CHÍNH TRỊ TỈNH PHÚ THỌ"
    assert metadata.to == ("Như trên;", "Lưu: VT.")


def test_a_batch_takes_contiguous_numbers_in_list_order(db: Database) -> None:
    single = _document(db)
    _number(db, single)
    job = JobRow(id=str(uuid.uuid4()), kind="batch", status=JobStatus.QUEUED, done=0, total=3, attempts=0)
    with db.uow() as tx:
        tx.repo.add(job)
        tx.commit()
    letters: list[dict[str, Any]] = [
        {
            "id": str(uuid.uuid4()),
            "job_id": job.id,
            "template_id": DECISION.id,
            "template_version": DECISION.version,
            "request_hash": "batch",
            "data": {"subject": f"thư {i}"},
            "batch_index": i,
        }
        for i in range(3)
    ]
    with db.uow() as tx:
        issuing.number_letters(tx, DECISION, "TCT", ISSUED_ON, letters)
        tx.commit()
    assert [line[:2] for line in _lines(db)] == [(n, f"0{n}/QĐ-TCT") for n in range(1, 5)]
    with db.uow() as tx:
        rows = [tx.repo.document(str(letter["id"])) for letter in letters]
        assert [(r.number, r.year, r.issued_on, r.status) for r in rows] == [
            (n, 2027, ISSUED_ON, DocumentStatus.NUMBERED) for n in (2, 3, 4)
        ]


def _manual(db: Database, document_id: str, number: int | None) -> int:
    with db.uow() as tx:
        row = tx.repo.document(document_id)
        taken = issuing.take_number(tx, row, DECISION, ISSUED_ON.year, number)
        row.number, row.year, row.issued_on = taken, ISSUED_ON.year, ISSUED_ON
        row.notation = issuing.notation(DECISION, row.organisation, taken)
        issuing.record(tx, row, DECISION, manual=number is not None)
        tx.commit()
        return taken


def test_a_manual_number_is_refused_when_taken_or_when_it_leaves_a_gap(db: Database) -> None:
    a, b, c, d = (_document(db) for _ in range(4))
    assert _manual(db, a, None) == 1
    with pytest.raises(issuing.DuplicateNumber) as duplicate:
        _manual(db, b, 1)
    assert duplicate.value.first_document == a and "01/QĐ-TCT" in duplicate.value.message_vi
    with pytest.raises(InvalidRequest) as gap:
        _manual(db, b, 3)
    assert [e.path for e in gap.value.errors] == ["number"] and "số tiếp theo là 2" in gap.value.errors[0].message_vi
    with pytest.raises(InvalidRequest):
        _manual(db, b, 0)
    assert _manual(db, b, 2) == 2  # the next number, typed in: the counter moves with it
    assert _manual(db, c, None) == 3
    with db.uow() as tx:  # a number given back (its document never issued) may be typed in later
        tx.repo.take_number("TCT", DEFAULT_REGISTER, ISSUED_ON.year)
        tx.commit()
    assert _manual(db, d, 4) == 4
    with db.uow() as tx:
        assert tx.repo.counter("TCT", DEFAULT_REGISTER, ISSUED_ON.year) == 4  # an earlier number moves nothing
        manual = {e.number: e.manual for e in tx.repo.register_entries("TCT", DEFAULT_REGISTER, ISSUED_ON.year)}
    assert manual == {1: False, 2: True, 3: False, 4: True}


def test_a_joint_document_gets_a_line_in_each_partner_register(db: Database) -> None:
    other = _document(db)
    with db.uow() as tx:
        tx.repo.take_number("DTN", DEFAULT_REGISTER, ISSUED_ON.year)  # the partner's register is at 1 already
        tx.commit()
    _manual(db, other, None)
    joint = _document(db, [{"organisation": "TCT", "name": "A"}, {"organisation": "DTN", "name": "B"}])
    assert _manual(db, joint, None) == 2
    assert [line[0] for line in _lines(db, "DTN")] == [2]  # its own next number, the body's notation kept
    assert _lines(db, "DTN")[0][1:] == ("02/QĐ-TCT", joint)


def test_a_number_given_meanwhile_is_refused_as_number_taken_and_nothing_is_kept(db: Database) -> None:
    """Two clerks at once: the database's unique register line refuses the second, as the service's own error."""
    first, second = _document(db), _document(db)
    _number(db, first)
    with db.uow() as tx:
        row = tx.repo.document(second)
        row.number, row.year, row.issued_on, row.notation = 1, ISSUED_ON.year, ISSUED_ON, "01/QĐ-TCT"
        with pytest.raises(NumberTaken) as taken:
            tx.repo.insert_register_lines([issuing.register_line(row, DECISION)])
        assert "01/QĐ-TCT" in taken.value.message_en and "01/QĐ-TCT" in taken.value.message_vi
    with db.uow() as tx:
        assert tx.repo.document(second).number is None
    assert _lines(db) == [(1, "01/QĐ-TCT", first)]


def test_a_request_recorded_meanwhile_with_the_same_key_is_returned_instead(db: Database) -> None:
    """A concurrent retry with the same idempotency key: the second insert is refused by the unique key, and the
    repository answers with the document recorded first."""
    with db.uow() as tx:
        first = tx.repo.document(_document(db))
    with db.uow() as tx:
        tx.repo.document(first.id).idempotency_key = "scoped-key"
        tx.commit()
    job = JobRow(id=str(uuid.uuid4()), kind="document", status=JobStatus.QUEUED, done=0, total=1, attempts=0)
    columns = {c: getattr(first, c) for c in ("template_id", "template_version", "data", "status", "organisation")}
    retry = DocumentRow(id=str(uuid.uuid4()), job_id=job.id, idempotency_key="scoped-key", request_hash="x", **columns)
    with db.uow() as tx:
        earlier = tx.repo.add_request(job, retry)
        assert earlier is not None and earlier.id == first.id
        tx.commit()
    with db.uow() as tx:
        with pytest.raises(JobNotFound):
            tx.repo.job(job.id)
        with pytest.raises(DocumentNotFound):
            tx.repo.document(retry.id)
