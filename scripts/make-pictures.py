"""Pictures of each shipped document type for the README: rendered from its example, signed with the demo PKI
(seal on the signing mark), page 1 at 50 dpi.  .venv/bin/python scripts/make-pictures.py"""

from __future__ import annotations

import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service.adapters.converter import Converter  # noqa: E402
from service.adapters.preview import page_picture  # noqa: E402
from service.adapters.renderer import render_docx  # noqa: E402
from service.adapters.template_files import TemplateFolder  # noqa: E402
from service.services.production import OrganisationSignature, render_context  # noqa: E402
from signing import load_pkcs12  # noqa: E402
from signing.pki import make_demo_pki  # noqa: E402
from signing.sign import Level, SigningContext  # noqa: E402


def main() -> None:
    folder = TemplateFolder(ROOT / "templates_docx")
    converter = Converter()
    out = ROOT / "docs" / "pictures"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        pki = make_demo_pki(Path(tmp), "demo")
        key = load_pkcs12(pki.org_p12, "demo")
        seal = OrganisationSignature(lambda: key, SigningContext(), Level.B_B, pki.seal_image.read_bytes())
        try:
            for template_id in folder.ids():
                t = folder.get(template_id)
                notation = "05/" + "-".join(p for p in (t.type_abbreviation, "TCT") if p)
                pdf = converter.to_pdf(render_docx(t.docx, render_context(t, t.example, notation, date(2026, 2, 4))))
                signed, _ = seal.sign(pdf, "Ban hành", "Phú Thọ")
                (out / f"{template_id}.png").write_bytes(page_picture(signed, 1, dpi=50))
                print(f"wrote docs/pictures/{template_id}.png")
        finally:
            converter.stop()


if __name__ == "__main__":
    main()
