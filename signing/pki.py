"""A demo (and test) PKI: a root CA, an organisation certificate and a leader certificate, all marked DEMO.

Made with cryptography; the files are what a real deployment would be given by a CA:
``ca.pem`` (trust anchor), ``org.p12`` and ``leader.p12`` (key + certificate + chain, password-protected).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

DEMO = "DEMO - KHÔNG CÓ GIÁ TRỊ PHÁP LÝ"


@dataclass(frozen=True)
class DemoPki:
    """Where the demo PKI's files are."""

    directory: Path

    @property
    def ca_cert(self) -> Path:
        return self.directory / "ca.pem"

    @property
    def org_p12(self) -> Path:
        return self.directory / "org.p12"

    @property
    def leader_p12(self) -> Path:
        return self.directory / "leader.p12"


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, DEMO),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _issue(
    subject: x509.Name,
    key: rsa.RSAPrivateKey,
    issuer: x509.Name,
    issuer_key: rsa.RSAPrivateKey,
    *,
    ca: bool,
    days: int,
) -> x509.Certificate:
    now = datetime.now(UTC) - timedelta(minutes=5)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    )
    if ca:
        usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
    else:
        usage = x509.KeyUsage(True, True, False, False, False, False, False, False, False)
    return builder.add_extension(usage, critical=True).sign(issuer_key, hashes.SHA256())


def make_demo_pki(directory: Path, password: str, organisation: str = "Trường Chính trị tỉnh (DEMO)") -> DemoPki:
    """Create the demo PKI in ``directory`` unless it is already there. Returns where its files are."""
    pki = DemoPki(directory)
    if pki.ca_cert.exists() and pki.org_p12.exists() and pki.leader_p12.exists():
        return pki
    directory.mkdir(parents=True, exist_ok=True)
    ca_key = _key()
    ca_name = _name("vanban DEMO Root CA", "vanban DEMO")
    ca_cert = _issue(ca_name, ca_key, ca_name, ca_key, ca=True, days=3650)
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(50_000)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(password.encode())
    )
    for filename, common_name in (("org.p12", organisation), ("leader.p12", "Nguyễn Văn An (DEMO)")):
        key = _key()
        cert = _issue(_name(common_name, organisation), key, ca_name, ca_key, ca=False, days=730)
        blob = pkcs12.serialize_key_and_certificates(common_name.encode(), key, cert, [ca_cert], encryption)
        _write_private(directory / filename, blob)
    _write_private(directory / "ca.pem", ca_cert.public_bytes(serialization.Encoding.PEM))
    return pki


def _write_private(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)
