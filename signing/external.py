"""Two-step signing, for keys the service never holds: a USB token behind a browser plugin, a phone app of a
remote-signing CA, or a Cloud Signature Consortium service.

``prepare`` reserves the signature in the PDF and returns the digest to sign (SHA-256 of the CMS signed
attributes) with the state needed to finish; ``complete`` takes the raw signature value (or a whole CMS
SignedData) and embeds it. The state is plain bytes and text, so it can wait in a database between the two steps.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from dataclasses import dataclass
from io import BytesIO

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import signers
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko_certvalidator.registry import SimpleCertificateStore

from signing.errors import SigningError
from signing.keys import KeyMaterial, check_certificate, to_asn1
from signing.sign import Level, SignatureRequest, SigningContext, pdf_signer


@dataclass(frozen=True)
class PreparedSignature:
    """A PDF waiting for its signature value.

    digest: SHA-256 of ``signed_attributes``: what a hash-signing key signs.
    signed_attributes: DER of the CMS signed attributes (what a key that hashes itself signs).
    """

    pdf: bytes
    document_digest: bytes
    reserved_start: int
    reserved_end: int
    signed_attributes: bytes
    certificate: bytes
    chain: tuple[bytes, ...]

    @property
    def digest(self) -> bytes:
        return hashlib.sha256(self.signed_attributes).digest()

    def to_json(self) -> str:
        b64 = base64.b64encode
        return json.dumps(
            {
                "pdf": b64(self.pdf).decode(),
                "document_digest": b64(self.document_digest).decode(),
                "reserved": [self.reserved_start, self.reserved_end],
                "signed_attributes": b64(self.signed_attributes).decode(),
                "certificate": b64(self.certificate).decode(),
                "chain": [b64(c).decode() for c in self.chain],
            }
        )

    @classmethod
    def from_json(cls, text: str) -> PreparedSignature:
        d = json.loads(text)
        unb64 = base64.b64decode
        return cls(
            pdf=unb64(d["pdf"]),
            document_digest=unb64(d["document_digest"]),
            reserved_start=int(d["reserved"][0]),
            reserved_end=int(d["reserved"][1]),
            signed_attributes=unb64(d["signed_attributes"]),
            certificate=unb64(d["certificate"]),
            chain=tuple(unb64(c) for c in d["chain"]),
        )


def _external_signer(cert: bytes, chain: tuple[bytes, ...], value: bytes | None = None) -> signers.ExternalSigner:
    registry = SimpleCertificateStore.from_certs([asn1_x509.Certificate.load(c) for c in chain])
    return signers.ExternalSigner(
        signing_cert=asn1_x509.Certificate.load(cert), cert_registry=registry, signature_value=value or 512
    )


def prepare(
    pdf: bytes,
    certificate: x509.Certificate,
    chain: list[x509.Certificate],
    request: SignatureRequest,
    context: SigningContext | None = None,
) -> PreparedSignature:
    """Reserve the signature and compute what must be signed. Levels B-B and B-T (the timestamp is added at
    completion); B-LT and B-LTA are reached by extending the completed PDF."""
    if request.level not in (Level.B_B, Level.B_T):
        raise SigningError("two-step signing makes B-B or B-T; extend the result for B-LT or B-LTA")
    check_certificate(certificate)
    context = context or SigningContext()
    if context.trust is not None:  # a signer's own certificate: it must chain to a trusted root, unrevoked
        context.trust.check_chain(certificate, chain)
    cert_der = to_asn1(certificate).dump()
    chain_der = tuple(to_asn1(c).dump() for c in chain)
    ext = _external_signer(cert_der, chain_der)
    key = KeyMaterial(signer=ext, certificate=certificate)
    bare = SignatureRequest(
        request.field_name, request.reason, request.location, Level.B_B, request.certify, request.box, request.image
    )
    signer = pdf_signer(key, bare, SigningContext(trust=context.trust))

    async def run() -> tuple[PreparedByteRangeDigest, bytes, bytes]:
        writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
        digest, _tbs, output = await signer.async_digest_doc_for_signing(
            writer, bytes_reserved=Level(request.level).reserved_bytes
        )
        attrs = await ext.signed_attrs(digest.document_digest, "sha256", use_pades=True)
        output.seek(0)
        return digest, output.read(), attrs.dump()

    try:
        digest, output, attrs = asyncio.run(run())
    except (PdfError, ValueError) as exc:
        raise SigningError(f"cannot prepare this PDF for signing: {exc}") from exc
    return PreparedSignature(
        pdf=output,
        document_digest=digest.document_digest,
        reserved_start=digest.reserved_region_start,
        reserved_end=digest.reserved_region_end,
        signed_attributes=attrs,
        certificate=cert_der,
        chain=chain_der,
    )


def complete(prepared: PreparedSignature, signature: bytes, context: SigningContext | None = None) -> bytes:
    """Embed ``signature``: the raw signature value over the signed attributes, or a CMS SignedData made over
    the same digest. Returns the signed PDF. The certificate is checked again (it may have been revoked or
    expired since ``prepare``)."""
    context = context or SigningContext()
    certificate = x509.load_der_x509_certificate(prepared.certificate)
    check_certificate(certificate)
    if context.trust is not None:
        context.trust.check_chain(certificate, [x509.load_der_x509_certificate(c) for c in prepared.chain])
    signed_data = _as_cms(signature)
    if signed_data is None:
        ext = _external_signer(prepared.certificate, prepared.chain, signature)

        async def build() -> cms.ContentInfo:
            attrs = cms.CMSAttributes.load(prepared.signed_attributes)
            return await ext.async_sign_prescribed_attributes(
                "sha256", signed_attrs=attrs, timestamper=context.timestamper
            )

        signed_data = asyncio.run(build())
    _check(prepared, signed_data)
    output = BytesIO(prepared.pdf)
    digest = PreparedByteRangeDigest(prepared.document_digest, prepared.reserved_start, prepared.reserved_end)
    try:
        PdfTBSDocument.finish_signing(output, digest, signed_data)
    except (PdfError, ValueError) as exc:
        raise SigningError(f"cannot embed the signature: {exc}") from exc
    return output.getvalue()


def _as_cms(data: bytes) -> cms.ContentInfo | None:
    try:
        info = cms.ContentInfo.load(data)
        if info["content_type"].native == "signed_data":
            return info
    except (ValueError, TypeError):
        pass
    return None


def _check(prepared: PreparedSignature, signed_data: cms.ContentInfo) -> None:
    """Refuse a signature that does not verify against the prepared certificate and digest."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    signer_info = signed_data["content"]["signer_infos"][0]
    attrs = signer_info["signed_attrs"].untag().dump(force=True)  # signed as a SET, not as the [0] field
    digest = next(a for a in signer_info["signed_attrs"] if a["type"].native == "message_digest")["values"][0].native
    if digest != prepared.document_digest:
        raise SigningError("the signature was made for another document (message digest differs)")
    public_key = x509.load_der_x509_certificate(prepared.certificate).public_key()
    value = signer_info["signature"].native
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(value, attrs, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(value, attrs, ec.ECDSA(hashes.SHA256()))
        else:
            raise SigningError("unsupported key type")
    except InvalidSignature:
        raise SigningError("the signature value does not verify with the signer's certificate") from None
