"""What a person's document list holds, on SQLite and PostgreSQL: their body's documents, those they sign, those
their body signed; never another body's; a signer's name matched whole; filters by Vietnamese day; pages."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from service.adapters.orm import BatchRow, DocumentRow, JobRow, RecordFileRow
from service.domain.office import Principal
from service.errors import InvalidRequest
from service.services.browsing import document_filter, documents_of
from service.unit_of_work import Database

REQUESTER = Principal("u1", "chuyenvien", "Nguyễn Thị Hoa", "Chuyên viên", "TCT", frozenset({"requester"}))
LEADER = Principal("u2", "hieutruong", "Nguyễn Văn An", "Hiệu trưởng", "TCT", frozenset({"signer"}))
PARTNER = Principal("u3", "vanthu_tdtn", "Lê Văn Nam", "Văn thư", "TDTN", frozenset({"clerk"}))
ADMIN = Principal("u4", "admin", "Quản trị", "", "TCT", frozenset({"admin"}))


def _add(db: Database, name: str, organisation: str, at: datetime, **values: Any) -> str:
    with db.uow() as tx:
        job = JobRow(id=str(uuid.uuid4()), kind="document", status="succeeded")
        tx.repo.add(job)
        tx.repo.add(
            DocumentRow(
                id=name,
                job_id=job.id,
                template_id=values.pop("template", "giay-trieu-tap"),
                template_version="v1",
                data={},
                status=values.pop("status", "issued"),
                organisation=organisation,
                request_hash="0" * 64,
                created_at=at,
                **values,
            )
        )
        tx.commit()
    return name


def _open_file(db: Database, code: str) -> None:
    """An open hồ sơ of TCT."""
    with db.uow() as tx:
        tx.repo.add(
            RecordFileRow(
                code=code,
                title=code,
                organisation="TCT",
                retention_years=None,
                rights="hạn chế",
                creator="vanthu",
                language="Tiếng Việt",
                start_date=date(2026, 12, 1),
            )
        )
        tx.commit()


def _ids(db: Database, who: Principal, **filters: Any) -> list[str]:
    where = document_filter(
        filters.get("status"),
        filters.get("template"),
        filters.get("notation"),
        filters.get("since"),
        filters.get("to"),
        filters.get("filed"),
        filters.get("organisation"),
        by_issue=filters.get("by_issue", False),
    )
    return [d.id for d in documents_of(db, who, where, 1, 100).documents]


def test_the_list_holds_what_the_person_may_see(any_db: Database) -> None:
    at = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
    _add(any_db, "ours", "TCT", at, notation="01/GTT-TCT")
    _add(any_db, "theirs", "TDTN", at)
    _add(
        any_db,
        "joint-for-our-leader",
        "TDTN",
        at,
        workflow="review",
        signers=["bithu", "hieutruong"],
        status="submitted",
    )
    _add(any_db, "look-alike-name", "TDTN", at, workflow="review", signers=["hieutruong_2"], status="submitted")
    _add(any_db, "signed-by-us", "TDTN", at, workflow="review", signatures=[{"organisation": "TCT", "field": "DoiTac"}])
    assert sorted(_ids(any_db, REQUESTER)) == ["ours", "signed-by-us"]
    assert sorted(_ids(any_db, LEADER)) == ["joint-for-our-leader", "ours", "signed-by-us"]
    assert "look-alike-name" not in _ids(any_db, LEADER)
    assert sorted(_ids(any_db, PARTNER)) == ["joint-for-our-leader", "look-alike-name", "signed-by-us", "theirs"]
    assert len(_ids(any_db, ADMIN)) == 5
    where = document_filter(None, None, None, None, None)
    assert documents_of(any_db, REQUESTER, where, 1, 100).total == 2


def test_filters_and_pages(any_db: Database) -> None:
    # 17:30 UTC on 1 December is 00:30 on 2 December in Vietnam
    late = datetime(2026, 12, 1, 17, 30, tzinfo=UTC)
    early = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    _add(any_db, "late", "TCT", late, notation="02/QĐ-TCT", template="quyet-dinh-mo-lop")
    _add(any_db, "early", "TCT", early, notation="01/GTT-TCT")
    _add(any_db, "draft", "TCT", early, status="draft", workflow="review")
    assert _ids(any_db, REQUESTER, since=date(2026, 12, 2)) == ["late"]
    assert sorted(_ids(any_db, REQUESTER, to=date(2026, 12, 1))) == ["draft", "early"]
    assert _ids(any_db, REQUESTER, status="draft") == ["draft"]
    assert _ids(any_db, REQUESTER, template="quyet-dinh-mo-lop") == ["late"]
    assert _ids(any_db, REQUESTER, notation="QĐ") == ["late"]
    assert _ids(any_db, REQUESTER, notation="%") == []  # a wildcard is a character, not a pattern
    where = document_filter(None, None, None, None, None)
    pages = [documents_of(any_db, REQUESTER, where, n, 2) for n in (1, 2)]
    assert [p.total for p in pages] == [3, 3]
    assert [d.id for d in pages[0].documents] == ["late", "draft"]  # newest first, then by id
    assert [d.id for d in pages[1].documents] == ["early"]
    assert {d.id for p in pages for d in p.documents} == {"late", "early", "draft"}


def test_issued_documents_not_filed_yet_are_found_whatever_their_number(any_db: Database) -> None:
    """The hồ sơ page offers the issued documents not filed yet: found by the database, not among the newest 100."""
    at = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    _open_file(any_db, "2026.ĐT.07")
    _add(any_db, "filed", "TCT", at, notation="01/GTT-TCT", file_code="2026.ĐT.07", file_ordinal=1)
    _add(any_db, "loose", "TCT", at, notation="02/GTT-TCT", issued_on=date(2026, 12, 3))
    # requested first, issued later (a reviewed document): by issue, it comes after; not issued, last
    _add(any_db, "reviewed", "TCT", at - timedelta(days=30), notation="01/QĐ-TCT", issued_on=date(2026, 12, 4))
    _add(any_db, "draft", "TCT", at, status="draft", workflow="review")
    _add(any_db, "theirs", "TDTN", at, notation="01/GTT-TDTN")
    assert _ids(any_db, REQUESTER, status="issued", filed=False) == ["loose", "reviewed"]
    assert _ids(any_db, REQUESTER, filed=False, by_issue=True) == ["loose", "reviewed", "draft"]
    assert sorted(_ids(any_db, ADMIN, status="issued", filed=False)) == ["loose", "reviewed", "theirs"]
    assert sorted(_ids(any_db, ADMIN, status="issued", filed=False, organisation="TCT")) == ["loose", "reviewed"]
    assert _ids(any_db, REQUESTER, filed=True) == ["filed"]
    assert sorted(_ids(any_db, REQUESTER)) == ["draft", "filed", "loose", "reviewed"]


def test_letters_issued_together_come_in_the_order_of_their_numbers(any_db: Database) -> None:
    """A batch's letters share their request time and issue day: by issue, they come in number order (the class
    list's), which the hồ sơ page files them in, not in the order of their random ids."""
    at = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    for name, number in (("a", 3), ("b", 1), ("c", 2)):
        _add(any_db, name, "TCT", at, number=number, notation=f"{number:02d}/GTT-TCT", issued_on=date(2026, 12, 1))
    assert _ids(any_db, REQUESTER, status="issued", filed=False, by_issue=True) == ["b", "c", "a"]
    assert _ids(any_db, REQUESTER) == ["a", "c", "b"]  # newest first: the last number first (they came by their ids)


