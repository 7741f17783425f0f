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

from __future__ import annotations

import inspect


class _Error(Exception):
    """A message (never a PIN or password), and the facts a caller branches on: keyword arguments, each an
    attribute the error class declares (``kind``, ``reason``...)."""

    def __init__(self, message: str = "", **facts: object) -> None:
        super().__init__(message)
        declared = {name for cls in type(self).__mro__ for name in inspect.get_annotations(cls)}
        for name, value in facts.items():
            if name not in declared:
                raise TypeError(f"{type(self).__name__} has no fact {name!r}")
            setattr(self, name, value)


class SigningError(_Error):
    """Signing failed."""


class KeyLoadError(SigningError):
    pass


class CredentialInvalid(KeyLoadError):
    field: str  # the credential's field that is missing or wrong (``kind``, ``path``...)


class AccessTokenMissing(KeyLoadError):
    pass


class ExpectedCertificateMissing(KeyLoadError):
    pass


class TokenMissing(KeyLoadError):
    pass


class PinIncorrect(KeyLoadError):
    locked: bool = False  # the token no longer takes any PIN (too many wrong ones)


class CertificateRefused(SigningError):
    pass


class TrustDataError(SigningError):
    kind: str  # "CRL" or "trust anchor"; the message names the file and why


class NotVerifiable(_Error):
    reason: str  # "unreadable", "encrypted" or "unsigned"; the message says why, in English
