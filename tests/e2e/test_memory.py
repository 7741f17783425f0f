"""What the embedded default's processes hold: ``vanban serve`` runs the API and its workers in one process, its tasks
and its office servers on threads, so the service's code and data are in memory once (a worker process forked beside
the API copied about half of what it shared with it as soon as it ran a batch); LibreOffice runs beside it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.config import PROJECT_ROOT
from tests.backends import EMBEDDED, ServiceProcesses, on, wait_job

pytestmark = pytest.mark.slow


def _children(pid: int) -> list[int]:
    return [int(p) for tid in Path(f"/proc/{pid}/task").iterdir() for p in (tid / "children").read_text().split()]


@on(EMBEDDED)
def test_the_api_and_its_workers_are_one_process(service: ServiceProcesses) -> None:
    serve = service.procs[0].pid
    with service.client() as c:  # the workers answer: a document is made
        example = json.loads((PROJECT_ROOT / "templates_docx/giay-trieu-tap/example.json").read_text(encoding="utf-8"))
        r = c.post("/api/v1/documents", json={"template": "giay-trieu-tap", "data": example})
        assert r.status_code == 202, r.text
        assert wait_job(c, r.json()["job_id"], timeout=300)["status"] == "succeeded"
    children = {pid: Path(f"/proc/{pid}/comm").read_text().strip() for pid in _children(serve)}
    # its only children are its LibreOffices (their office servers are threads of it): no copy of the service, and
    # no Python of their own
    assert children and set(children.values()) == {"soffice.bin"}, children
