"""The office flow in one PDF: fields prepared, the leader certifies (DocMDP 2), the clerk fills number and date,
the organisation signs; pdfsig and our verification agree the leader's signature stays valid. Any other change
after the certification is reported."""

from __future__ import annotations

from pathlib import Path

from signing.appearance import add_info_line, leader_box, seal_box
from signing.forms import add_signature_fields, add_text_fields, fill_text_fields
from signing.keys import KeyMaterial
from signing.marks import find_marks
from signing.pki import DemoPki
from signing.sign import Box, Level, SignatureRequest, SigningContext, sign_pdf
from signing.trust import Trust
from signing.verify import verify_pdf
from tests.pdftools import check_pdf, pdf_text
from tests.signing.conftest import write
from tests.signing.pdfsig import pdfsig


def _prepared(unsigned_pdf: bytes) -> bytes:
    mark = find_marks(unsigned_pdf, ["sig:leader"])["sig:leader"]
    pdf = add_text_fields(unsigned_pdf, {"so": Box(0, 60, 700, 100, 720), "ngay": Box(0, 400, 700, 430, 720)})
    return add_signature_fields(pdf, {"LanhDao": leader_box(mark), "ToChuc": seal_box(mark)})


def test_number_and_date_after_certification_keep_the_leader_valid(
    pki: DemoPki,
    leader: KeyMaterial,
    org: KeyMaterial,
    unsigned_pdf: bytes,
    context: SigningContext,
    trust: Trust,
    tmp_path: Path,
) -> None:
    pdf = _prepared(unsigned_pdf)
    certified = sign_pdf(
        pdf, leader, SignatureRequest("LanhDao", certify=True, image=pki.signature_image.read_bytes()), context
    )
    filled = fill_text_fields(certified, {"so": "05", "ngay": "04"})
    final = sign_pdf(
        filled, org, SignatureRequest("ToChuc", level=Level.B_LT, image=pki.seal_image.read_bytes()), context
    )
    path = write(tmp_path, "issued.pdf", final)
    assert "2 signature(s)" in check_pdf(path)
    assert [s.valid for s in pdfsig(path)] == [True, True]

    report = verify_pdf(final, trust)
    assert report.ok, report.to_dict()
    lead, organisation = report.signatures
    assert lead.certified and lead.later_changes == "allowed: form filling and signatures"
    assert organisation.level == "B-LT"
    assert "05" in pdf_text(path)


def test_a_page_change_after_certification_is_reported(
    leader: KeyMaterial, unsigned_pdf: bytes, trust: Trust, tmp_path: Path
) -> None:
    certified = sign_pdf(_prepared(unsigned_pdf), leader, SignatureRequest("LanhDao", certify=True))
    changed = add_info_line(certified, "sửa đổi trái phép")  # new page content: not allowed by DocMDP 2
    report = verify_pdf(changed, trust)
    assert not report.ok
    assert report.signatures[0].intact and report.signatures[0].later_changes == "not allowed"
    # pdfsig checks the bytes it covers (still valid) and says it does not cover the whole file; so do we.
    theirs = pdfsig(write(tmp_path, "changed.pdf", changed))[0]  # [1] is the organisation's empty field
    assert theirs.valid and not theirs.whole
    assert not report.signatures[0].covers_whole_file
