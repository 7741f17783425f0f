"""The organisation's signature written with its letters (``signing.slots``): the PDF adapter writes each letter of
a real chunk with a signature slot, the slot is filled after; checked with tools we did not write (pdfsig, qpdf,
pdffonts) and pyHanko's validation."""

from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from datetime import UTC, date, datetime
from io import BytesIO
from pathlib import Path

import pikepdf
import pytest

from service.adapters.converter import Converter
from service.adapters.pdf_pages import letters
from service.adapters.renderer import render_many
from service.adapters.template_files import TemplateFolder
from service.config import PROJECT_ROOT
from service.domain.pdf_record import PdfRecord
from service.services.production import OrganisationSignature, render_context
from signing import SigningError, load_pkcs12
from signing.appearance import seal_box
from signing.pki import DemoPki
from signing.sign import Level, SigningContext
from signing.slots import fill_slot
from signing.timestamps import local_tsa
from signing.trust import Trust
from signing.verify import verify_pdf
from tests.fakes import PKI_PASSWORD
from tests.pdftools import check_pdf, pdfa_findings, pdfa_problems, pdfa_verdict, record_facts

TEMPLATE = TemplateFolder(PROJECT_ROOT / "templates_docx").get("giay-trieu-tap")


@pytest.fixture(scope="module")
def chunk(converter: Converter) -> bytes:
    """Two call-up letters converted together, as a batch's chunk is: untagged, each letter made PDF/A-2b after."""
    contexts = [render_context(TEMPLATE, TEMPLATE.example, f"{i + 5:02d}/GTT-TCT", date(2027, 3, 4)) for i in range(2)]
    return converter.to_pdf(render_many(TEMPLATE.docx, contexts), tagged=False)


def _record(i: int) -> PdfRecord:
    return PdfRecord(
        f"Giấy triệu tập {i}", "Trường Chính trị tỉnh", "Giấy triệu tập", ("GTT",), datetime.now(UTC), None
    )


def _organisation(pki: DemoPki, level: Level = Level.B_B, seal: bool = True) -> OrganisationSignature:
    key = load_pkcs12(pki.org_p12, PKI_PASSWORD)
    trust = Trust.load([pki.ca_cert], [pki.crl])
    timestamper = local_tsa(pki.tsa_p12, PKI_PASSWORD) if level != Level.B_B else None
    image = pki.seal_image.read_bytes() if seal else None
    return OrganisationSignature(lambda: key, SigningContext(timestamper, trust), level, image)


def _signed(chunk: bytes, organisation: OrganisationSignature, places: list[str | None]) -> list[bytes]:
    now = datetime.now(UTC)
    reasons = [(f"Ban hành {i + 5:02d}/GTT-TCT", place) for i, place in enumerate(places)]
    slots = [organisation.slot(reason, place, now) for reason, place in reasons]
    made = letters(chunk, [_record(i) for i in range(len(places))], slots)
    return organisation.finish(made, slots, reasons)[0]


def _pdfsig(path: Path) -> str:
    return subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=True).stdout


def test_a_chunk_is_converted_untagged_and_one_document_keeps_its_tags(
    converter: Converter, chunk: bytes, tmp_path: Path
) -> None:
    """LibreOffice's PDF/A export tags every page, which letters cut from a chunk cannot keep: a chunk is converted
    without PDF/A (its letters get their output intent when cut), one document as tagged PDF/A-2b."""
    one = render_many(TEMPLATE.docx, [render_context(TEMPLATE, TEMPLATE.example, "05/GTT-TCT", date(2027, 3, 4))])
    with pikepdf.open(BytesIO(converter.to_pdf(one))) as tagged, pikepdf.open(BytesIO(chunk)) as untagged:
        assert "/StructTreeRoot" in tagged.Root and "/OutputIntents" in tagged.Root
        assert "/StructTreeRoot" not in untagged.Root and "/OutputIntents" not in untagged.Root
    for i, letter in enumerate(letters(chunk, [_record(0), _record(1)])):
        with pikepdf.open(BytesIO(letter.pdf)) as doc:
            (intent,) = doc.Root.OutputIntents
            assert intent.S == "/GTS_PDFA1" and intent.DestOutputProfile.N == 3
        path = tmp_path / f"{i}.pdf"
        path.write_bytes(letter.pdf)
        assert pdfa_verdict(path) == ("pass", [])  # unsigned: nothing the validator leaves unchecked
    # a document converted untagged and kept whole gets the intent too
    (whole,) = letters(converter.to_pdf(one, tagged=False), [_record(0)])
    path = tmp_path / "whole.pdf"
    path.write_bytes(whole.pdf)
    intents = record_facts(path).output_intents
    assert [s for s, profile in intents if b"sRGB" in profile] == ["/GTS_PDFA1"] and pdfa_findings(path) == []


