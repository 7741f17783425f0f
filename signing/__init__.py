"""signing: PAdES signatures for Vietnamese administrative documents, on pyHanko.

A library of its own: it never imports ``service``.
"""

from signing.credentials import Credential, SigningKey, open_key, parse_credential
from signing.errors import (
    CertificateRefused,
    CredentialInvalid,
    KeyLoadError,
    NotVerifiable,
    SigningError,
    TrustDataError,
)
from signing.keys import KeyMaterial, load_pkcs12
from signing.sign import SignatureRequest, sign_pdf

__all__ = [
    "CertificateRefused",
    "Credential",
    "CredentialInvalid",
    "KeyLoadError",
    "KeyMaterial",
    "NotVerifiable",
    "SignatureRequest",
    "SigningError",
    "SigningKey",
    "TrustDataError",
    "load_pkcs12",
    "open_key",
    "parse_credential",
    "sign_pdf",
]
