"""Fixity on the fakes: which files the records refer to, each read once, and what is reported of a missing one."""

from __future__ import annotations

from service.adapters.orm import TemplateVersionRow
from service.services.fixity import MISSING, check_and_record
from tests.fakes import FakeArchive, FakeDatabase
from tests.rows import document_row, finished_job


def test_every_referenced_file_is_read_once_and_a_missing_one_is_named_for_each_owner() -> None:
    db, archive = FakeDatabase(), FakeArchive()
    pdf, docx, draft = (archive.put(data, suffix) for data, suffix in [(b"a", ".pdf"), (b"b", ".docx"), (b"c", ".pdf")])
    lost = "f" * 64  # never stored
    job = finished_job(documents=3)
    signed = document_row(job, "issued", pdf_sha256=pdf, docx_sha256=docx, signatures=[{"base_sha256": draft}])
    same_pdf = document_row(job, "issued", pdf_sha256=pdf)
    lost_pdf = document_row(job, "failed", pdf_sha256=lost)
    requested = document_row(job, "requested")  # no file yet
    template = TemplateVersionRow(template_id="ke-hoach", version="2" * 64, docx_sha256=lost, title="Kế hoạch")
    with db.uow() as tx:
        for row in (job, signed, same_pdf, lost_pdf, requested, template):
            tx.repo.add(row)
        tx.commit()

    report = check_and_record(archive, db, "test")
    assert (report.checked, report.references) == (5, 6)  # the shared PDF is read once
    assert sorted((p.problem, p.stored.owner, p.stored.owner_id, p.stored.role, p.key) for p in report.problems) == [
        (MISSING, "document", lost_pdf.id, "pdf", f"memory://archive/{lost}.pdf"),
        (MISSING, "template", "ke-hoach@222222222222", "docx", f"memory://archive/{lost}.docx"),
    ]
    with db.uow() as tx:
        entries, _, _ = tx.repo.audit_chain()
    assert [(e.actor, e.action, e.detail["problems"]) for e in entries] == [("test", "archive_check", 2)]