def test_each_letter_is_signed_whole_with_its_seal_where_the_mark_is(
    chunk: bytes, pki: DemoPki, tmp_path: Path
) -> None:
    organisation = _organisation(pki)
    marks = [letter.mark for letter in letters(chunk, [_record(0), _record(1)])]
    trust = Trust.load([pki.ca_cert], [pki.crl])
    for i, pdf in enumerate(_signed(chunk, organisation, ["Phú Thọ", None])):
        path = tmp_path / f"{i}.pdf"
        path.write_bytes(pdf)
        check_pdf(path)  # qpdf --check, A4, fonts embedded, pdfsig: every signature valid
        assert not pdfa_problems(path, f"Giấy triệu tập {i}", "Trường Chính trị tỉnh")
        out = _pdfsig(path)
        assert "Total document signed" in out and "Signature Field Name: ToChuc" in out
        report = verify_pdf(pdf, trust)
        assert report.ok, report.to_dict()
        (signature,) = report.signatures
        assert signature.intact and signature.covers_whole_file and signature.level == "B-B"
        # the seal: over the left third of the leader's place, on the mark's page, painted by its appearance
        with pikepdf.open(path) as doc:
            (field,) = doc.Root.AcroForm.Fields
            assert field.P.objgen == doc.pages[marks[i].page].obj.objgen  # type: ignore[union-attr]
            box = seal_box(marks[i])  # type: ignore[arg-type]
            assert [float(v) for v in field.Rect] == [round(box.x1), round(box.y1), round(box.x2), round(box.y2)]
            assert b"/Img Do" in field.AP.N.read_bytes() and field.F == 132
            assert str(field.V.Reason) == f"Ban hành {i + 5:02d}/GTT-TCT"


def test_a_b_t_slot_holds_the_signature_timestamp(chunk: bytes, pki: DemoPki) -> None:
    (pdf, _) = _signed(chunk, _organisation(pki, Level.B_T), ["Phú Thọ", "Phú Thọ"])
    (signature,) = verify_pdf(pdf, Trust.load([pki.ca_cert], [pki.crl])).signatures
    assert signature.ok and signature.level == "B-T" and signature.timestamp_time is not None


def test_without_a_seal_the_signature_is_invisible(chunk: bytes, pki: DemoPki, tmp_path: Path) -> None:
    (pdf, _) = _signed(chunk, _organisation(pki, seal=False), [None, None])
    path = tmp_path / "invisible.pdf"
    path.write_bytes(pdf)
    check_pdf(path)
    with pikepdf.open(path) as doc:
        (field,) = doc.Root.AcroForm.Fields
        assert [float(v) for v in field.Rect] == [0, 0, 0, 0] and "/AP" not in field


def test_text_in_a_letter_cannot_place_its_signature(chunk: bytes, pki: DemoPki, tmp_path: Path) -> None:
    """A place that reads like a slot's placeholder is written as a string: the real slot is signed. One that
    carries the slot's own (random) numbers makes two candidate places: refused, never signed at the wrong one."""
    organisation = _organisation(pki)
    forged = "/ByteRange [0 1000000000 1000000000 1000000000] /Contents <" + "0" * 64 + ">"
    for i, pdf in enumerate(_signed(chunk, organisation, [forged, ") " + forged])):
        path = tmp_path / f"forged-{i}.pdf"
        path.write_bytes(pdf)
        check_pdf(path)
        assert verify_pdf(pdf, Trust.load([pki.ca_cert], [pki.crl])).ok
    slot = organisation.slot("Ban hành 05/GTT-TCT", None, datetime.now(UTC))
    assert slot is not None
    n = slot.nonce
    guessed = replace(slot, location=f"/ByteRange [ 0 {n} {n} {n} ] /Contents <{'0' * 64}>")
    written = letters(chunk, [_record(0), _record(1)], [guessed, None])[0].pdf
    with pytest.raises(SigningError, match="one place"):
        fill_slot(written, guessed, organisation.key(), organisation.context)


