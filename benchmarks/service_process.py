"""The service as the benchmarks run it: ``vanban serve`` on the embedded default in a throw-away data folder,
with the memory of its whole process tree (the API and its workers, the office servers, LibreOffice) sampled as it
runs."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def _kind(pid: int) -> str:
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        cmd += " " + Path(f"/proc/{pid}/comm").read_text()  # the embedded worker node is forked: named, not run
    except OSError:
        return "gone"
    for key, name in (
        ("soffice", "LibreOffice"),
        ("oosplash", "LibreOffice"),
        ("office_server", "office server"),
        ("worker", "workers"),  # of a `vanban worker` node (`serve` runs its workers on its own threads)
        ("serve", "API and workers"),
    ):
        if key in cmd:
            return name
    return "other"


def _pss_kib(pid: int) -> int:
    """Proportional set size: pages shared by forked workers are counted once across them, as the machine does."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


FINISHED = ("succeeded", "failed")


def load() -> str:
    """The machine's load (``uptime``), printed beside every figure: the machine may be shared."""
    return "load average " + " ".join(Path("/proc/loadavg").read_text().split()[:3])


class Service:
    """``vanban serve`` on a free port, called with a bootstrap API key; ``settings``: more ``VANBAN_*`` variables."""

    def __init__(self, data_dir: Path, settings: dict[str, str] | None = None) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.key = "vbk_benchmark_" + os.urandom(8).hex()  # the bootstrap API key the benchmark calls with
        env = {
            **os.environ,
            "VANBAN_DATA_DIR": str(data_dir),
            "VANBAN_PORT": str(self.port),
            "VANBAN_BOOTSTRAP_API_KEY": self.key,
            **(settings or {}),
        }
        self.log = open(data_dir / "serve.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "serve"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        self.peak_kib = 0
        self.peak_by_kind: dict[str, int] = {}
        self._stop = threading.Event()
        threading.Thread(target=self._sample, daemon=True).start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise SystemExit(f"service did not become healthy; see {data_dir / 'serve.log'}")

    def _sample(self) -> None:
        """Every 0.2 s, the PSS of each process of the tree; the tree and the kinds of its processes looked up again
        once a second only, so that the sampling takes as little as it can of the machine it measures."""
        kinds: dict[int, str] = {}
        looked = 0.0
        while not self._stop.wait(0.2):
            if time.monotonic() - looked >= 1:
                kinds = {pid: kinds.get(pid) or _kind(pid) for pid in _tree(self.proc.pid)}
                looked = time.monotonic()
            by_kind: dict[str, int] = {}
            for pid, kind in kinds.items():
                by_kind[kind] = by_kind.get(kind, 0) + _pss_kib(pid)
            self.peak_kib = max(self.peak_kib, sum(by_kind.values()))
            for kind, kib in by_kind.items():
                self.peak_by_kind[kind] = max(self.peak_by_kind.get(kind, 0), kib)

    def reset_peak(self) -> None:
        """Peaks from now on: not the start's (migrations, LibreOffice's first start) nor an earlier measure's."""
        self.peak_kib = 0
        self.peak_by_kind = {}

    def memory(self) -> str:
        parts = ", ".join(f"{k} {v / 1024:.0f}" for k, v in sorted(self.peak_by_kind.items()))
        return f"{self.peak_kib / 1024:.0f} MiB (peaks by kind, MiB: {parts})"

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=600, headers={"Authorization": f"Bearer {self.key}"})

    @staticmethod
    def wait(client: httpx.Client, job_id: str) -> dict[str, object]:
        """The job once it ended: the service holds each look up to 30 s (``?wait=``) and answers when it ends."""
        while True:
            job: dict[str, object] = client.get(f"/api/v1/jobs/{job_id}", params={"wait": 30}).json()
            if job["status"] in FINISHED:
                return job
            time.sleep(0.005)  # a service that does not hold the look: ask again soon

    def batch(self, xlsx: bytes, data: dict[str, object]) -> float:
        """Seconds from the upload of a class list to the end of its job (which must succeed)."""
        self.reset_peak()
        with self.client() as c:
            start = time.perf_counter()
            r = c.post(
                "/api/v1/batches",
                data={"template": "giay-trieu-tap", "data": json.dumps(data)},
                files={"file": ("list.xlsx", xlsx)},
            )
            r.raise_for_status()
            job = self.wait(c, r.json()["job_id"])
            elapsed = time.perf_counter() - start
        if job["status"] != "succeeded":
            raise SystemExit(f"batch failed: {job['error']}")
        return elapsed

    def stop(self) -> None:
        import signal

        self._stop.set()
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(60)
