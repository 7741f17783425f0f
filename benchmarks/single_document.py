"""One call-up letter at a time through the API on the embedded default (SQLite, local folder, local queue), against
the naive per-letter pipeline (docxtpl render -> a fresh ``soffice --convert-to pdf`` -> pyHanko's default signing)
measured in the same run.

    .venv/bin/python benchmarks/single_document.py [--letters 200] [--clients 8] [--naive 5]

A letter's time runs from the POST to the PDF downloaded: POST /documents, the job waited for (``?wait=``, the
service answers when it ends), GET /documents/{id}/pdf. Prints p50 and p99 of one client, the documents per second
of ``--clients`` clients at once, and the ratios to the naive pipeline (goals: p50 <= 150 ms, p99 <= 400 ms,
>= 10 documents/s at 8 clients on 2 cores).
"""

from __future__ import annotations

import argparse
import statistics
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

from service.adapters.renderer import render_docx  # noqa: E402
from service.adapters.template_files import TemplateFolder  # noqa: E402
from service.services.production import render_context  # noqa: E402
from signing.pki import make_demo_pki  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
from service_process import Service, load  # noqa: E402

TEMPLATE = TemplateFolder(ROOT / "templates_docx").get("giay-trieu-tap")


def letter(i: int) -> dict[str, object]:
    student = {**TEMPLATE.example["student"], "full_name": f"Nguyễn Văn Học {i:05d}"}
    return {**TEMPLATE.example, "student": student}


def naive_ms_per_letter(n: int) -> float:
    """Render, convert with a LibreOffice started for this letter alone, sign with pyHanko's defaults."""
    from benchmarks.pyhanko_default import default_signer

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pki = make_demo_pki(folder / "pki", "demo")
        sign = default_signer(pki.org_p12, "demo")
        start = time.perf_counter()
        for i in range(n):
            docx = render_docx(TEMPLATE.docx, render_context(TEMPLATE, letter(i), f"{i + 1:02d}/GTT-TCT", date.today()))
            (folder / "letter.docx").write_bytes(docx)
            profile, out = f"-env:UserInstallation=file://{folder}/profile", str(folder)
            subprocess.run(
                ["soffice", profile, "--headless", "--convert-to", "pdf", "--outdir", out, f"{out}/letter.docx"],
                check=True,
                capture_output=True,
            )
            sign((folder / "letter.pdf").read_bytes())
        return (time.perf_counter() - start) * 1000 / n


def one_letter(client: httpx.Client, i: int) -> float:
    """Milliseconds from the POST to the issued PDF downloaded."""
    start = time.perf_counter()
    r = client.post("/api/v1/documents", json={"template": "giay-trieu-tap", "data": letter(i)})
    r.raise_for_status()
    accepted = r.json()
    job = Service.wait(client, accepted["job_id"])
    if job["status"] != "succeeded":
        raise SystemExit(f"letter {i} failed: {job['error']}")
    pdf = client.get(f"/api/v1/documents/{accepted['id']}/pdf")
    pdf.raise_for_status()
    if not pdf.content.startswith(b"%PDF"):
        raise SystemExit(f"letter {i}: no PDF")
    return (time.perf_counter() - start) * 1000


def sequential(service: Service, n: int, first: int) -> list[float]:
    with service.client() as c:
        return [one_letter(c, first + i) for i in range(n)]


def concurrent(service: Service, clients: int, per_client: int, first: int) -> float:
    """Documents per second made by ``clients`` clients asking at once, each ``per_client`` letters in turn."""
    errors: list[BaseException] = []

    def run(k: int) -> None:
        try:
            with service.client() as c:
                for i in range(per_client):
                    one_letter(c, first + k * per_client + i)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise SystemExit(f"a client failed: {errors[0]!r}")
    return clients * per_client / elapsed


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--letters", type=int, default=200, help="letters one client asks for, one after the other")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--per-client", type=int, default=25, help="letters each concurrent client asks for")
    parser.add_argument("--naive", type=int, default=5)
    args = parser.parse_args()

    naive = naive_ms_per_letter(args.naive)
    print(f"naive pipeline (render, fresh soffice, pyHanko default): {naive:.0f} ms/letter ({load()})")
    with tempfile.TemporaryDirectory() as tmp:
        service = Service(Path(tmp))
        try:
            sequential(service, 10, 0)  # warm-up: imports, LibreOffice's first documents, caches
            service.reset_peak()
            times = sequential(service, args.letters, 100)
            p50, p99 = statistics.median(times), percentile(times, 99)
            print(
                f"one client, {args.letters} letters (POST -> job succeeded -> PDF downloaded): p50 {p50:.0f} ms, "
                f"p99 {p99:.0f} ms, mean {statistics.fmean(times):.0f} ms (goals: p50 <= 150, p99 <= 400; {load()})"
            )
            print(f"p50 is {naive / p50:.1f}x faster than the naive pipeline")
            rate = concurrent(service, args.clients, args.per_client, 100_000)
            print(
                f"{args.clients} clients at once: {rate:.1f} documents/s (goal >= 10), "
                f"{rate * naive / 1000:.1f}x the naive pipeline's rate ({load()})"
            )
            print(f"peak memory (PSS) of all service processes after the warm-up: {service.memory()}")
        finally:
            service.stop()


if __name__ == "__main__":
    main()
