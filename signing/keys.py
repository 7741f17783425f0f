"""Signing keys. One ``KeyMaterial`` per key, loaded once and reused for every document it signs."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from asn1crypto import cms
from asn1crypto import core as asn1_core
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, pkcs12
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from signing import der
from signing.errors import CertificateRefused, KeyLoadError


@dataclass(frozen=True)
class KeyMaterial:
    """A loaded signing key.

    signer: the pyHanko signer holding the private key and its chain.
    certificate: the signer's certificate, for names shown to people.
    """

    signer: signers.Signer
    certificate: x509.Certificate

    @property
    def subject_common_name(self) -> str:
        return common_name(self.certificate)

    @property
    def organisation(self) -> str:
        names = self.certificate.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)
        return str(names[0].value) if names else ""


def common_name(cert: x509.Certificate) -> str:
    """The subject's common name (the person's name on a signer's certificate), or the whole subject."""
    names = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(names[0].value) if names else cert.subject.rfc4514_string()


def check_certificate(cert: x509.Certificate, at: datetime | None = None) -> None:
    """Refuse a certificate that may not make a signature the decree accepts."""
    now = at or datetime.now(UTC)
    name = cert.subject.rfc4514_string()
    if now < cert.not_valid_before_utc:
        raise CertificateRefused(f"certificate of {name} is not valid before {cert.not_valid_before_utc}")
    if now > cert.not_valid_after_utc:
        raise CertificateRefused(f"certificate of {name} expired on {cert.not_valid_after_utc}")
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < 2048:
        raise CertificateRefused(f"RSA key of {name} has {key.key_size} bits, fewer than 2048")
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.key_size < 256:
        raise CertificateRefused(f"EC key of {name} has {key.curve.key_size} bits, fewer than 256")
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return
    if not (usage.digital_signature or usage.content_commitment):
        raise CertificateRefused(f"certificate of {name} allows neither digitalSignature nor nonRepudiation")


def same_key(cert: x509.Certificate, other: x509.Certificate) -> bool:
    """Whether two certificates certify the same public key (a renewed certificate of one key counts as the same)."""
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    return cert.public_key().public_bytes(Encoding.DER, spki) == other.public_key().public_bytes(Encoding.DER, spki)


def check_same_key(cert: x509.Certificate, expected: x509.Certificate) -> None:
    """Refuse ``cert`` unless it holds the key of ``expected`` (the certificate recorded for the signer)."""
    if not same_key(cert, expected):
        raise CertificateRefused(
            f"certificate of {cert.subject.rfc4514_string()} is not the one recorded for this signer "
            f"({expected.subject.rfc4514_string()})"
        )


def read_pkcs12(
    path: Path, password: str
) -> tuple[rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, x509.Certificate, list[x509.Certificate]]:
    """The key, certificate and chain of a PKCS#12 file; the password is used here and not kept."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KeyLoadError(f"cannot read key file {path}: {exc.strerror}") from None
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, password.encode())
    except ValueError:
        raise KeyLoadError(f"cannot open key file {path}: wrong password or damaged file") from None
    if key is None or cert is None:
        raise KeyLoadError(f"key file {path} holds no private key and certificate")
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise KeyLoadError(f"key file {path} holds a {type(key).__name__}; RSA or ECDSA is needed")
    return key, cert, list(extra or [])


def load_pkcs12(path: Path, password: str) -> KeyMaterial:
    """Load a PKCS#12 file once, for any number of signatures; the password is used here and not kept."""
    key, cert, chain = read_pkcs12(path, password)
    check_certificate(cert)
    registry = SimpleCertificateStore.from_certs([to_asn1(c) for c in chain])
    return KeyMaterial(signer=LoadedKeySigner(key, to_asn1(cert), registry), certificate=cert)


def to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


_TIMESTAMP_TOKEN_OID = asn1_core.ObjectIdentifier("1.2.840.113549.1.9.16.2.14").dump()  # id-aa-timeStampToken


@dataclass(frozen=True)
class _CmsTemplate:
    """One key's PAdES CMS: content type, SignedData's fields before signerInfos (version, digest algorithms,
    encapsulated content, certificates), the SignerInfo's content, its signed attributes as signed, and the probe
    digest and signature value to replace."""

    content_type: bytes
    signed_data_head: bytes
    signer_info: bytes
    attrs: bytes
    probe: bytes
    value: bytes

    def content_info(self, signer_info: bytes) -> bytes:
        signed_data = der.wrap(0x30, self.signed_data_head + der.wrap(0x31, der.wrap(0x30, signer_info)))
        return der.wrap(0x30, self.content_type + der.wrap(0xA0, signed_data))


_CONSTANT_PADES_ATTRIBUTES = {"content_type", "message_digest", "signing_certificate_v2", "cms_algorithm_protection"}


