"""Errors of the signing package::

SigningError
├── KeyLoadError          the key file, token or password cannot be used
│   ├── CredentialInvalid         a stored credential description is incomplete or of an unknown kind
│   ├── AccessTokenMissing        a remote key is opened without the signing service's access token
│   ├── ExpectedCertificateMissing  a remote key is opened without the certificate it must hold
│   ├── TokenMissing              no PKCS#11 token with that label is plugged in, or its library cannot be loaded
│   └── PinIncorrect              the token refuses the PIN (wrong, or locked after too many tries)
├── CertificateRefused    expired, not yet valid, weak key, or no signing key usage
└── TrustDataError        a trust anchor or CRL file cannot be read (the message names the file)

NotVerifiable             a file given to verify is no readable PDF, is encrypted, or holds no signature
"""


class SigningError(Exception):
    """Signing failed; the message never contains a PIN or password."""


class KeyLoadError(SigningError):
    pass


class CredentialInvalid(KeyLoadError):
    """``field``: the credential's field that is missing or wrong (``kind``, ``path``...)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class AccessTokenMissing(KeyLoadError):
    pass


class ExpectedCertificateMissing(KeyLoadError):
    pass


class TokenMissing(KeyLoadError):
    pass


class PinIncorrect(KeyLoadError):
    """``locked``: the token no longer takes any PIN (too many wrong ones)."""

    def __init__(self, message: str, locked: bool = False) -> None:
        super().__init__(message)
        self.locked = locked


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