def test_a_day_out_of_range_is_refused_at_its_field() -> None:
    """0001-01-01 in Vietnam is the year 0 in UTC, and the day after 9999-12-31 does not exist: both were a 500."""
    with pytest.raises(InvalidRequest) as caught:
        document_filter(None, None, None, date(1, 1, 1), date(9999, 12, 31))
    assert [e.path for e in caught.value.errors] == ["created_from", "created_to"]


def test_the_batches_to_file_are_the_bodys_with_issued_letters_in_no_hoso(any_db: Database) -> None:
    """What the hồ sơ page offers to file whole, found by the database whatever the batch's size: a batch all of whose
    letters are issued and unfiled is whole; one with a letter filed elsewhere or failed is not; one all filed, or
    another body's, is not offered."""
    at = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    _open_file(any_db, "KHAC")
    with any_db.uow() as tx:
        for n, name in enumerate(("whole", "partly", "filed", "theirs")):
            job = JobRow(id=str(uuid.uuid4()), kind="batch", status="succeeded")
            tx.repo.add(job)
            data = {"class": {"name": f"Lớp {name}"}}
            tx.repo.add(
                BatchRow(
                    id=name,
                    job_id=job.id,
                    template_id="giay-trieu-tap",
                    template_version="v1",
                    data=data,
                    on_error="skip",
                    report={},
                    chunk_size=50,
                    created_at=at + timedelta(minutes=n),
                )
            )
        tx.commit()
    letters: dict[str, list[tuple[str, str | None]]] = {
        "whole": [("issued", None)] * 3,
        "partly": [("issued", None), ("issued", "KHAC"), ("failed", None), ("issued", None)],
        "filed": [("issued", "KHAC")],
        "theirs": [("issued", None)],
    }
    number = 0
    for batch, states in letters.items():
        for index, (status, file_code) in enumerate(states):
            number += 1
            _add(
                any_db,
                f"{batch}-{index}",
                "TDTN" if batch == "theirs" else "TCT",
                at,
                status=status,
                number=number if status == "issued" else None,
                batch_id=batch,
                batch_index=index,
                file_code=file_code,
                file_ordinal=number if file_code else None,
            )
    with any_db.uow() as tx:
        found = tx.repo.batches_to_file("TCT")
    seen = [(b.batch.id, b.letters, b.to_file, b.first, b.last, b.whole) for b in found]
    assert seen == [("partly", 4, 2, 4, 7, False), ("whole", 3, 3, 1, 3, True)]  # the newest first
