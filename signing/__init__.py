"""signing: PAdES signatures for Vietnamese administrative documents, on pyHanko.

A library of its own: it never imports ``service``.
"""

from signing.errors import CertificateRefused, KeyLoadError, NotVerifiable, SigningError, TrustDataError
from signing.keys import KeyMaterial, load_pkcs12
from signing.sign import SignatureRequest, sign_pdf

__all__ = [
    "CertificateRefused",
    "KeyLoadError",
    "KeyMaterial",
    "NotVerifiable",
    "SignatureRequest",
    "SigningError",
    "TrustDataError",
    "load_pkcs12",
    "sign_pdf",
]
