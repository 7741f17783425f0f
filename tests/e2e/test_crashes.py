"""kill -9 of LibreOffice, then of a whole node, on the embedded default and on PostgreSQL + Redis: the service says
so while it is down, comes back by itself, and every reserved number ends with exactly one signed letter.

Only processes these tests started are killed: found through the process tree (/proc) of the service started here.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import Workbook

from service.config import PROJECT_ROOT
from tests.backends import ServiceProcesses, backend_settings, running_service, serving, start_service, wait_job
from tests.e2e.test_batches import BATCH, student
from tests.pdftools import check_pdf

pytestmark = pytest.mark.slow
EXAMPLE = json.loads((PROJECT_ROOT / "templates_docx/giay-trieu-tap/example.json").read_text(encoding="utf-8"))
CHUNK = 20
SMALL = {"VANBAN_HEARTBEAT_SECONDS": "1", "VANBAN_BATCH_CHUNK_SIZE": str(CHUNK)}


@pytest.fixture(params=["embedded", "postgres+redis"])
def node_env(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The settings of one node (data folder, queue, and on postgres+redis its database and broker), for a test
    that kills the node itself and starts it again."""
    with backend_settings(request.param, tmp_path_factory.mktemp(request.param.replace("+", "-")), SMALL) as env:
        yield env


@pytest.fixture(scope="module", params=["embedded", "postgres+redis"])
def node(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcesses]:
    """A running node whose LibreOffices the tests kill: it brings them back by itself (that is what these tests
    check), so the tests that kill only LibreOffice share it."""
    with running_service(request.param, tmp_path_factory.mktemp(request.param.replace("+", "-")), SMALL) as svc:
        yield svc


