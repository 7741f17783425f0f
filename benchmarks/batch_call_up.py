"""Batch call-up letters through the API on the embedded default (SQLite, local queue, workers on threads of `serve`),
against a naive pipeline (docxtpl render + one LibreOffice conversion + pyHanko's default signing per letter)
measured in the same run.

    .venv/bin/python benchmarks/batch_call_up.py [--letters 1000] [--naive 100] [--scale 10000]

Prints seconds for the batch, the per-letter rates and their ratio, and with --scale the time ratio against the
first batch and the peak memory of all the service's processes (API, workers, LibreOffice).
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service.adapters.converter import Converter  # noqa: E402
from service.adapters.renderer import render_docx  # noqa: E402
from service.adapters.template_files import TemplateFolder  # noqa: E402
from service.services.production import render_context  # noqa: E402
from signing.pki import make_demo_pki  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
from service_process import Service, load  # noqa: E402

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
        converter = Converter()
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
            service.batch(class_list(20), BATCH)  # warm-up: workers' LibreOffice, imports, caches
            seconds = service.batch(class_list(args.letters), BATCH)
            per_letter = seconds * 1000 / args.letters
            print(
                f"vanban batch: {args.letters} letters numbered, signed (PAdES B-B) and archived in {seconds:.2f} s "
                f"({per_letter:.1f} ms/letter; goal <= 6 s for 1000; {load()})"
            )
            print(f"speed-up over the naive per-letter rate: {naive / per_letter:.1f}x (goal >= 15x)")
            print(f"peak memory (PSS) of all service processes: {service.memory()}")
            if args.scale:
                big = service.batch(class_list(args.scale), BATCH)
                print(
                    f"vanban batch: {args.scale} letters in {big:.1f} s: {big / seconds:.2f}x the time of "
                    f"{args.letters} (goal <= {args.scale / args.letters * 1.1:.0f}x)"
                )
                print(f"peak memory (PSS) of all service processes: {service.memory()} (goal <= 400 MiB; {load()})")
        finally:
            service.stop()


if __name__ == "__main__":
    main()
