"""Signers the test CA revokes, CRLs with a chosen revocation time, and validation data added to a signed PDF
afterwards: the material of the revocation tests (in process and over the API)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.writer import PdfFileWriter
from pyhanko.sign.validation.dss import DocumentSecurityStore

from signing.keys import KeyMaterial, load_pkcs12
from signing.pki import DemoPki, issue, load_ca, name, new_key, pkcs12_blob
from tests.fakes import PKI_PASSWORD

PASSWORD = PKI_PASSWORD


def blank_pdf() -> bytes:
    """A one-page PDF with nothing on it."""
    writer = PdfFileWriter()
    page = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Page"),
            generic.NameObject("/MediaBox"): generic.ArrayObject([generic.NumberObject(n) for n in (0, 0, 595, 842)]),
        }
    )
    writer.insert_page(page)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def new_signer(pki: DemoPki, folder: Path, common_name: str) -> tuple[KeyMaterial, x509.Certificate]:
    """A signer whose certificate the CA of ``pki`` has just issued."""
    ca_cert, ca_key = load_ca(pki)
    key = new_key()
    cert = issue(name(common_name, "Test"), key, ca_cert.subject, ca_key)
    p12 = folder / f"{common_name}.p12"
    p12.write_bytes(pkcs12_blob(common_name, key, cert, [ca_cert], PASSWORD))
    return load_pkcs12(p12, PASSWORD), cert


def crl_revoking(pki: DemoPki, cert: x509.Certificate, revoked_at: datetime) -> bytes:
    """A CRL of the CA of ``pki``, issued now, that lists ``cert`` as revoked since ``revoked_at`` (DER)."""
    ca_cert, ca_key = load_ca(pki)
    now = datetime.now(UTC)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(min(now, revoked_at))
        .next_update(now + timedelta(days=30))
        .add_extension(x509.CRLNumber(int(now.timestamp() * 1000)), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(cert.serial_number).revocation_date(revoked_at).build()
        )
    )
    return builder.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def with_dss(pdf: bytes, certs: list[x509.Certificate], crls: list[bytes]) -> bytes:
    """``pdf`` with these certificates and CRLs added to its DSS, in an incremental update (as a validator that
    completes a B-T signature to B-LT would)."""
    out = BytesIO(pdf)
    DocumentSecurityStore.add_dss(
        out,
        None,
        certs=[asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in certs],
        crls=[asn1_crl.CertificateList.load(c) for c in crls],
    )
    return out.getvalue()
