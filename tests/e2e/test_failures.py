"""A LibreOffice that hangs fails the job with a clear error after a bounded number of attempts; the service
stays up and its converter comes back."""

from __future__ import annotations

import io
import json
import uuid

import pytest
from openpyxl import load_workbook

from service.config import PROJECT_ROOT
from service.domain.registers import FAILED_NOTE
from tests.backends import ServiceProcesses, wait_job

pytestmark = pytest.mark.slow
EXAMPLE = json.loads((PROJECT_ROOT / "templates_docx/giay-trieu-tap/example.json").read_text(encoding="utf-8"))


def test_converter_hang_fails_the_job_after_bounded_retries(tmp_path_factory: pytest.TempPathFactory) -> None:
    data_dir = tmp_path_factory.mktemp("hang")
    svc = ServiceProcesses(
        {
            "VANBAN_DATA_DIR": str(data_dir),
            "VANBAN_QUEUE_NAME": f"hang-{uuid.uuid4().hex[:8]}",
            "VANBAN_CONVERTER_TIMEOUT": "0.001",  # every conversion "hangs" past this
            "VANBAN_TASK_MAX_RETRIES": "3",
            "VANBAN_HEARTBEAT_SECONDS": "1",
        }
    )
    try:
        svc.wait_healthy()
        with svc.client() as c:
            accepted = c.post("/api/v1/documents", json={"template": "giay-trieu-tap", "data": EXAMPLE}).json()
            job = wait_job(c, accepted["job_id"])
            assert job["status"] == "failed"
            assert job["attempts"] == 3
            error = job["error"]
            assert isinstance(error, dict)
            assert error["code"] == "conversion" and error["final"] is True
            assert "did not finish" in error["message"] and "LibreOffice" in error["message_vi"]
            doc = c.get(f"/api/v1/documents/{accepted['id']}").json()
            assert doc["status"] == "failed"
            assert c.get(f"/api/v1/documents/{accepted['id']}/pdf").status_code == 409
            # its number stays in the register, marked failed (never a silent gap)
            entries = c.get("/api/v1/registers/TCT/entries").json()["entries"]
            (line,) = [e for e in entries if e["document_id"] == accepted["id"]]
            assert line["status"] == "failed" and line["number"] == doc["number"] is not None
            sheet = load_workbook(io.BytesIO(c.get("/api/v1/registers/TCT/entries.xlsx").content)).active
            notes = {row[0]: row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)}
            assert notes[doc["notation"]] == FAILED_NOTE
        svc.wait_healthy(timeout=60)  # still up, LibreOffice back and warm
        assert svc.client().get("/api/v1/templates").status_code == 200
    finally:
        svc.stop()
