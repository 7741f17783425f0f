"""One clock, Vietnam's date: a document made at 01:07 in Vietnam (18:07 UTC the day before) is dated that
Vietnamese day, and the register's year turns at midnight in Vietnam, for single documents, batches, reviewed
documents and the register the API shows; on SQLite and on PostgreSQL."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.adapters.converter import Converter
from service.config import Settings
from service.domain.clock import FixedClock
from service.domain.office import Principal
from service.main import create_app
from service.runtime import Runtime, prepare
from service.services.auth import bootstrap_api_key
from service.services.requesting import RequestBatch, RequestDocument, request_batch, request_document
from signing.pki import DemoPki
from tests.backends import postgres_database
from tests.integration.test_issue import _people
from tests.pdftools import font_names, word_boxes

PASSWORD = "test-password"
NEW_YEAR_IN_VIETNAM = datetime(2026, 12, 31, 17, 30, tzinfo=UTC)  # 00:30 on 1 January 2027 in Vietnam
EARLY_MORNING_IN_VIETNAM = datetime(2026, 11, 24, 18, 7, tzinfo=UTC)  # 01:07 on 25 November in Vietnam
CSV = "Họ và tên,Ngày sinh,Đơn vị công tác\nNguyễn Văn A,01/02/1980,Xã A\nTrần Thị B,03/04/1985,Xã B\n"
API_KEY = "clock-test-key-0123456789abcdef"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    if request.param == "sqlite":
        yield None
        return
    with postgres_database() as url:
        yield url


def _settings(tmp_path: Path, pki: DemoPki, url: str | None, start: datetime | None = None) -> Settings:
    settings = Settings(
        data_dir=tmp_path, database_url=url, pki_dir=pki.directory, pki_password=PASSWORD, clock_start=start
    )
    prepare(settings)
    return settings


def test_the_register_year_turns_at_midnight_in_vietnam(
    tmp_path: Path, pki: DemoPki, converter: Converter, database_url: str | None
) -> None:
    settings = _settings(tmp_path, pki, database_url, NEW_YEAR_IN_VIETNAM)  # the clock the service runs with
    rt = Runtime(settings, converter=converter)  # the session's warm LibreOffice
    try:
        template = rt.templates.get("giay-trieu-tap")
        single = request_document(
            rt.db, rt.templates, RequestDocument(template_id=template.id, data=template.example, workflow="direct")
        )
        rt.production.produce_document(single.document_id)
        batch_data = {k: v for k, v in template.example.items() if k != "student"}
        command = RequestBatch(template_id=template.id, class_list=CSV.encode(), filename="l.csv", data=batch_data)
        batch = request_batch(rt.db, rt.templates, command, clock=rt.clock)
        with rt.db.uow() as tx:
            doc = tx.repo.document(single.document_id)
            letters = tx.repo.documents_of_batch(batch.batch_id)
        assert (doc.year, doc.issued_on, doc.number) == (2027, date(2027, 1, 1), 1)
        assert [(d.year, d.issued_on, d.number) for d in letters] == [(2027, date(2027, 1, 1), n) for n in (2, 3)]

        bootstrap_api_key(rt.db, API_KEY, "TCT")
        client = TestClient(create_app(settings))
        register = client.get("/api/v1/registers/TCT/entries", headers={"Authorization": f"Bearer {API_KEY}"})
        assert register.status_code == 200, register.text
        body = register.json()
        assert body["year"] == 2027  # "this year" is Vietnam's year, not the server's
        assert [(e["number"], e["issued_on"]) for e in body["entries"]] == [(n, "2027-01-01") for n in (1, 2, 3)]
    finally:
        rt.db.dispose()


def test_a_reviewed_document_issued_at_01_07_is_dated_that_vietnamese_day(
    tmp_path: Path, pki: DemoPki, converter: Converter
) -> None:
    clock = FixedClock(EARLY_MORNING_IN_VIETNAM)
    rt = Runtime(_settings(tmp_path, pki, None), converter=converter, clock=clock)  # the session's LibreOffice
    try:
        clerk, head = _people(rt, pki)
        template = rt.templates.get("quyet-dinh-mo-lop")
        requested = request_document(
            rt.db,
            rt.templates,
            RequestDocument(template_id=template.id, data=template.example, signers=("hieutruong",)),
        )
        rt.production.produce_document(requested.document_id)
        submitter = Principal("cli", "cli", "", "", "TCT", frozenset({"requester"}))
        rt.review.submit(submitter, requested.document_id, None)
        rt.review.sign(head, [requested.document_id], PASSWORD)
        issued = rt.issuer.issue(clerk, requested.document_id)
        assert (issued.issued_on, issued.year) == (date(2026, 11, 25), 2026)
        assert issued.signed_at is not None and issued.signed_at.replace(tzinfo=UTC) == EARLY_MORNING_IN_VIETNAM
        with rt.db.uow() as tx:
            (line,) = tx.repo.register_entries("TCT", "default", 2026)
        assert line.issued_on == date(2026, 11, 25)
        # The clerk's number and date look printed with the text around them: the number against its "/QĐ-TCT",
        # the date's figures in the italic of its line (they were upright, centred in their gaps, like boxes filled).
        assert issued.pdf_sha256 is not None
        path = tmp_path / "issued.pdf"
        path.write_bytes(rt.archive.get(issued.pdf_sha256, ".pdf"))
        boxes = word_boxes(path)
        words = {w: (x1, y1, x2) for w, x1, y1, x2, _ in boxes}
        before = next((x1, y1, x2) for (_, x1, y1, x2, _), (n, *_) in itertools.pairwise(boxes) if n == "25")
        number, symbol, day = words["01"], words["/QĐ-TCT"], words["25"]
        assert 0 <= symbol[0] - number[2] < 1 and abs(symbol[1] - number[1]) < 0.2  # against it, on its baseline
        assert abs(before[1] - day[1]) < 0.2 and "LiberationSerif-Italic" in font_names(path)
    finally:
        rt.db.dispose()