def tree(roots: list[int]) -> list[int]:
    """Every live process under ``roots`` (the roots included), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
    found, i = list(roots), 0
    while i < len(found):
        found += children.get(found[i], [])
        i += 1
    return found


def name_of(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def kill_libreoffice(svc: ServiceProcesses) -> list[int]:
    """kill -9 of every LibreOffice of the node (one per core, ``VANBAN_CONVERTERS``)."""
    pids = [p for p in tree([p.pid for p in svc.procs]) if name_of(p) == "soffice.bin"]
    assert pids, "the node runs no LibreOffice"
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    return pids


def worker_processes(svc: ServiceProcesses) -> list[int]:
    """The node's worker processes (Celery's pool): forked copies of their parent (the same command line) that have
    no forked copy of their own (the API and the node have)."""
    pids = tree([p.pid for p in svc.procs])
    command = {pid: Path(f"/proc/{pid}/cmdline").read_bytes() for pid in pids if Path(f"/proc/{pid}").exists()}
    parent = {pid: int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]) for pid in command}
    forked = [pid for pid in command if parent[pid] in command and command[pid] == command[parent[pid]]]
    return [pid for pid in forked if not any(parent[other] == pid for other in forked)]


def kill_node(svc: ServiceProcesses) -> None:
    """kill -9 of serve, its workers and their LibreOffice: every process this test started, at once."""
    pids = tree([p.pid for p in svc.procs])
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    for p in svc.procs:
        p.wait()
    deadline = time.monotonic() + 30
    while any(Path(f"/proc/{pid}").exists() and name_of(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.2)


def class_list(n: int) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Chức vụ", "Đơn vị công tác"])
    for i in range(n):
        s = student(i)
        sheet.append([i + 1, s["full_name"], s["date_of_birth"], s["gender"], s["position"], s["unit"]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def post_batch(c: httpx.Client, n: int) -> dict[str, Any]:
    r = c.post(
        "/api/v1/batches",
        data={"template": "giay-trieu-tap", "data": json.dumps(BATCH), "on_error": "reject"},
        files={"file": ("lop.xlsx", class_list(n))},
        timeout=120,
    )
    assert r.status_code == 202, r.text
    return dict(r.json())


def wait_done(c: httpx.Client, job_id: str, at_least: int, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = c.get(f"/api/v1/jobs/{job_id}").json()
        assert job["status"] in ("queued", "running"), job
        if job["progress"]["done"] >= at_least:
            return
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not reach {at_least} letters: {job}")


def assert_every_number_once(c: httpx.Client, posted: dict[str, Any], n: int, tmp_path: Path) -> None:
    """Once the job of the ``posted`` batch ends, it succeeded, and every reserved number has exactly one issued
    letter, contiguous in list order, its PDF signed and sound."""
    job = wait_job(c, posted["job_id"], timeout=900)
    assert job["status"] == "succeeded", job
    batch = c.get(f"/api/v1/batches/{posted['id']}").json()
    assert batch["status"] == "succeeded" and batch["progress"] == {"done": n, "total": n}, batch["progress"]
    docs = batch["documents"]
    numbers = [d["number"] for d in docs]
    assert numbers == list(range(numbers[0], numbers[0] + n)), numbers
    assert [d["status"] for d in docs] == ["issued"] * n
    assert all(d["pdf_sha256"] for d in docs) and len({d["pdf_sha256"] for d in docs}) == n
    register = c.get("/api/v1/registers/TCT/entries").json()["entries"]
    mine = [e["number"] for e in register if e["document_id"] in {d["id"] for d in docs}]
    assert sorted(mine) == numbers  # one register line per number, none twice
    for d in (docs[0], docs[n // 2], docs[-1]):
        path = tmp_path / f"{d['number']}.pdf"
        r = c.get(f"/api/v1/documents/{d['id']}/pdf")
        assert r.status_code == 200, r.text
        path.write_bytes(r.content)
        check_pdf(path)


def wait_health(svc: ServiceProcesses, status: int, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        r = httpx.get(f"{svc.url}/healthz", timeout=10)
        last = r.json()
        if r.status_code == status:
            return dict(r.json())
        time.sleep(0.1)
    raise AssertionError(f"/healthz did not answer {status} in {timeout} s: {last}\n{svc.logs()}")


def test_libreoffice_killed_while_idle(node: ServiceProcesses, tmp_path: Path) -> None:
    kill_libreoffice(node)
    down = wait_health(node, 503, timeout=60)
    assert "converter" in down["failing"], down
    wait_health(node, 200, timeout=180)
    with node.client() as c:
        accepted = c.post("/api/v1/documents", json={"template": "giay-trieu-tap", "data": EXAMPLE}).json()
        job = wait_job(c, accepted["job_id"], timeout=300)
        assert job["status"] == "succeeded", job
        doc = c.get(f"/api/v1/documents/{accepted['id']}").json()
        assert doc["status"] == "issued" and doc["number"], doc
        pdf = tmp_path / "after-crash.pdf"
        pdf.write_bytes(c.get(f"/api/v1/documents/{accepted['id']}/pdf").content)
        check_pdf(pdf)


def test_libreoffice_killed_mid_batch(node: ServiceProcesses, tmp_path: Path) -> None:
    n = 120
    with node.client() as c:
        body = post_batch(c, n)
        wait_done(c, body["job_id"], CHUNK)
        kill_libreoffice(node)
        assert_every_number_once(c, body, n, tmp_path)


def test_a_worker_process_killed_mid_batch(node: ServiceProcesses, tmp_path: Path) -> None:
    """kill -9 of a worker process making a chunk: the node forks another and the chunk goes back to the queue (after
    ``worker_lost_wait``, 1 s: results are ignored, so nothing is worth Celery's 10 s of waiting for one). Where
    workers run apart (``vanban worker``): the embedded default runs its tasks on threads of its one process, whose
    kill -9 is ``test_node_killed_mid_batch``."""
    if node.env.get("VANBAN_EMBEDDED_WORKERS") != "0":
        pytest.skip("the embedded default has no worker process: its tasks run on threads of `vanban serve`")
    n = 120
    with node.client() as c:
        body = post_batch(c, n)
        wait_done(c, body["job_id"], CHUNK)
        victims = worker_processes(node)
        assert victims, "the node runs no worker process"
        os.kill(victims[0], signal.SIGKILL)
        assert_every_number_once(c, body, n, tmp_path)


def test_node_killed_mid_batch(node_env: dict[str, str], tmp_path: Path) -> None:
    n = 300
    svc = start_service(node_env)
    try:
        with svc.client() as c:
            body = post_batch(c, n)
            wait_done(c, body["job_id"], 2 * CHUNK)
    finally:
        kill_node(svc)
    with serving(node_env) as again, again.client() as c:  # same data folder, database and queue
        assert_every_number_once(c, body, n, tmp_path)


def test_node_killed_with_documents_in_flight(node_env: dict[str, str], tmp_path: Path) -> None:
    svc = start_service(node_env)
    try:
        with svc.client() as c:
            accepted = []
            for i in range(6):
                data = EXAMPLE | {"student": EXAMPLE["student"] | student(i)}
                r = c.post("/api/v1/documents", json={"template": "giay-trieu-tap", "data": data})
                assert r.status_code == 202, r.text
                accepted.append(r.json())
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:  # kill the node while a document is being produced
                states = [c.get(f"/api/v1/jobs/{a['job_id']}").json()["status"] for a in accepted]
                if "running" in states:
                    break
                time.sleep(0.05)
            assert "running" in states, states
    finally:
        kill_node(svc)
    with serving(node_env) as again, again.client() as c:
        numbers = []
        for a in accepted:
            job = wait_job(c, a["job_id"], timeout=600)
            assert job["status"] == "succeeded", job
            doc = c.get(f"/api/v1/documents/{a['id']}").json()
            assert doc["status"] == "issued", doc
            numbers.append(doc["number"])
        assert len(set(numbers)) == 6
        register = c.get("/api/v1/registers/TCT/entries").json()["entries"]
        assert sorted(e["number"] for e in register) == sorted(numbers)  # no number lost, none twice
        path = tmp_path / "in-flight.pdf"
        path.write_bytes(c.get(f"/api/v1/documents/{accepted[0]['id']}/pdf").content)
        check_pdf(path)
