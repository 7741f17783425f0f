"""Keys on PKCS#11 tokens and HSMs (a leader's USB token, an organisation's HSM; SoftHSM2 in tests).

The PIN opens one session; every document signed in it uses that one login.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cryptography import x509
from pkcs11.exceptions import PKCS11Error
from pyhanko.config.pkcs11 import TokenCriteria
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

from signing.errors import KeyLoadError
from signing.keys import KeyMaterial, check_certificate

SOFTHSM2 = Path("/usr/lib/softhsm/libsofthsm2.so")


@contextmanager
def pkcs11_key(module: Path, token_label: str, key_label: str, pin: str) -> Iterator[KeyMaterial]:
    """Log in to the token once and yield its key for as many signatures as needed."""
    try:
        session = open_pkcs11_session(str(module), token_criteria=TokenCriteria(label=token_label), user_pin=pin)
    except (PKCS11Error, PyHankoSigningError) as exc:
        raise KeyLoadError(f"cannot open token '{token_label}': {type(exc).__name__}") from None
    try:
        signer = PKCS11Signer(session, cert_label=key_label, key_label=key_label, other_certs_to_pull=None)
        try:
            cert_asn1 = signer.signing_cert
        except (PKCS11Error, PyHankoSigningError) as exc:
            raise KeyLoadError(f"token '{token_label}' has no key and certificate '{key_label}': {exc}") from None
        assert cert_asn1 is not None
        cert = x509.load_der_x509_certificate(cert_asn1.dump())
        check_certificate(cert)
        yield KeyMaterial(signer=signer, certificate=cert)
    finally:
        session.close()
