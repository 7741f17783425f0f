"""A long class list is written a slice at a time: its letters' rows, and the parameters the database driver makes
of them, are never all in memory at once (a 10,000-row list written in one statement raised the API's memory by
about 50 MB), and every letter still gets its number, contiguous and in list order, with its register line."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from service.adapters.orm import DocumentRow, RegisterEntryRow
from service.services import issuing
from service.services.issuing import LETTERS_AT_ONCE
from service.services.requesting import RequestBatch, request_batch
from tests.fakes import FakeRepository
from tests.unit.services import CALL_UP, Service


def test_a_long_class_list_is_written_in_slices_numbered_in_list_order(monkeypatch: pytest.MonkeyPatch) -> None:
    service = Service()
    written: list[int] = []
    insert = FakeRepository.insert_letters

    def insert_letters(self: FakeRepository, letters: list[dict[str, Any]]) -> None:
        written.append(len(letters))
        insert(self, letters)

    monkeypatch.setattr(FakeRepository, "insert_letters", insert_letters)
    rows = 2 * LETTERS_AT_ONCE + 7
    class_list = "Họ và tên,Ngày sinh,Đơn vị công tác\n" + "".join(
        f"Học Viên {i:05d},01/02/1990,Xã {i % 90}\n" for i in range(rows)
    )
    data = {k: v for k, v in service.example().items() if k != "student"}
    command = RequestBatch(
        template_id=CALL_UP, class_list=class_list.encode(), filename="lop.csv", data=data, requested_by=None
    )
    requested = request_batch(service.db, service.templates, command, clock=service.clock)
    assert requested.documents == rows
    assert written == [LETTERS_AT_ONCE, LETTERS_AT_ONCE, 7]
    letters = sorted(service.db.rows(DocumentRow), key=lambda d: d.batch_index or 0)
    assert [(d.number, d.data["student"]["full_name"]) for d in letters] == [
        (i + 1, f"Học Viên {i:05d}") for i in range(rows)
    ]
    assert sorted(e.number for e in service.db.rows(RegisterEntryRow)) == list(range(1, rows + 1))


def test_letters_are_made_as_they_are_written() -> None:
    """``number_letters`` takes the letters from a generator no further ahead than the slice it writes."""
    service = Service()
    template = service.templates.get(CALL_UP)
    made = 0
    ahead: list[int] = []
    inserted = 0

    def letters() -> Iterator[dict[str, Any]]:
        nonlocal made
        for i in range(LETTERS_AT_ONCE + 3):
            made += 1
            yield {"id": f"letter-{i}", "job_id": "job", "template_id": CALL_UP, "data": {}, "batch_index": i}

    with service.db.uow() as tx:
        insert = tx.repo.insert_letters

        def insert_letters(batch: list[dict[str, Any]]) -> None:
            nonlocal inserted
            ahead.append(made - inserted)
            inserted += len(batch)
            insert(batch)

        tx.repo.insert_letters = insert_letters  # type: ignore[method-assign,assignment]
        issuing.number_letters(tx, template, "TCT", date(2027, 3, 4), letters(), LETTERS_AT_ONCE + 3)
    assert ahead == [LETTERS_AT_ONCE, 3]
