"""An issued PDF as a record, on the PDF LibreOffice makes: PDF/A-2b from the converter, the record's metadata
(title, author, vi-VN) and its QR code set before the organisation's signature, which stays valid; the QR code
reads back (pdftoppm + zxing-cpp) as the document's verification address and covers no word."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from service.adapters.converter import Converter
from service.adapters.pdf_pages import letters, make_record
from service.adapters.renderer import render_many
from service.adapters.template_files import TemplateFolder
from service.config import PROJECT_ROOT
from service.domain.pdf_record import PdfRecord, verify_url
from service.services.production import OrganisationSignature, render_context
from signing import load_pkcs12
from signing.pki import DemoPki
from signing.sign import Level, SigningContext
from tests.fakes import PKI_PASSWORD
from tests.pdftools import pdfa_problems, qr_code_clear_of_text, qr_codes, record_facts

TITLE = "Giấy triệu tập Lớp Trung cấp lý luận chính trị K12"
AUTHOR = "Trường Chính trị tỉnh"
URL = verify_url("https://vanban.example.vn/", "Zq3" * 8)


def _record(verify: str | None = URL) -> PdfRecord:
    keywords = ("Giấy triệu tập", "05/GTT-TCT", AUTHOR)
    return PdfRecord(TITLE, AUTHOR, "Giấy triệu tập số 05/GTT-TCT", keywords, datetime.now(UTC), verify)


def _signed(pki: DemoPki, pdf: bytes) -> bytes:
    key = load_pkcs12(pki.org_p12, PKI_PASSWORD)
    organisation = OrganisationSignature(lambda: key, SigningContext(), Level.B_B, pki.seal_image.read_bytes())
    return organisation.sign(pdf, "Ban hành 05/GTT-TCT", "Phú Thọ")[0]


def test_the_converted_pdf_claims_pdfa_2b_but_says_en_us_and_python_docx(letter_pdf: bytes, tmp_path: Path) -> None:
    path = tmp_path / "converted.pdf"
    path.write_bytes(letter_pdf)
    facts = record_facts(path)
    assert (facts.xmp["pdfaid:part"], facts.xmp["pdfaid:conformance"]) == (["2"], ["B"])
    assert facts.lang == "en-US" and facts.info["Author"] == "python-docx"  # what make_record replaces


def test_a_signed_record_is_pdfa_2b_with_vietnamese_metadata_and_a_qr_code_that_reads_back(
    letter_pdf: bytes, pki: DemoPki, tmp_path: Path
) -> None:
    path = tmp_path / "issued.pdf"
    path.write_bytes(_signed(pki, make_record(letter_pdf, _record())))
    assert pdfa_problems(path, TITLE, AUTHOR) == []
    facts = record_facts(path)
    assert facts.info["Subject"] == "Giấy triệu tập số 05/GTT-TCT"
    assert facts.info["Keywords"] == "Giấy triệu tập; 05/GTT-TCT; Trường Chính trị tỉnh"
    code = qr_code_clear_of_text(path)
    assert code.text == "https://vanban.example.vn/v/" + "Zq3" * 8
    assert code.y2 < 20 * 72 / 25.4  # in the bottom margin


def test_a_letter_cut_from_a_chunk_keeps_the_output_intent(converter: Converter, pki: DemoPki, tmp_path: Path) -> None:
    template = TemplateFolder(PROJECT_ROOT / "templates_docx").get("giay-trieu-tap")
    contexts = [render_context(template, template.example, f"0{i}/GTT-TCT", date(2026, 2, 4)) for i in (5, 6)]
    chunk = converter.to_pdf(render_many(template.docx, contexts))
    _, second = letters(chunk, [_record(None), _record(None)])  # cut and made a record, as a batch's letters are
    path = tmp_path / "letter.pdf"
    path.write_bytes(_signed(pki, second.pdf))
    assert pdfa_problems(path, TITLE, AUTHOR) == []
    assert qr_codes(path) == []  # no address, no code