def test_a_pdf_without_its_slot_is_refused(chunk: bytes, pki: DemoPki) -> None:
    organisation = _organisation(pki)
    slot = organisation.slot("Ban hành 05/GTT-TCT", None, datetime.now(UTC))
    assert slot is not None
    unsigned = letters(chunk, [_record(0), _record(1)])[0].pdf
    with pytest.raises(SigningError):
        fill_slot(unsigned, slot, organisation.key(), organisation.context)
    other = organisation.slot("Ban hành 05/GTT-TCT", None, datetime.now(UTC))
    written = letters(chunk, [_record(0), _record(1)], [other, other])[0].pdf
    with pytest.raises(SigningError):
        fill_slot(written, slot, organisation.key(), organisation.context)  # another slot's placeholder
    assert re.search(rb"/ByteRange \[ 0 \d{10} \d{10} \d{10} \]", written)


def test_levels_a_slot_cannot_hold_are_signed_as_before(chunk: bytes, pki: DemoPki, tmp_path: Path) -> None:
    organisation = _organisation(pki, Level.B_LT)
    assert organisation.slot("Ban hành 05/GTT-TCT", None, datetime.now(UTC)) is None
    (pdf, _) = _signed(chunk, organisation, ["Phú Thọ", "Phú Thọ"])
    (signature,) = verify_pdf(pdf, Trust.load([pki.ca_cert], [pki.crl])).signatures
    assert signature.ok and signature.level == "B-LT"


def test_a_slot_letter_says_pdf_1_7_as_its_pades_extension_does(chunk: bytes, pki: DemoPki) -> None:
    (pdf, _) = _signed(chunk, _organisation(pki), ["Phú Thọ", None])
    assert pdf.startswith(b"%PDF-1.7")  # the ESIC extension's base version is 1.7 (ISO 32000-1, 7.12.3)


def test_no_two_letters_written_are_the_same_bytes(chunk: bytes, pki: DemoPki) -> None:
    """The same letters written twice in the same second, with the same time: each file has its own random
    identifier, so a letter's SHA-256 tells which delivery of its chunk made it (``Repository.issue``)."""
    organisation = _organisation(pki)
    now = datetime.now(UTC)
    reasons: list[tuple[str, str | None]] = [("Ban hành 05/GTT-TCT", "Phú Thọ")] * 2
    made = []
    for _ in range(2):
        slots = [organisation.slot(reason, place, now) for reason, place in reasons]
        records = [replace(_record(i), created=now) for i in range(2)]
        made.append(organisation.finish(letters(chunk, records, slots), slots, reasons)[0])
    assert made[0][0] != made[1][0] and made[0][1] != made[1][1]


def test_a_form_the_document_has_keeps_its_fields(converter: Converter, pki: DemoPki) -> None:
    context = render_context(TEMPLATE, TEMPLATE.example, "05/GTT-TCT", date(2027, 3, 4))
    with pikepdf.open(BytesIO(converter.to_pdf(render_many(TEMPLATE.docx, [context])))) as doc:
        field = doc.make_indirect(
            pikepdf.Dictionary(FT=pikepdf.Name.Tx, T=pikepdf.String("GhiChu"), Rect=[0, 0, 10, 10], P=doc.pages[0].obj)
        )
        doc.Root.AcroForm = pikepdf.Dictionary(Fields=[field])
        doc.pages[0].obj.Annots = pikepdf.Array([field])
        out = BytesIO()
        doc.save(out)
    organisation = _organisation(pki)
    slot = organisation.slot("Ban hành 05/GTT-TCT", None, datetime.now(UTC))
    (letter,) = letters(out.getvalue(), [_record(0)], [slot])
    signed = organisation.finish([letter], [slot], [("Ban hành 05/GTT-TCT", None)])[0][0]
    with pikepdf.open(BytesIO(signed)) as doc:
        assert [str(f.T) for f in doc.Root.AcroForm.Fields] == ["GhiChu", "ToChuc"] and doc.Root.AcroForm.SigFlags == 3
