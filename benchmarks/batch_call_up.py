"""Batch call-up letters through the API on the embedded default (SQLite, local queue, 2 worker processes),
against a naive pipeline (docxtpl render + one LibreOffice conversion + pyHanko's default signing per letter)
measured in the same run.

    .venv/bin/python benchmarks/batch_call_up.py [--letters 1000] [--naive 100] [--scale 10000]

Prints seconds for the batch, the per-letter rates and their ratio, and with --scale the time ratio against the
first batch and the peak memory of all the service's processes (API, workers, LibreOffice).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service.adapters.converter import Converter  # noqa: E402
from service.adapters.renderer import render_docx  # noqa: E402
from service.adapters.template_files import TemplateFolder  # noqa: E402
from service.services.production import render_context  # noqa: E402
from signing.pki import make_demo_pki  # noqa: E402

TEMPLATE = TemplateFolder(ROOT / "templates_docx").get("giay-trieu-tap")
BATCH = {k: v for k, v in TEMPLATE.example.items() if k != "student"}


def class_list(n: int) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Chức vụ", "Đơn vị công tác"])
    families, given = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng"], ["An", "Bình", "Cường", "Dũng", "Hà", "Lan"]
    for i in range(n):
        sheet.append(
            [
                i + 1,
                f"{families[i % 5]} Văn {given[(i // 5) % 6]} {i:05d}",
                date(1980 + i % 20, 1 + i % 12, 1 + i % 28),
                "Nam",
                "Chuyên viên",
                f"Ủy ban nhân dân xã số {i % 90}",
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def naive_ms_per_letter(n: int) -> float:
    """docxtpl render + one LibreOffice conversion (kept warm) + pyHanko's default signing, per letter."""
    from benchmarks.pyhanko_default import default_signer

    with tempfile.TemporaryDirectory() as tmp:
        pki = make_demo_pki(Path(tmp), "demo")
        sign = default_signer(pki.org_p12, "demo")
        converter = Converter(ROOT / ".venv-uno" / "bin" / "python")
        converter.start()
        try:
            start = time.perf_counter()
            for i in range(n):
                data = {**TEMPLATE.example, "student": {**TEMPLATE.example["student"], "full_name": f"Học Viên {i}"}}
                docx = render_docx(TEMPLATE.docx, render_context(TEMPLATE, data, f"{i + 1:02d}/GTT-TCT", date.today()))
                pdf = converter.to_pdf(docx)
                sign(pdf)
            return (time.perf_counter() - start) * 1000 / n
        finally:
            converter.stop()


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
    except OSError:
        return "gone"
    for key, name in (
        ("soffice", "LibreOffice"),
        ("oosplash", "LibreOffice"),
        ("unoserver", "unoserver"),
        ("worker", "workers"),
        ("serve", "API"),
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


class Service:
    def __init__(self, data_dir: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.key = "vbk_benchmark_" + os.urandom(8).hex()  # the bootstrap API key the benchmark calls with
        env = {
            **os.environ,
            "VANBAN_DATA_DIR": str(data_dir),
            "VANBAN_PORT": str(self.port),
            "VANBAN_BOOTSTRAP_API_KEY": self.key,
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
        while not self._stop.wait(0.2):
            by_kind: dict[str, int] = {}
            for pid in _tree(self.proc.pid):
                by_kind[_kind(pid)] = by_kind.get(_kind(pid), 0) + _pss_kib(pid)
            self.peak_kib = max(self.peak_kib, sum(by_kind.values()))
            for kind, kib in by_kind.items():
                self.peak_by_kind[kind] = max(self.peak_by_kind.get(kind, 0), kib)

    def memory(self) -> str:
        parts = ", ".join(f"{k} {v / 1024:.0f}" for k, v in sorted(self.peak_by_kind.items()))
        return f"{self.peak_kib / 1024:.0f} MiB (peaks by kind, MiB: {parts})"

    def batch(self, xlsx: bytes) -> float:
        self.peak_kib = 0
        self.peak_by_kind = {}
        with httpx.Client(base_url=self.url, timeout=600, headers={"Authorization": f"Bearer {self.key}"}) as c:
            start = time.perf_counter()
            r = c.post(
                "/api/v1/batches",
                data={"template": "giay-trieu-tap", "data": json.dumps(BATCH)},
                files={"file": ("list.xlsx", xlsx)},
            )
            r.raise_for_status()
            job_id = r.json()["job_id"]
            while True:
                job = c.get(f"/api/v1/jobs/{job_id}").json()
                if job["status"] in ("succeeded", "failed"):
                    break
                time.sleep(0.1)
            elapsed = time.perf_counter() - start
        if job["status"] != "succeeded":
            raise SystemExit(f"batch failed: {job['error']}")
        return elapsed

    def stop(self) -> None:
        import signal

        self._stop.set()
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(60)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--letters", type=int, default=1000)
    parser.add_argument("--naive", type=int, default=100)
    parser.add_argument("--scale", type=int, default=0, help="also run a batch this large (e.g. 10000)")
    args = parser.parse_args()

    naive = naive_ms_per_letter(args.naive)
    print(
        f"naive pipeline: {naive:.1f} ms/letter ({args.naive} letters; {naive * args.letters / 1000:.0f} s "
        f"for {args.letters})"
    )
    with tempfile.TemporaryDirectory() as tmp:
        service = Service(Path(tmp))
        try:
            service.batch(class_list(20))  # warm-up: workers' LibreOffice, imports, caches
            seconds = service.batch(class_list(args.letters))
            per_letter = seconds * 1000 / args.letters
            print(
                f"vanban batch: {args.letters} letters numbered, signed (PAdES B-B) and archived in {seconds:.2f} s "
                f"({per_letter:.1f} ms/letter; goal <= 12 s for 1000)"
            )
            print(f"speed-up over the naive per-letter rate: {naive / per_letter:.1f}x (goal >= 15x)")
            print(f"peak memory (PSS) of all service processes: {service.memory()}")
            if args.scale:
                big = service.batch(class_list(args.scale))
                print(
                    f"vanban batch: {args.scale} letters in {big:.1f} s: {big / seconds:.2f}x the time of "
                    f"{args.letters} (goal <= {args.scale / args.letters * 1.1:.0f}x)"
                )
                print(f"peak memory (PSS) of all service processes: {service.memory()} (goal <= 1024 MiB)")
        finally:
            service.stop()


if __name__ == "__main__":
    main()
