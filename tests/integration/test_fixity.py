"""Fixity: every archived file the database refers to is re-hashed; a changed and a missing one are both named,
with their document (or template) and key, on both adapters; ``vanban archive check`` exits 0, 1 or 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from service.adapters.archive import FolderArchive, archive_key, open_archive
from service.adapters.migrate import upgrade
from service.adapters.orm import AuditEntryRow, DocumentRow, TemplateVersionRow
from service.config import PROJECT_ROOT, Settings
from service.services.fixity import CHANGED, MISSING, check_and_record
from service.services.ports import Archive
from service.unit_of_work import Database
from service.worker import make_celery
from tests.archives import Store, store
from tests.backends import S3Server, free_port
from tests.rows import document_row, finished_job

__all__ = ["store"]  # the fixture: both adapters


def _records(db: Database, archive: Archive) -> dict[str, str]:
    """Two documents and a template version, their files in ``archive``: the names of what was stored."""
    stored = {
        "first_pdf": archive.put(b"%PDF first, signed by the leader", ".pdf"),
        "first_docx": archive.put(b"PK first docx", ".docx"),
        "draft_pdf": archive.put(b"%PDF first, before the leader signed", ".pdf"),
        "second_pdf": archive.put(b"%PDF second", ".pdf"),
        "template_docx": archive.put(b"PK template", ".docx"),
    }
    job = finished_job(documents=2)
    first = document_row(
        job,
        "issued",
        pdf_sha256=stored["first_pdf"],
        docx_sha256=stored["first_docx"],
        signatures=[{"base_sha256": stored["draft_pdf"]}],
    )
    second = document_row(job, "issued", pdf_sha256=stored["second_pdf"])
    template = TemplateVersionRow(
        template_id="giay-trieu-tap",
        version="1" * 64,
        title="Giấy triệu tập",
        type_abbreviation="GTT",
        docx_sha256=stored["template_docx"],
        schema_={},
        example={},
        placeholders=[],
    )
    with Session(db.engine, expire_on_commit=False) as session:
        session.add(job)
        session.flush()
        session.add_all([first, second, template])
        session.commit()
    return stored | {"first": first.id, "second": second.id}


def _database(tmp_path: Path) -> Database:
    url = f"sqlite:///{tmp_path / 'vanban.sqlite'}"
    upgrade(url)
    return Database(url)


def test_a_changed_and_a_missing_file_are_both_reported(store: Store, tmp_path: Path) -> None:
    db = _database(tmp_path)
    archive = store.archive
    records = _records(db, archive)
    seen: list[tuple[int, int]] = []
    report = check_and_record(archive, db, "test", progress=lambda *p: seen.append(p))
    assert not report.problems and report.checked == report.references == 5
    assert seen[0] == (0, 5) and seen[-1] == (5, 5) and len(seen) == 6

    store.tamper(records["draft_pdf"], ".pdf", b"%PDF someone changed the draft")
    store.remove(records["template_docx"], ".docx")
    report = check_and_record(archive, db, "test")
    assert report.problems and report.checked == 5
    found = {(p.problem, p.stored.owner, p.stored.owner_id, p.stored.role, p.key) for p in report.problems}
    assert found == {
        (
            CHANGED,
            "document",
            records["first"],
            "pdf before signature 1",
            f"{archive.location}/{archive_key(records['draft_pdf'], '.pdf')}",
        ),
        (
            MISSING,
            "template",
            f"giay-trieu-tap@{'1' * 12}",
            "docx",
            f"{archive.location}/{archive_key(records['template_docx'], '.docx')}",
        ),
    }
    assert all(p.message_vi and p.message_en for p in report.problems)
    with Session(db.engine) as session:
        audited = session.query(AuditEntryRow).filter_by(action="archive_check").order_by(AuditEntryRow.seq).all()
    assert [a.detail["problems"] for a in audited] == [0, 2]
    assert {p["owner_id"] for p in audited[-1].detail["first_problems"]} == {
        records["first"],
        "giay-trieu-tap@111111111111",
    }


def test_a_file_shared_by_two_documents_is_read_once_and_reported_for_each(store: Store, tmp_path: Path) -> None:
    db = _database(tmp_path)
    records = _records(db, store.archive)
    with Session(db.engine) as session:  # the second document's PDF is the same bytes as the first's
        session.get_one(DocumentRow, records["second"]).pdf_sha256 = records["first_pdf"]
        session.commit()
    store.remove(records["first_pdf"], ".pdf")
    report = check_and_record(store.archive, db, "test")
    assert report.checked == 4 and report.references == 5
    assert sorted(p.stored.owner_id for p in report.problems) == sorted([records["first"], records["second"]])


def _vanban_archive_check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service.cli", "archive", "check", "--json"],
        cwd=PROJECT_ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_command_exits_0_1_or_2(s3: S3Server, tmp_path: Path) -> None:
    bucket = s3.new_bucket(object_lock=True)
    env = {"VANBAN_DATA_DIR": str(tmp_path), **s3.settings(bucket, prefix="records")}
    settings = Settings.model_validate({k.removeprefix("VANBAN_").lower(): v for k, v in env.items()})
    records = _records(_database(tmp_path), open_archive(settings))  # the records, in the command's bucket

    intact = _vanban_archive_check(env)
    assert intact.returncode == 0, intact.stderr
    assert json.loads(intact.stdout)["checked"] == 5
    assert f"archive intact: 5 files in s3://{bucket}/records" in intact.stderr

    client = s3.client()
    client.delete_object(Bucket=bucket, Key=f"records/{archive_key(records['second_pdf'], '.pdf')}")
    client.put_object(Bucket=bucket, Key=f"records/{archive_key(records['first_pdf'], '.pdf')}", Body=b"changed")
    broken = _vanban_archive_check(env)
    assert broken.returncode == 1, broken.stderr
    problems = {(p["problem"], p["owner_id"], p["key"]) for p in json.loads(broken.stdout)["problems"]}
    assert problems == {
        ("missing", records["second"], f"s3://{bucket}/records/{archive_key(records['second_pdf'], '.pdf')}"),
        ("changed", records["first"], f"s3://{bucket}/records/{archive_key(records['first_pdf'], '.pdf')}"),
    }
    assert f"missing    document {records['second']} (pdf) s3://{bucket}/records/" in broken.stderr
    assert "2 archived file(s) missing or changed" in broken.stderr

    down = _vanban_archive_check(env | {"VANBAN_ARCHIVE_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}"})
    assert down.returncode == 2, down.stderr
    assert f"Không kết nối được kho lưu trữ s3://{bucket}/records" in down.stderr


def test_the_beat_schedule_is_off_by_default_and_runs_the_check_when_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import service.tasks

    assert not make_celery(Settings(data_dir=tmp_path)).conf.beat_schedule
    settings = Settings(data_dir=tmp_path, archive_check_hours=6)
    app = make_celery(settings)
    (entry,) = app.conf.beat_schedule.values()
    assert entry == {"task": "vanban.check_archive", "schedule": timedelta(hours=6)}

    db = _database(tmp_path)
    records = _records(db, FolderArchive(settings.archive))
    FolderArchive(settings.archive).root.joinpath(archive_key(records["second_pdf"], ".pdf")).unlink()
    monkeypatch.setattr(service.tasks, "_runtime", None)  # the task builds this process's Runtime from `settings`
    app.tasks[entry["task"]].apply().get()
    assert f"missing document {records['second']} (pdf)" in caplog.text
    with Session(db.engine) as session:
        (audited,) = session.query(AuditEntryRow).filter_by(action="archive_check").all()
    assert audited.actor == "archive-check" and audited.detail["problems"] == 1
