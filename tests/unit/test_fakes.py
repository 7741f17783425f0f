"""The fakes keep the ports' promises: a unit of work keeps only what it commits, the converter makes a real PDF
page for each page of the DOCX, and each fake is the port the services are typed against."""

from __future__ import annotations

import json

from service.adapters.orm import JobRow
from service.adapters.pdf_pages import page_words
from service.adapters.renderer import render_many
from service.services import ports
from tests.fakes import FakeArchive, FakeConverter, FakeDatabase
from tests.unit.services import CALL_UP, TEMPLATES

DATABASE: ports.Database = FakeDatabase()  # mypy checks each fake against its port
ARCHIVE: ports.Archive = FakeArchive()
CONVERTER: ports.PdfConverter = FakeConverter()


def _job(job_id: str) -> JobRow:
    return JobRow(id=job_id, kind="document", status="queued", total=1, attempts=0)


def test_only_what_is_committed_survives() -> None:
    db = FakeDatabase()
    with db.uow() as tx:
        tx.repo.add(_job("kept"))
        tx.commit()
        tx.repo.add(_job("after-commit"))
    with db.uow() as tx:
        tx.repo.add(_job("never-committed"))
        tx.repo.job("kept").status = "running"
    assert [(j.id, j.status, j.done) for j in db.rows(JobRow)] == [("kept", "queued", 0)]


def test_a_row_handed_out_is_a_copy_detached_from_its_unit_of_work() -> None:
    db = FakeDatabase()
    with db.uow() as tx:
        tx.repo.add(_job("j"))
        tx.commit()
        job = tx.repo.job("j")
    job.status = "failed"
    with db.uow() as tx:
        assert tx.repo.job("j").status == "queued"


def test_the_converter_makes_one_page_per_letter_with_its_text() -> None:
    folder = TEMPLATES / CALL_UP
    example = json.loads((folder / "example.json").read_text())
    contexts = [
        example | {"document": {"notation": f"0{n}/GTT-TCT", "issued_on": None, "place_date": "Phú Thọ"}}
        for n in (1, 2)
    ]
    pdf = FakeConverter().to_pdf(render_many((folder / "template.docx").read_bytes(), contexts))
    pages = page_words(pdf)
    assert len(pages) == 2
    assert "Số: 01/GTT-TCT" in pages[0].text and "Số: 02/GTT-TCT" in pages[1].text
    assert example["student"]["full_name"] in pages[1].text
