"""RFC 3161 time-stamping: a TSA over HTTP, or the demo PKI's own time-stamping authority in process."""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime
from pathlib import Path

from asn1crypto import algos, cms, core, tsp
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from pyhanko.sign import general
from pyhanko.sign.general import simple_cms_attribute
from pyhanko.sign.timestamps import DummyTimeStamper, HTTPTimeStamper, TimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from signing.der import Splice
from signing.errors import KeyLoadError
from signing.keys import read_pkcs12, to_asn1


def http_tsa(url: str, timeout: float = 10) -> TimeStamper:
    """A time-stamping authority reached over HTTP (RFC 3161)."""
    return HTTPTimeStamper(url, timeout=int(timeout))


# A time no real token carries, to find the time fields in the token template.
_PROBE_TIME = datetime(2037, 1, 1, 1, 37, 13, tzinfo=UTC)


class LocalTimeStampAuthority(DummyTimeStamper):
    """A TSA in process: real RFC 3161 tokens signed by the TSA key, which (unlike pyHanko's DummyTimeStamper)
    is parsed once, not for every token.

    Every SHA-256 token it makes has the same bytes but for the message imprint, serial number, time, the digest of
    its TSTInfo and its signature, all of fixed length: the first token is built with asn1crypto as a template, the
    following ones are the template with those fields put in (asn1crypto's assembly cost ~4 ms a token).
    """

    def __init__(self, key: rsa.RSAPrivateKey, cert: x509.Certificate, chain: list[x509.Certificate]) -> None:
        der = key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
        super().__init__(
            tsa_cert=to_asn1(cert),
            tsa_key=asn1_keys.PrivateKeyInfo.load(der),
            certs_to_embed=SimpleCertificateStore.from_certs([to_asn1(c) for c in chain]),
        )
        self._key = key
        self._template: Splice | None = None

    async def async_timestamp(self, message_digest: bytes, md_algorithm: str) -> cms.ContentInfo:
        if md_algorithm != "sha256" or len(message_digest) != 32:
            return await super().async_timestamp(message_digest, md_algorithm)
        template = self._template or self._make_template()
        now = datetime.now(UTC).replace(microsecond=0)
        serial = bytes([1 + os.urandom(1)[0] % 127]) + os.urandom(15)
        out = template.fill(
            {
                "imprint": message_digest,
                "serial": serial,
                "gen_time": now.strftime("%Y%m%d%H%M%SZ").encode(),
                "signing_time": b"\x17\x0d" + now.strftime("%y%m%d%H%M%SZ").encode(),
            }
        )
        start, size = template.offsets["tst_info"]
        template.fill({"digest": hashlib.sha256(out[start : start + size]).digest()}, out)
        start, size = template.offsets["signed_attrs"]
        signed = b"\x31" + bytes(out[start + 1 : start + size])  # [0] IMPLICIT in the token, SET OF when signed
        template.fill({"signature": self._key.sign(signed, padding.PKCS1v15(), hashes.SHA256())}, out)
        return cms.ContentInfo.load(bytes(out))

    def _make_template(self) -> Splice:
        imprint, serial = os.urandom(32), b"\x5a" + os.urandom(15)
        tst_info = tsp.TSTInfo(
            {
                "version": "v1",
                "policy": "1.3.6.1.4.1.4146.2.2",
                "message_imprint": tsp.MessageImprint(
                    {"hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}), "hashed_message": imprint}
                ),
                "serial_number": int.from_bytes(serial, "big"),
                "gen_time": _PROBE_TIME,
                "tsa": asn1_x509.GeneralName(name="directory_name", value=self.tsa_cert.subject),
            }
        ).dump()
        signature, attrs = self._sign_tst_info(tst_info, "sha256", _PROBE_TIME)
        signed_data = self._build_signed_data(tst_info, "sha256", signature, attrs)
        token = cms.ContentInfo({"content_type": "signed_data", "content": cms.SignedData(signed_data)}).dump()
        digest = hashlib.sha256(tst_info).digest()
        self._template = Splice(
            token,
            {
                "imprint": imprint,
                "serial": serial,
                "gen_time": _PROBE_TIME.strftime("%Y%m%d%H%M%SZ").encode(),
                "signing_time": b"\x17\x0d" + _PROBE_TIME.strftime("%y%m%d%H%M%SZ").encode(),
                "tst_info": tst_info,
                "digest": digest,
                "signed_attrs": b"\xa0" + attrs.dump()[1:],
                "signature": signature,
            },
        )
        return self._template

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
