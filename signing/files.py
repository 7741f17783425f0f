"""What ``vanban sign`` does with files: load the key, pick the appearance, sign, write."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import read_certification_data

from signing.appearance import add_info_line, leader_box, seal_box
from signing.errors import SigningError
from signing.forms import add_signature_fields, field_names
from signing.keys import load_pkcs12
from signing.marks import find_marks
from signing.sign import Level, SignatureRequest, SigningContext, sign_pdf
from signing.timestamps import http_tsa, local_tsa
from signing.trust import Trust

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def context_for(level: Level, pki: Path, password: str, tsa_url: str | None) -> SigningContext:
    """A signing context from a PKI folder: its TSA (or ``tsa_url``), its CA and CRL."""
    if level == Level.B_B:
        return SigningContext(trust=_trust(pki))
    timestamper = http_tsa(tsa_url) if tsa_url else local_tsa(pki / "tsa.p12", password)
    return SigningContext(timestamper=timestamper, trust=_trust(pki))


def _trust(pki: Path) -> Trust | None:
    if not (pki / "ca.pem").exists():
        return None
    return Trust.load([pki / "ca.pem"], [pki / "ca.crl"] if (pki / "ca.crl").exists() else [])


def sign_file(
    pdf_path: Path,
    output: Path,
    key_path: Path,
    password: str,
    level: str,
    appearance: str,
    certify: bool,
    pki: Path,
    tsa_url: str | None,
    text: str | None,
) -> None:
    key = load_pkcs12(key_path, password)
    pdf = pdf_path.read_bytes()
    request = SignatureRequest(field_name="Signature", level=Level(level), certify=certify)
    if appearance in ("leader", "organisation"):
        mark = find_marks(pdf, ["sig:leader"])["sig:leader"]
        leader = appearance == "leader"
        name, box = ("LanhDao", leader_box(mark)) if leader else ("ToChuc", seal_box(mark))
        existing = field_names(pdf)
        if certify and leader and "ToChuc" not in existing:
            # the organisation signs after the certification: its field must exist before it
            pdf = add_signature_fields(pdf, {"ToChuc": seal_box(mark)})
        image = (pki / ("signature.png" if leader else "seal.png")).read_bytes()
        new_box = None if name in existing else box  # an existing field keeps its place
        request = SignatureRequest(name, level=Level(level), certify=certify, box=new_box, image=image)
    elif appearance == "info-line":
        if read_certification_data(PdfFileReader(BytesIO(pdf), strict=False)) is not None:
            raise SigningError(
                "the PDF is certified: an info line would change its page, which the certification forbids; "
                "sign the copy before certifying, or without --appearance info-line"
            )
        now = datetime.now(VIETNAM).isoformat(timespec="seconds")
        pdf = add_info_line(pdf, text or f"{now} | {key.organisation}")
        request = SignatureRequest("ToChuc", level=Level(level), certify=certify)
    signed = sign_pdf(pdf, key, request, context_for(Level(level), pki, password, tsa_url))
    output.write_bytes(signed)
