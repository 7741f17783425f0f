"""RFC 3161 time-stamping: a TSA over HTTP, or the demo PKI's own time-stamping authority in process."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from asn1crypto import cms, core
from asn1crypto import keys as asn1_keys
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from pyhanko.sign import general
from pyhanko.sign.general import simple_cms_attribute
from pyhanko.sign.timestamps import DummyTimeStamper, HTTPTimeStamper, TimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from signing.errors import KeyLoadError
from signing.keys import read_pkcs12, to_asn1


def http_tsa(url: str, timeout: float = 10) -> TimeStamper:
    """A time-stamping authority reached over HTTP (RFC 3161)."""
    return HTTPTimeStamper(url, timeout=int(timeout))


class LocalTimeStampAuthority(DummyTimeStamper):
    """A TSA in process: real RFC 3161 tokens signed by the TSA key, which (unlike pyHanko's DummyTimeStamper)
    is parsed once, not for every token."""

    def __init__(self, key: rsa.RSAPrivateKey, cert: x509.Certificate, chain: list[x509.Certificate]) -> None:
        der = key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
        super().__init__(
            tsa_cert=to_asn1(cert),
            tsa_key=asn1_keys.PrivateKeyInfo.load(der),
            certs_to_embed=SimpleCertificateStore.from_certs([to_asn1(c) for c in chain]),
        )
        self._key = key

    def _sign_tst_info(self, tst_info_data: bytes, md_algorithm: str, dt: datetime) -> tuple[bytes, cms.CMSAttributes]:
        hash_algo = get_pyca_cryptography_hash(md_algorithm)
        digest = hashes.Hash(hash_algo)
        digest.update(tst_info_data)
        signed_attrs = cms.CMSAttributes(
            [
                simple_cms_attribute("content_type", "tst_info"),
                simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
                simple_cms_attribute("signing_certificate", general.as_signing_certificate(self.tsa_cert)),
                simple_cms_attribute("message_digest", digest.finalize()),
            ]
        )
        return self._key.sign(signed_attrs.dump(), padding.PKCS1v15(), hash_algo), signed_attrs


def local_tsa(p12: Path, password: str) -> TimeStamper:
    """The demo PKI's TSA answering in process: real RFC 3161 tokens, signed by the DEMO TSA certificate."""
    key, cert, chain = read_pkcs12(p12, password)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise KeyLoadError(f"the TSA key in {p12} must be RSA")
    return LocalTimeStampAuthority(key, cert, chain)
