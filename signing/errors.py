"""Errors of the signing package::

SigningError
├── KeyLoadError          the key file, token or password cannot be used
├── CertificateRefused    expired, not yet valid, weak key, or no signing key usage
└── TrustDataError        a trust anchor or CRL file cannot be read (the message names the file)

NotVerifiable             a file given to verify is no readable PDF, is encrypted, or holds no signature
"""


class SigningError(Exception):
    """Signing failed; the message never contains a PIN or password."""


class KeyLoadError(SigningError):
    pass


class CertificateRefused(SigningError):
    pass


class TrustDataError(SigningError):
    """``kind``: "CRL" or "trust anchor"; the message names the file and why."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class NotVerifiable(Exception):
    """The file cannot be verified at all. ``reason``: "unreadable", "encrypted" or "unsigned"; the message says
    why in English."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
