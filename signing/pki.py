"""A demo (and test) PKI, every name marked DEMO: a root CA, a time-stamping authority, an organisation and a leader
certificate, the CA's CRL, and the signature and seal pictures the decree's appearance asks for.

Made with cryptography; the files are what a deployment would get from a CA:
``ca.pem`` (trust anchor), ``ca.crl`` (revocation list), ``org.p12``, ``leader.p12``, ``tsa.p12`` (key +
certificate + chain, password-protected), ``signature.png`` (blue) and ``seal.png`` (red), both transparent.
``ca-key.pem`` stays beside them so the demo CA can revoke and reissue its CRL.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEMO = "DEMO - KHÔNG CÓ GIÁ TRỊ PHÁP LÝ"
ORGANISATION = "Trường Chính trị tỉnh (DEMO)"
LEADER = "Nguyễn Văn An (DEMO)"
PARTNER = "Tỉnh đoàn (DEMO)"
PARTNER_LEADER = "Phạm Thị Lan (DEMO)"
CRL_URL = "http://127.0.0.1/vanban-demo/ca.crl"  # never fetched: the CRL file is handed to the validator


class _File:
    """A file of the demo PKI's directory, named once."""

    def __init__(self, filename: str) -> None:
        self.filename = filename

    def __get__(self, pki: DemoPki, owner: type[DemoPki]) -> Path:
        return pki.directory / self.filename


@dataclass(frozen=True)
class DemoPki:
    """Where the demo PKI's files are."""

    directory: Path

    ca_cert = _File("ca.pem")
    ca_key = _File("ca-key.pem")
    crl = _File("ca.crl")
    org_p12 = _File("org.p12")
    leader_p12 = _File("leader.p12")
    partner_p12 = _File("partner.p12")  # a partner body's leader (the other party of a joint document)
    tsa_p12 = _File("tsa.p12")
    signature_image = _File("signature.png")
    seal_image = _File("seal.png")


def name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, DEMO),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


SigningKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


SIGNING_USAGE = x509.KeyUsage(True, True, False, False, False, False, False, False, False)
CA_USAGE = x509.KeyUsage(False, False, False, False, False, True, True, False, False)


def issue(
    subject: x509.Name,
    key: SigningKey,
    issuer: x509.Name,
    issuer_key: SigningKey,
    *,
    ca: bool = False,
    days: int = 730,
    not_before: datetime | None = None,
    usage: x509.KeyUsage | None = None,
    time_stamping: bool = False,
) -> x509.Certificate:
    start = not_before or datetime.now(UTC) - timedelta(minutes=5)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
        .add_extension(usage or (CA_USAGE if ca else SIGNING_USAGE), critical=True)
    )
    if not ca:  # revocation checkers only look for revocation of certificates that say where to find it
        point = x509.DistributionPoint([x509.UniformResourceIdentifier(CRL_URL)], None, None, None)
        builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
    if time_stamping:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


def pkcs12_blob(
    friendly: str, key: SigningKey, cert: x509.Certificate, chain: list[x509.Certificate], password: str
) -> bytes:
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(50_000)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(password.encode())
    )
    return pkcs12.serialize_key_and_certificates(friendly.encode(), key, cert, chain, encryption)


def make_demo_pki(directory: Path, password: str, organisation: str = ORGANISATION) -> DemoPki:
    """Create the demo PKI in ``directory`` unless it is already there. Returns where its files are."""
    pki = DemoPki(directory)
    wanted = (
        pki.ca_cert,
        pki.ca_key,
        pki.crl,
        pki.org_p12,
        pki.leader_p12,
        pki.tsa_p12,
        pki.signature_image,
        pki.seal_image,
    )
    if all(p.exists() for p in wanted):
        if not pki.partner_p12.exists():  # a PKI made before partners existed: add theirs, from the same CA
            ca_cert, ca_key = load_ca(pki)
            _person(pki.partner_p12, PARTNER_LEADER, PARTNER, ca_cert, ca_key, password)
        return pki
    directory.mkdir(parents=True, exist_ok=True)
    ca_key = new_key()
    ca_name = name("vanban DEMO Root CA", "vanban DEMO")
    ca_cert = issue(ca_name, ca_key, ca_name, ca_key, ca=True, days=3650)
    _write(
        pki.ca_key,
        ca_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )
    _write(pki.ca_cert, ca_cert.public_bytes(serialization.Encoding.PEM))
    people = (
        (pki.org_p12, organisation, False),
        (pki.leader_p12, LEADER, False),
        (pki.tsa_p12, "vanban DEMO Time-Stamping Authority", True),
    )
    for path, common_name, tsa in people:
        key = new_key()
        cert = issue(name(common_name, organisation), key, ca_name, ca_key, time_stamping=tsa)
        _write(path, pkcs12_blob(common_name, key, cert, [ca_cert], password))
    _person(pki.partner_p12, PARTNER_LEADER, PARTNER, ca_cert, ca_key, password)
    write_crl(pki, revoked=[])
    _draw_signature(pki.signature_image)
    _draw_seal(pki.seal_image, organisation)
    return pki


def _person(
    path: Path, common_name: str, organisation: str, ca_cert: x509.Certificate, ca_key: rsa.RSAPrivateKey, password: str
) -> None:
    key = new_key()
    cert = issue(name(common_name, organisation), key, ca_cert.subject, ca_key)
    _write(path, pkcs12_blob(common_name, key, cert, [ca_cert], password))


def load_ca(pki: DemoPki) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    cert = x509.load_pem_x509_certificate(pki.ca_cert.read_bytes())
    key = serialization.load_pem_private_key(pki.ca_key.read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return cert, key


def write_crl(pki: DemoPki, revoked: list[x509.Certificate], days: int = 30) -> None:
    """(Re)issue the CA's CRL listing ``revoked`` (and everything it listed before)."""
    ca_cert, ca_key = load_ca(pki)
    now = datetime.now(UTC) - timedelta(minutes=5)
    serials = {c.serial_number for c in revoked}
    if pki.crl.exists():
        serials |= {r.serial_number for r in x509.load_der_x509_crl(pki.crl.read_bytes())}
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(now)
        .next_update(now + timedelta(days=days))
        .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
    )
    for serial in sorted(serials):
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(now).build()
        )
    _write(pki.crl, builder.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER))


def _draw_signature(path: Path) -> None:
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (600, 240), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    points = [(40 + t * 5.2, 130 + 55 * math.sin(t / 7.0) * math.exp(-t / 160)) for t in range(100)]
    draw.line(points, fill=(20, 40, 170, 255), width=9, joint="curve")
    draw.line([(90, 190), (520, 150)], fill=(20, 40, 170, 255), width=6)
    img.save(path)


def _draw_seal(path: Path, organisation: str) -> None:
    from PIL import Image, ImageDraw

    size = 480
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    red = (210, 20, 30, 230)
    draw.ellipse((8, 8, size - 8, size - 8), outline=red, width=16)
    draw.ellipse((70, 70, size - 70, size - 70), outline=red, width=6)
    draw.regular_polygon((size / 2, size / 2, 70), 5, rotation=90, fill=red)
    draw.text((size / 2, size - 120), "DEMO", fill=red, anchor="mm", font_size=48)
    img.save(path)


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)
