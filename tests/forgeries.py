"""Certificates an attacker could send in place of a signer's: a self-signed one named "Kẻ Giả Mạo", one from
another CA with the leader's name, and one from the right CA that was revoked. Each with its private key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from signing.pki import LEADER, ORGANISATION, DemoPki, issue, load_ca, name, new_key, write_crl

FORGER = "Kẻ Giả Mạo"
Forged = tuple[rsa.RSAPrivateKey, x509.Certificate, list[x509.Certificate]]


def self_signed(common_name: str = FORGER) -> Forged:
    key = new_key()
    subject = name(common_name, ORGANISATION)
    return key, issue(subject, key, subject, key), []


def from_another_ca(common_name: str = LEADER) -> Forged:
    """A certificate with the leader's very name, from a CA nobody trusts (its chain sent along)."""
    ca_key = new_key()
    ca_name = name("Another Root CA", "Somewhere else")
    ca_cert = issue(ca_name, ca_key, ca_name, ca_key, ca=True)
    key = new_key()
    return key, issue(name(common_name, ORGANISATION), key, ca_name, ca_key), [ca_cert]


def issued_by(pki: DemoPki, common_name: str, *, revoked: bool = False) -> Forged:
    """A certificate from the PKI's own CA; ``revoked``: the CA's CRL (in the PKI folder) lists it."""
    ca_cert, ca_key = load_ca(pki)
    key = new_key()
    start = datetime.now(UTC) - timedelta(minutes=5)
    cert = issue(name(common_name, ORGANISATION), key, ca_cert.subject, ca_key, not_before=start)
    if revoked:
        write_crl(pki, revoked=[cert])
    return key, cert, [ca_cert]


def pem(cert: x509.Certificate, chain: list[x509.Certificate] | None = None) -> str:
    return "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in [cert, *(chain or [])])


def sign_digest(key: rsa.RSAPrivateKey, digest: bytes) -> bytes:
    from cryptography.hazmat.primitives.asymmetric import padding, utils

    return key.sign(digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
