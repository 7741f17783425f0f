"""Filing documents in hồ sơ at the same time, on SQLite and PostgreSQL: a hồ sơ gives each place once, a document
goes to one hồ sơ (and the audit says which), a close and a filing of the same hồ sơ never both win."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from functools import partial
from threading import Barrier

from service.adapters.orm import DocumentRow, JobRow
from service.adapters.records_xml import LxmlRecords
from service.domain.clock import SystemClock
from service.domain.office import Principal
from service.errors import VanbanError
from service.services.records import NewFile, Records
from service.unit_of_work import Database
from tests.fakes import FakeArchive

CLERK = Principal("u1", "vanthu", "Trần Thị Mai", "Văn thư", "TCT", frozenset({"clerk"}))


def _records(db: Database, *codes: str) -> Records:
    records = Records(db, FakeArchive(), LxmlRecords(), SystemClock())
    for code in codes:
        records.create(CLERK, NewFile(code, f"Hồ sơ {code}", date(2026, 1, 1)))
    return records


def _issued(db: Database, n: int) -> list[str]:
    ids = [str(uuid.uuid4()) for _ in range(n)]
    with db.uow() as tx:
        job = JobRow(id=str(uuid.uuid4()), kind="document", status="succeeded")
        tx.repo.add(job)
        for i in ids:
            tx.repo.add(
                DocumentRow(
                    id=i,
                    job_id=job.id,
                    template_id="giay-trieu-tap",
                    template_version="v1",
                    data={},
                    status="issued",
                    organisation="TCT",
                    request_hash="0" * 64,
                    issued_on=date(2026, 11, 30),
                    archive_metadata={},
                )
            )
        tx.commit()
    return ids


def _at_once(calls: Sequence[Callable[[], object]]) -> list[object]:
    """Each call in its own thread, all started together; what each returned or raised (a VanbanError)."""
    start = Barrier(len(calls))

    def run(call: Callable[[], object]) -> object:
        start.wait()
        try:
            return call()
        except VanbanError as refused:
            return refused

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def _filed(db: Database, code: str) -> list[tuple[str, int]]:
    with db.uow() as tx:
        return [(d.id, d.file_ordinal or 0) for d in tx.repo.documents_of_file(code)]


def _audited(db: Database, action: str) -> list[tuple[str | None, dict[str, object]]]:
    with db.uow() as tx:
        return [(e.object_id, e.detail) for e in tx.repo.audit_chain()[0] if e.action == action]


def test_batches_filed_at_once_get_places_one_to_n(any_db: Database) -> None:
    records = _records(any_db, "HS-1")
    ids = _issued(any_db, 16)
    pairs = [ids[i : i + 2] for i in range(0, 16, 2)]
    outcomes = _at_once([partial(records.file_documents, CLERK, "HS-1", pair) for pair in pairs])
    assert not [o for o in outcomes if isinstance(o, VanbanError)]
    filed = _filed(any_db, "HS-1")
    assert sorted(o for _, o in filed) == list(range(1, 17)) and {d for d, _ in filed} == set(ids)


def test_a_document_posted_to_two_files_at_once_goes_to_one_and_the_audit_says_which(any_db: Database) -> None:
    records = _records(any_db, "HS-A", "HS-B")
    ids = _issued(any_db, 4)
    calls = [partial(records.file_documents, CLERK, code, [d]) for d in ids for code in ("HS-A", "HS-B")]
    outcomes = _at_once(calls)
    refused = [o for o in outcomes if isinstance(o, VanbanError)]
    assert len(refused) == 4 and {r.status_code for r in refused} <= {409, 422}
    where = {d: code for code in ("HS-A", "HS-B") for d, _ in _filed(any_db, code)}
    assert sorted(where) == sorted(ids)
    audited = {str(d): code for code, detail in _audited(any_db, "file_add") for d in detail["documents"]}  # type: ignore[attr-defined]
    assert audited == where


def test_a_close_racing_a_filing_lets_no_document_into_a_closed_file(any_db: Database) -> None:
    codes = [f"HS-{i}" for i in range(4)]
    records = _records(any_db, *codes)
    first, late = _issued(any_db, 4), _issued(any_db, 4)
    for code, doc in zip(codes, first, strict=True):
        records.file_documents(CLERK, code, [doc])
    calls: list[Callable[[], object]] = []
    for code, doc in zip(codes, late, strict=True):
        calls += [
            partial(records.close, CLERK, code),
            partial(records.file_documents, CLERK, code, [doc]),
        ]
    outcomes = _at_once(calls)
    assert not [o for o in outcomes[::2] if isinstance(o, VanbanError)]  # every close succeeds
    closes = dict(_audited(any_db, "file_close"))
    for code in codes:
        assert closes[code]["documents"] == len(_filed(any_db, code)), code  # what it closed is what it holds
