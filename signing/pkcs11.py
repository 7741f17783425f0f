"""Keys on PKCS#11 tokens and HSMs (a leader's USB token, an organisation's HSM; SoftHSM2 in tests).

The PIN opens one session; every document signed in it uses that one login. ``TokenDigestSigner`` signs bare
SHA-256 digests with a token's key (the signing agent's half of a two-step signature: the PDF never reaches it).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pkcs11
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from pkcs11 import Attribute, Mechanism, ObjectClass, TokenFlag
from pkcs11.exceptions import (
    DeviceRemoved,
    NoSuchToken,
    PinExpired,
    PinInvalid,
    PinLenRange,
    PinLocked,
    PKCS11Error,
    TokenNotPresent,
    TokenNotRecognised,
)
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.pkcs11 import PKCS11Signer

from signing.errors import KeyLoadError, PinIncorrect, SigningError, TokenMissing
from signing.keys import KeyMaterial, check_certificate

SOFTHSM2 = Path("/usr/lib/softhsm/libsofthsm2.so")
SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")  # DigestInfo of SHA-256, before the hash


def _token(module: Path, token_label: str | None) -> Any:
    """The token labelled ``token_label``, or the only initialised token present when no label is given."""
    try:
        library = pkcs11.lib(str(module))
    except PKCS11Error:  # its message names the library's path: not for a signer's eyes
        raise TokenMissing("cannot load the token's PKCS#11 library (is the token's software installed?)") from None
    try:
        tokens = [
            t
            for t in library.get_tokens(token_label=token_label)
            if token_label is not None or t.flags & TokenFlag.TOKEN_INITIALIZED
        ]
    except (NoSuchToken, TokenNotPresent, TokenNotRecognised, DeviceRemoved):
        tokens = []
    except PKCS11Error as exc:
        raise TokenMissing(f"cannot list the tokens: {type(exc).__name__}") from None
    if not tokens:
        named = f"'{token_label}'" if token_label else "of any label"
        raise TokenMissing(f"no token {named} is plugged in")
    if len(tokens) > 1:
        labels = ", ".join(sorted(str(t.label) for t in tokens))
        raise TokenMissing(f"several tokens are plugged in ({labels}): name one")
    return tokens[0]


@contextmanager
def token_session(module: Path, token_label: str | None, pin: str) -> Iterator[Any]:
    """A logged-in session of the token (``None``: the only one plugged in); logged out afterwards. Errors:
    ``TokenMissing``, ``PinIncorrect``, ``KeyLoadError``; no message names the PIN or the library's path."""
    token = _token(module, token_label)
    try:
        session = token.open(user_pin=pin)
    except PinLocked:
        raise PinIncorrect(f"token '{token.label}' is locked: too many wrong PINs", locked=True) from None
    except (pkcs11.exceptions.PinIncorrect, PinInvalid, PinLenRange, PinExpired):
        raise PinIncorrect(f"token '{token.label}' refuses the PIN") from None
    except (TokenNotPresent, DeviceRemoved, TokenNotRecognised):
        raise TokenMissing(f"token '{token.label}' was removed") from None
    except PKCS11Error as exc:
        raise KeyLoadError(f"cannot open token '{token.label}': {type(exc).__name__}") from None
    try:
        yield session
    finally:
        session.close()


@contextmanager
def pkcs11_key(module: Path, token_label: str, key_label: str, pin: str) -> Iterator[KeyMaterial]:
    """Log in to the token once and yield its key for as many signatures as needed."""
    with token_session(module, token_label, pin) as session:
        signer = PKCS11Signer(session, cert_label=key_label, key_label=key_label, other_certs_to_pull=None)
        try:
            cert_asn1 = signer.signing_cert
        except (PKCS11Error, PyHankoSigningError) as exc:
            raise KeyLoadError(f"token '{token_label}' has no key and certificate '{key_label}': {exc}") from None
        assert cert_asn1 is not None
        cert = x509.load_der_x509_certificate(cert_asn1.dump())
        check_certificate(cert)
        yield KeyMaterial(signer=signer, certificate=cert)


