"""RFC 3161 time-stamping: a TSA over HTTP, or the demo PKI's own time-stamping authority in process."""

from __future__ import annotations

from pathlib import Path

from asn1crypto import keys as asn1_keys
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from pyhanko.sign.timestamps import DummyTimeStamper, HTTPTimeStamper, TimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

from signing.keys import read_pkcs12, to_asn1


def http_tsa(url: str, timeout: float = 10) -> TimeStamper:
    """A time-stamping authority reached over HTTP (RFC 3161)."""
    return HTTPTimeStamper(url, timeout=int(timeout))


def local_tsa(p12: Path, password: str) -> TimeStamper:
    """The demo PKI's TSA answering in process: real RFC 3161 tokens, signed by the DEMO TSA certificate."""
    key, cert, chain = read_pkcs12(p12, password)
    der = key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
    return DummyTimeStamper(
        tsa_cert=to_asn1(cert),
        tsa_key=asn1_keys.PrivateKeyInfo.load(der),
        certs_to_embed=SimpleCertificateStore.from_certs([to_asn1(c) for c in chain]),
    )