class LoadedKeySigner(signers.SimpleSigner):
    """A pyHanko ``SimpleSigner`` that keeps the parsed private key.

    pyHanko's ``SimpleSigner`` parses the key again for every raw signature (twice per document, counting its
    size-estimating dry run); this one parses it once, when the key is loaded.
    """

    def __init__(
        self,
        key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
        cert: asn1_x509.Certificate,
        registry: SimpleCertificateStore,
    ) -> None:
        der = key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
        super().__init__(signing_cert=cert, signing_key=asn1_keys.PrivateKeyInfo.load(der), cert_registry=registry)
        self._key = key
        self._template: _CmsTemplate | bool | None = None

    async def async_sign(
        self,
        data_digest: bytes,
        digest_algorithm: str,
        dry_run: bool = False,
        use_pades: bool = False,
        timestamper: Any = None,
        signed_attr_settings: Any = None,
        is_pdf_sig: bool = True,
        encap_content_info: Any = None,
    ) -> cms.ContentInfo:
        """PAdES CMS from a template when possible (see ``_fast_cms``), pyHanko's general path otherwise."""
        simple = (
            use_pades
            and not dry_run
            and is_pdf_sig
            and encap_content_info is None
            and digest_algorithm == "sha256"
            and isinstance(self._key, rsa.RSAPrivateKey)
            and len(data_digest) == 32
        )
        extra = signed_attr_settings is not None and (
            getattr(signed_attr_settings, "cades_signed_attrs", None)
            or getattr(signed_attr_settings, "adobe_revinfo_attr", None)
        )
        if simple and not extra:
            fast = await self._fast_cms(data_digest, signed_attr_settings, timestamper)
            if fast is not None:
                return fast
        return await super().async_sign(
            data_digest,
            digest_algorithm,
            dry_run=dry_run,
            use_pades=use_pades,
            timestamper=timestamper,
            signed_attr_settings=signed_attr_settings,
            is_pdf_sig=is_pdf_sig,
            encap_content_info=encap_content_info,
        )

    async def _fast_cms(self, data_digest: bytes, settings: Any, timestamper: Any) -> cms.ContentInfo | None:
        """With one key, every PAdES signature's CMS is the same bytes but for the document digest and the
        signature value, both of fixed length, and (B-T and up) the signature timestamp token, an unsigned attribute
        at its very end. pyHanko builds the first one (its asn1crypto assembly costs ~9 ms a document); the following
        ones are that template with the values put in and the enclosing lengths recomputed.

        Used only when the signed attributes are the constant PAdES set (content type, message digest, signing
        certificate v2, algorithm protection); anything else (a signing time, revocation attributes...) takes the
        general path.
        """
        if self._template is None:
            self._template = await self._make_template(settings)
        if not isinstance(self._template, _CmsTemplate):
            return None
        t = self._template
        assert isinstance(self._key, rsa.RSAPrivateKey)
        signature = self._key.sign(t.attrs.replace(t.probe, data_digest), padding.PKCS1v15(), hashes.SHA256())
        if len(signature) != len(t.value):
            return None
        signer_info = t.signer_info.replace(t.probe, data_digest).replace(t.value, signature)
        if timestamper is not None:
            token = await timestamper.async_timestamp(hashlib.sha256(signature).digest(), "sha256")
            attribute = der.wrap(0x30, _TIMESTAMP_TOKEN_OID + der.wrap(0x31, token.dump()))
            signer_info += der.wrap(0xA1, attribute)  # unsignedAttrs [1] IMPLICIT SET OF Attribute
        return cms.ContentInfo.load(t.content_info(signer_info))

    async def _make_template(self, settings: Any) -> _CmsTemplate | bool:
        probe = os.urandom(32)
        info = await super().async_sign(probe, "sha256", use_pades=True, signed_attr_settings=settings)
        signed_data = info["content"]
        signer_info = signed_data["signer_infos"][0]
        kinds = {a["type"].native for a in signer_info["signed_attrs"]}
        if not kinds <= _CONSTANT_PADES_ATTRIBUTES or len(signed_data["signer_infos"]) != 1:
            return False
        attrs = signer_info["signed_attrs"].untag().dump(force=True)
        value = signer_info["signature"].native
        body = der.content_of(signer_info.dump())
        head = b"".join(signed_data[name].dump() for name, _, _ in signed_data._fields[:-1] if name in signed_data)
        template = _CmsTemplate(info["content_type"].dump(), head, body, attrs, probe, value)
        if template.content_info(body) != info.dump() or body.count(probe) != 1 or body.count(value) != 1:
            return False
        return template if attrs.count(probe) == 1 else False

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        hash_algo = get_pyca_cryptography_hash(digest_algorithm)
        if isinstance(self._key, rsa.RSAPrivateKey):
            return self._key.sign(data, padding.PKCS1v15(), hash_algo)
        return self._key.sign(data, ec.ECDSA(hash_algo))
