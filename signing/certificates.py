"""Certificates as the service handles them (chứng thư số of a signer): read from PEM or DER, named, compared and
checked, so that nothing outside ``signing`` needs ``cryptography`` to look at one.

``Certificate`` is the type a caller keeps and hands back (``open_key``'s ``expected``, ``same_key``).
"""

from __future__ import annotations

from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from signing.errors import CertificateRefused
from signing.keys import check_certificate, common_name, same_key

Certificate = x509.Certificate

__all__ = [
    "Certificate",
    "certificate_from_der",
    "check_signers_certificate",
    "common_name",
    "read_pem_certificates",
    "same_key",
    "serial_number",
    "subject",
    "to_pem",
]


def read_pem_certificates(pem: str) -> list[Certificate]:
    """The certificates of a PEM text, in order (a signer's, then its chain); none if the text holds none or is
    not PEM."""
    try:
        return x509.load_pem_x509_certificates(pem.encode())
    except ValueError:
        return []


def certificate_from_der(data: bytes) -> Certificate:
    return x509.load_der_x509_certificate(data)


def to_pem(cert: Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def subject(cert: Certificate) -> str:
    """The subject's distinguished name, RFC 4514 (``CN=Nguyễn Văn An,O=...``)."""
    return cert.subject.rfc4514_string()


def serial_number(cert: Certificate) -> str:
    return str(cert.serial_number)


def check_signers_certificate(cert: Certificate, at: datetime | None = None) -> None:
    """A person's signing certificate: not a CA's (the root chains to itself, yet signs no document), valid at
    ``at`` (now), with a key and key usage that may sign. Raises ``CertificateRefused``."""
    try:
        is_ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        is_ca = False
    if is_ca:
        raise CertificateRefused(f"certificate of {subject(cert)} is a CA certificate, not a signer's")
    check_certificate(cert, at)