@dataclass(frozen=True)
class TokenKey:
    """Where a key is on a token.

    module: the token's PKCS#11 library.
    token: the token's label; ``None``: the only token plugged in.
    key: the label of the key and its certificate; ``None``: the only private key with a certificate of the same
        ID on the token.
    """

    module: Path
    token: str | None = None
    key: str | None = None


class TokenDigestSigner:
    """Signs SHA-256 digests with a token's key: RSA PKCS#1 v1.5 (the digest wrapped in its DigestInfo) or ECDSA
    (DER-encoded), the values the two-step ``complete`` takes. Each ``sign_digests`` logs in once with the PIN
    kept in this object's memory (so the token may be unplugged and plugged in again between requests)."""

    def __init__(self, where: TokenKey, pin: str, extra_chain: Sequence[x509.Certificate] = ()) -> None:
        """Opens the token once to check the PIN and read the certificates. ``chain``: the other certificates on
        the token, then ``extra_chain`` (a CA's intermediate the token lacks)."""
        self.where = where
        self._pin = pin
        with token_session(where.module, where.token, pin) as session:
            _, cert = self._key_and_certificate(session)
            self.certificate = x509.load_der_x509_certificate(cert[Attribute.VALUE])
            self.token_label = str(session.token.label).strip()
            others = [
                x509.load_der_x509_certificate(c[Attribute.VALUE])
                for c in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE})
            ]
        check_certificate(self.certificate)
        self.chain: list[x509.Certificate] = []
        for c in [*others, *extra_chain]:
            if c != self.certificate and c not in self.chain:
                self.chain.append(c)

    def _key_and_certificate(self, session: Any) -> tuple[Any, Any]:
        label = self.where.key
        query: dict[Attribute, Any] = {Attribute.CLASS: ObjectClass.PRIVATE_KEY}
        if label is not None:
            query[Attribute.LABEL] = label
        pairs = []
        for key in list(session.get_objects(query)):
            criteria = {Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.ID: key[Attribute.ID]}
            if label is not None:
                criteria = {Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.LABEL: label}
            certs = list(session.get_objects(criteria))
            if certs:
                pairs.append((key, certs[0]))
        if not pairs:
            named = f"'{label}'" if label else "with a certificate"
            raise KeyLoadError(f"token '{str(session.token.label).strip()}' holds no key {named}")
        if len(pairs) > 1:
            labels = ", ".join(sorted(str(k[Attribute.LABEL]) for k, _ in pairs))
            raise KeyLoadError(f"token holds several keys ({labels}): name one")
        return pairs[0]

    def sign_digests(self, digests: list[bytes]) -> list[bytes]:
        """One signature value per SHA-256 digest, in order, with one login."""
        if any(len(d) != 32 for d in digests):
            raise SigningError("only SHA-256 digests (32 bytes) are signed")
        public = self.certificate.public_key()
        with token_session(self.where.module, self.where.token, self._pin) as session:
            key, _ = self._key_and_certificate(session)
            try:
                if isinstance(public, rsa.RSAPublicKey):
                    return [bytes(key.sign(SHA256_DIGEST_INFO + d, mechanism=Mechanism.RSA_PKCS)) for d in digests]
                if isinstance(public, ec.EllipticCurvePublicKey):
                    return [_der_ecdsa(bytes(key.sign(d, mechanism=Mechanism.ECDSA))) for d in digests]
            except PKCS11Error as exc:
                raise SigningError(f"the token did not sign: {type(exc).__name__}") from None
        raise SigningError(f"unsupported key type {type(public).__name__}: RSA or ECDSA is needed")

    def close(self) -> None:
        self._pin = ""


def _der_ecdsa(raw: bytes) -> bytes:
    """PKCS#11's ECDSA value (r then s, each the curve's size) as the DER ``ECDSA-Sig-Value`` CMS carries."""
    half = len(raw) // 2
    return encode_dss_signature(int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big"))
