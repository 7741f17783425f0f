"""Signing many documents with one key: ours against pyHanko's default per-document call, in one run.

pyHanko's default (SimpleSigner + signers.sign_pdf with no reserved size) parses the private key for every raw
signature and signs twice per document (a size-estimating dry run first). Ours loads the key once and reserves the
signature space. B-LT shares one validation context and one set of revocation data across documents.

    .venv/bin/python benchmarks/signing.py [N]      (default N = 500)

Prints per-document milliseconds and the ratios the signing issue asks for (B-B <= 12 ms and >= 5x pyHanko's
default; B-LT <= 3x B-B).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.pyhanko_default import default_signer  # noqa: E402
from service.adapters.converter import Converter  # noqa: E402
from service.adapters.renderer import render_docx  # noqa: E402
from service.adapters.template_files import TemplateFolder  # noqa: E402
from service.services.production import render_context  # noqa: E402
from signing import SignatureRequest, load_pkcs12, sign_pdf  # noqa: E402
from signing.pki import make_demo_pki  # noqa: E402
from signing.sign import Level, SigningContext  # noqa: E402
from signing.timestamps import local_tsa  # noqa: E402
from signing.trust import Trust  # noqa: E402


def letter_pdf() -> bytes:
    template = TemplateFolder(ROOT / "templates_docx").get("giay-trieu-tap")
    data = json.loads(json.dumps(template.example))
    converter = Converter()
    try:
        return converter.to_pdf(render_docx(template.docx, render_context(template, data, "05/GTT-TCT", date.today())))
    finally:
        converter.stop()


def per_document_ms(label: str, n: int, sign_one: object) -> float:
    assert callable(sign_one)
    sign_one()  # warm-up
    start = time.perf_counter()
    for _ in range(n):
        sign_one()
    ms = (time.perf_counter() - start) * 1000 / n
    print(f"{label:<48} {ms:8.2f} ms/document  ({n} documents)")
    return ms


def main(n: int) -> None:
    pdf = letter_pdf()
    with tempfile.TemporaryDirectory() as tmp:
        pki = make_demo_pki(Path(tmp), "bench")
        pyhanko_default = default_signer(pki.org_p12, "bench")

        key = load_pkcs12(pki.org_p12, "bench")
        request = SignatureRequest("ToChuc")
        context = SigningContext(local_tsa(pki.tsa_p12, "bench"), Trust.load([pki.ca_cert], [pki.crl]))
        lt = SignatureRequest("ToChuc", level=Level.B_LT)

        baseline = per_document_ms("pyHanko default (B-B), key loaded once", n, lambda: pyhanko_default(pdf))
        ours = per_document_ms("vanban B-B", n, lambda: sign_pdf(pdf, key, request))
        ours_lt = per_document_ms(
            "vanban B-LT, shared TSA + revocation data", n, lambda: sign_pdf(pdf, key, lt, context)
        )
    print()
    print(f"B-B: {ours:.2f} ms/document (goal <= 12 ms): {'met' if ours <= 12 else 'NOT met'}")
    print(
        f"B-B speed-up over pyHanko's default: {baseline / ours:.2f}x (goal >= 5x): "
        f"{'met' if baseline / ours >= 5 else 'NOT met'}"
    )
    print(f"B-LT / B-B: {ours_lt / ours:.2f}x (goal <= 3x): {'met' if ours_lt / ours <= 3 else 'NOT met'}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
