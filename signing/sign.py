"""Applying PAdES signatures to a PDF, each as an incremental update.

Levels (ETSI EN 319 142-1 baseline): B-B (signature, SHA-256), B-T (+ RFC 3161 signature timestamp),
B-LT (+ certificates and CRLs in the DSS), B-LTA (+ a document timestamp over all of it).
"""

from __future__ import annotations

import asyncio
import zlib
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from io import BytesIO

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from PIL import Image
from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator import CertificateValidator
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError

from signing.errors import CertificateRefused, SigningError
from signing.keys import KeyMaterial
from signing.trust import Trust


class Level(StrEnum):
    B_B = "B-B"
    B_T = "B-T"
    B_LT = "B-LT"
    B_LTA = "B-LTA"

    @property
    def reserved_bytes(self) -> int:
        """The room kept in the PDF for the signature. A PAdES CMS with a 2-certificate chain and RSA-2048 fits in
        8 KiB, with a timestamp token (every level above B-B) in 16 KiB, written as hex, so twice that. Reserving
        it up front skips pyHanko's size-estimating dry run, a second signature per document."""
        return 16_384 if self is Level.B_B else 32_768


@dataclass(frozen=True)
class Box:
    """A rectangle on a page, in PDF points (origin bottom left)."""

    page: int
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True)
class SignatureRequest:
    """What one signature is.

    field_name: the PDF signature field to create or fill.
    reason, location: shown by PDF readers (location: the place of the date line).
    level: PAdES baseline level.
    certify: a certification signature with DocMDP level 2: later form filling and signatures stay allowed, any
        other change breaks it (the leader's signature, before the clerk fills number and date).
    box: where the signature shows; ``None`` for an invisible signature.
    image: PNG shown in ``box`` (the leader's signature, or the seal).
    """

    field_name: str = "Signature1"
    reason: str | None = None
    location: str | None = None
    level: Level = Level.B_B
    certify: bool = False
    box: Box | None = None
    image: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class SigningContext:
    """What many signatures share: a time-stamping authority (B-T and up) and trust with revocation data (B-LT and up,
    and the revocation check of every signer)."""

    timestamper: TimeStamper | None = None
    trust: Trust | None = None
    _validation_data: dict[bytes, list[asn1_x509.Certificate]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def validation_certificates(self, key: KeyMaterial) -> list[asn1_x509.Certificate]:
        """The certificates a B-LT signature by ``key`` carries in the DSS: the signer's path to a trust root and
        the TSA's certificates. Computed once per key (the path is validated against the trust roots and CRLs then);
        the CRLs themselves are ``trust.crls``."""
        signer = key.signer
        assert signer.signing_cert is not None and self.trust is not None and self.timestamper is not None
        known = self._validation_data.get(signer.signing_cert.sha256)
        if known is not None:
            return known
        validator = CertificateValidator(
            signer.signing_cert,
            intermediate_certs=list(signer.cert_registry),
            validation_context=self.trust.shared_validation_context,
        )
        try:
            path = asyncio.run(validator.async_validate_path())
        except (PathBuildingError, PathValidationError) as exc:
            raise CertificateRefused(f"the signer's certificate does not validate: {exc}") from exc
        token = asyncio.run(self.timestamper.async_timestamp(bytes(32), "sha256"))
        certs = {c.sha256: c for c in path}
        certs |= {c.chosen.sha256: c.chosen for c in token["content"]["certificates"]}
        self._validation_data[signer.signing_cert.sha256] = list(certs.values())
        return self._validation_data[signer.signing_cert.sha256]


def check_request(key: KeyMaterial, level: Level, context: SigningContext) -> None:
    """Refuse a signature at ``level`` that ``context`` cannot make, or by a revoked ``key``."""
    if level != Level.B_B and context.timestamper is None:
        raise SigningError(f"PAdES {level} needs a time-stamping authority")
    long_term = level in (Level.B_LT, Level.B_LTA)
    if long_term and (context.trust is None or not context.trust.crls):
        raise SigningError(f"PAdES {level} needs trust roots and revocation data (CRLs)")
    if context.trust is not None:
        context.trust.check_not_revoked(key.certificate)


def signature_metadata(
    key: KeyMaterial, request: SignatureRequest, context: SigningContext
) -> signers.PdfSignatureMetadata:
    """pyHanko's description of the signature ``request`` asks for; refuses what the level cannot have."""
    level = Level(request.level)
    check_request(key, level, context)
    from pyhanko.sign.fields import MDPPerm

    return signers.PdfSignatureMetadata(
        field_name=request.field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=request.reason,
        location=request.location,
        name=key.subject_common_name,
        certify=request.certify,
        docmdp_permissions=MDPPerm.FILL_FORMS,
        embed_validation_info=level == Level.B_LTA,  # B-LT: the DSS goes in with the signature (see sign_pdf)
        use_pades_lta=level == Level.B_LTA,
        # B-LT validates the signer once per key (SigningContext.validation_certificates), not per document
        validation_context=context.trust.shared_validation_context if level == Level.B_LTA and context.trust else None,
    )


@dataclass(frozen=True)
class DeflatedImage:
    """A transparent PNG as a PDF image's two streams, compressed once: its RGB pixels and its alpha channel."""

    width: int
    height: int
    rgb: bytes = field(repr=False)
    alpha: bytes = field(repr=False)

    def drawing(self, width: float, height: float, name: str) -> bytes:
        """Content-stream operators painting the image ``name`` centred in a ``width`` x ``height`` box, as large
        as it fits without changing its proportions."""
        scale = min(width / self.width, height / self.height)
        w, h = self.width * scale, self.height * scale
        return f"q {w:.3f} 0 0 {h:.3f} {(width - w) / 2:.3f} {(height - h) / 2:.3f} cm /{name} Do Q".encode()


@lru_cache(maxsize=8)
def deflated_image(png: bytes) -> DeflatedImage:
    image = Image.open(BytesIO(png)).convert("RGBA")
    rgb, alpha = image.convert("RGB").tobytes(), image.getchannel("A").tobytes()
    return DeflatedImage(image.width, image.height, zlib.compress(rgb), zlib.compress(alpha))


class EncodedImage(PdfImage):
    """A transparent PNG as a PDF image, its pixels compressed once and reused in every PDF it goes into
    (pyHanko's PdfImage compresses them again for each file)."""

    def __init__(self, png: bytes) -> None:
        super().__init__(Image.open(BytesIO(png)).convert("RGBA"))
        deflated = deflated_image(png)
        self._rgb, self._alpha = deflated.rgb, deflated.alpha
        self._ref: generic.IndirectObject | None = None

    def _stream(self, data: bytes, colour_space: str, smask: generic.IndirectObject | None) -> generic.StreamObject:
        entries = {
            pdf_name("/Type"): pdf_name("/XObject"),
            pdf_name("/Subtype"): pdf_name("/Image"),
            pdf_name("/Width"): generic.NumberObject(self.image.width),
            pdf_name("/Height"): generic.NumberObject(self.image.height),
            pdf_name("/ColorSpace"): pdf_name(colour_space),
            pdf_name("/BitsPerComponent"): generic.NumberObject(8),
            pdf_name("/Filter"): pdf_name("/FlateDecode"),
        }
        if smask is not None:
            entries[pdf_name("/SMask")] = smask
        return generic.StreamObject(generic.DictionaryObject(entries), encoded_data=data)

    @property
    def image_ref(self) -> generic.IndirectObject:
        assert self.writer is not None
        if self._ref is None or self._ref.get_pdf_handler() is not self.writer:
            smask = self.writer.add_object(self._stream(self._alpha, "/DeviceGray", None))
            self._ref = self.writer.add_object(self._stream(self._rgb, "/DeviceRGB", smask))
        return self._ref


@lru_cache(maxsize=8)
def _image_style(png: bytes) -> StaticStampStyle:
    return StaticStampStyle(
        background=EncodedImage(png),
        background_opacity=1.0,
        border_width=0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(0),
        ),
    )


