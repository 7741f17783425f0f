"""Applying a PAdES signature to a PDF as an incremental update."""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers

from signing.errors import SigningError
from signing.keys import KeyMaterial

# A PAdES B-B CMS with a 2-certificate chain and RSA-2048 fits well within this; reserving it up front skips
# pyHanko's size-estimating dry run (a second signature per document).
DEFAULT_RESERVED_BYTES = 16_384


@dataclass(frozen=True)
class SignatureRequest:
    """What one signature says about itself.

    field_name: the PDF signature field to create or fill.
    reason: why it is signed, shown by PDF readers (e.g. "Ban hành văn bản").
    location: where it is signed (the place of the date line).
    """

    field_name: str = "Signature1"
    reason: str | None = None
    location: str | None = None


def sign_pdf(pdf: bytes, key: KeyMaterial, request: SignatureRequest | None = None) -> bytes:
    """Sign ``pdf`` with ``key``: PAdES baseline B-B, SHA-256, an incremental update. Returns the signed PDF."""
    request = request or SignatureRequest()
    meta = signers.PdfSignatureMetadata(
        field_name=request.field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=request.reason,
        location=request.location,
        name=key.subject_common_name,
    )
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
        out = signers.sign_pdf(writer, meta, signer=key.signer, bytes_reserved=DEFAULT_RESERVED_BYTES)
    except (PdfError, ValueError) as exc:
        raise SigningError(f"cannot sign this PDF: {exc}") from exc
    return bytes(out.getbuffer())
