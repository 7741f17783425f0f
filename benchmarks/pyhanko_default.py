"""The baseline the benchmarks measure against: pyHanko's default PAdES signing, one ``signers.sign_pdf`` call per
document (no reserved signature size, so a size-estimating dry run before each signature)."""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from pathlib import Path

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers


def default_signer(p12: Path, password: str) -> Callable[[bytes], None]:
    """pyHanko's ``SimpleSigner`` with the key and certificate of ``p12`` loaded once; the function it gives signs
    the organisation's field (``ToChuc``) of a PDF, B-B with SHA-256, and drops the result."""
    signer = signers.SimpleSigner.load_pkcs12(str(p12), passphrase=password.encode())
    assert signer is not None
    meta = signers.PdfSignatureMetadata(
        field_name="ToChuc", md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES
    )

    def sign(pdf: bytes) -> None:
        signers.sign_pdf(IncrementalPdfFileWriter(BytesIO(pdf)), meta, signer=signer)

    return sign