def pdf_signer(key: KeyMaterial, request: SignatureRequest, context: SigningContext) -> signers.PdfSigner:
    meta = signature_metadata(key, request, context)
    field_spec = None
    if request.box is not None:  # a new field; an existing one keeps its place
        b = request.box
        field_spec = fields.SigFieldSpec(
            request.field_name, on_page=b.page, box=(round(b.x1), round(b.y1), round(b.x2), round(b.y2))
        )
    style = _image_style(request.image) if request.image is not None else None
    return signers.PdfSigner(
        meta,
        key.signer,
        timestamper=context.timestamper if request.level != Level.B_B else None,
        stamp_style=style,
        new_field_spec=field_spec,
    )


def sign_pdf(
    pdf: bytes, key: KeyMaterial, request: SignatureRequest | None = None, context: SigningContext | None = None
) -> bytes:
    """Sign ``pdf`` with ``key`` as ``request`` asks; returns the signed PDF (the input plus an incremental update)."""
    request = request or SignatureRequest()
    context = context or SigningContext()
    signer = pdf_signer(key, request, context)
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
        if request.level == Level.B_LT and context.trust is not None:
            # The validation data of the signer and the TSA is known before signing and the same for every document
            # this key signs: it goes into the DSS of the signature's own revision, one incremental update, instead
            # of a second revision validated and written after each signature (pyHanko's way, ~3x the cost).
            DocumentSecurityStore.supply_dss_in_writer(
                writer,
                None,
                certs=context.validation_certificates(key),
                crls=[asn1_crl.CertificateList.load(c) for c in context.trust.crls],
            )
        out = signer.sign_pdf(writer, bytes_reserved=Level(request.level).reserved_bytes)
    except (PathBuildingError, PathValidationError) as exc:
        raise CertificateRefused(f"the signer's certificate does not validate: {exc}") from exc
    except (PdfError, PyHankoSigningError, ValueError) as exc:
        raise SigningError(f"cannot sign this PDF: {exc}") from exc
    return bytes(out.getbuffer())
