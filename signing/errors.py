"""Errors of the signing package::

SigningError
├── KeyLoadError          the key file, token or password cannot be used
└── CertificateRefused    expired, not yet valid, weak key, or no signing key usage
"""


class SigningError(Exception):
    """Signing failed; the message never contains a PIN or password."""


class KeyLoadError(SigningError):
    pass


class CertificateRefused(SigningError):
    pass
