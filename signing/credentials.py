"""Where a signer's key is (chứng thư số: the signer's credential) and ``open_key``: one ``SigningKey`` for every
kind of key, as pyHanko's ``Signer`` is one abstraction over key files, tokens and external signers.

A credential is stored as a dict of text (``{"kind": "pkcs12", "path": ...}``); ``parse_credential`` turns it into
one of the frozen dataclasses below, ``open_key`` opens it with the signer's secret (password or PIN) once, for as
many documents as the request signs, and the caller closes it (``with open_key(...) as key``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType

from cryptography import x509

from signing.csc import CscClient, sign_prepared
from signing.errors import (
    AccessTokenMissing,
    CredentialInvalid,
    ExpectedCertificateMissing,
    KeyLoadError,
    SigningError,
)
from signing.keys import KeyMaterial, check_same_key, common_name, load_pkcs12
from signing.sign import Level, SignatureRequest, SigningContext, sign_pdf


@dataclass(frozen=True)
class Pkcs12Credential:
    """A PKCS#12 key file on the server.

    path: the file; its password is the secret given to ``open_key``.
    """

    path: Path


@dataclass(frozen=True)
class Pkcs11Credential:
    """A key on a PKCS#11 token or HSM (SoftHSM2 in tests).

    module: the PKCS#11 library of the token.
    token: the token's label.
    key: the label of the key and of its certificate on the token; the PIN is the secret given to ``open_key``.
    """

    module: Path
    token: str
    key: str


@dataclass(frozen=True)
class CscRemoteCredential:
    """A key at a Cloud Signature Consortium API v2 service.

    url: the service's base URL (e.g. ``https://ca.example/csc/v2``).
    credential_id: the key's credential ID at the service; the PIN is the secret given to ``open_key``, the
        OAuth2 access token is given beside it.
    """

    url: str
    credential_id: str


Credential = Pkcs12Credential | Pkcs11Credential | CscRemoteCredential

_FIELDS: dict[str, tuple[str, ...]] = {
    "pkcs12": ("path",),
    "pkcs11": ("module", "token", "key"),
    "csc": ("url", "credential_id"),
}


def parse_credential(stored: Mapping[str, str]) -> Credential:
    """The credential a stored dict describes; other entries (``certificate``, ``image``) are ignored. Raises
    ``CredentialInvalid`` naming the missing or wrong field, never a value of it."""
    kind = stored.get("kind")
    if not kind:
        raise CredentialInvalid("the credential names no kind of key (pkcs12, pkcs11 or csc)", field="kind")
    if kind not in _FIELDS:
        raise CredentialInvalid(f"unknown kind of key {kind[:40]!r}: pkcs12, pkcs11 or csc", field="kind")
    values: dict[str, str] = {}
    for name in _FIELDS[kind]:
        value = stored.get(name)
        if not isinstance(value, str) or not value.strip():
            raise CredentialInvalid(f"a {kind} credential needs its {name}", field=name)
        values[name] = value
    if kind == "pkcs12":
        return Pkcs12Credential(Path(values["path"]))
    if kind == "pkcs11":
        return Pkcs11Credential(Path(values["module"]), values["token"], values["key"])
    return CscRemoteCredential(values["url"], values["credential_id"])


class SigningKey(ABC):
    """An opened key: signs one or many PDFs, shows its certificate, and is closed after use (a PKCS#11 session
    logged out, a CSC connection closed). Every kind of key has this one interface."""

    certificate: x509.Certificate
    _closed = False

    @property
    def subject_common_name(self) -> str:
        return common_name(self.certificate)

    _closed = False

    def sign_many(
        self,
        pdfs: list[bytes],
        request: SignatureRequest | list[SignatureRequest],
        context: SigningContext | None = None,
    ) -> list[bytes]:
        """Sign every PDF with one authorisation of the key; ``request``: one for all, or one per PDF."""
        if self._closed:
            raise KeyLoadError("this key is closed: open it again")
        requests = request if isinstance(request, list) else [request] * len(pdfs)
        if len(requests) != len(pdfs):
            raise SigningError(f"{len(requests)} signature requests for {len(pdfs)} documents")
        return self._sign_all(pdfs, requests, context)

    @abstractmethod
    def _sign_all(
        self, pdfs: list[bytes], requests: list[SignatureRequest], context: SigningContext | None
    ) -> list[bytes]: ...

    def sign(self, pdf: bytes, request: SignatureRequest, context: SigningContext | None = None) -> bytes:
        return self.sign_many([pdf], request, context)[0]

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._release()

    @abstractmethod
    def _release(self) -> None: ...

    def __enter__(self) -> SigningKey:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


class HeldKey(SigningKey):
    """A key whose private part this process uses: a PKCS#12 file, or a token session logged in once."""

    def __init__(self, material: KeyMaterial, resources: ExitStack) -> None:
        self.material = material
        self.certificate = material.certificate
        self._resources = resources

    def _sign_all(
        self, pdfs: list[bytes], requests: list[SignatureRequest], context: SigningContext | None
    ) -> list[bytes]:
        return [sign_pdf(pdf, self.material, r, context) for pdf, r in zip(pdfs, requests, strict=True)]

    def _release(self) -> None:
        self._resources.close()


class RemoteKey(SigningKey):
    """A key at a CSC service: one ``credentials/authorize`` and one ``signHash`` per ``sign_many``. Its
    signatures are made in two steps, so B-T at most: a B-LT or B-LTA request is made B-T (extend the result, as
    the organisation's signature at issuance does, for the validation data)."""

    def __init__(
        self, credential: CscRemoteCredential, pin: str, access_token: str, expected: x509.Certificate
    ) -> None:
        self._client = CscClient(credential.url, access_token)
        try:
            self._credential = self._client.info(credential.credential_id)
            check_same_key(self._credential.certificate, expected)
        except BaseException:
            self._client.close()
            raise
        self._pin = pin
        self.certificate = self._credential.certificate

    def _sign_all(
        self, pdfs: list[bytes], requests: list[SignatureRequest], context: SigningContext | None
    ) -> list[bytes]:
        capped = [replace(r, level=Level.B_T) if r.level in (Level.B_LT, Level.B_LTA) else r for r in requests]
        return sign_prepared(pdfs, self._client, self._credential, self._pin, capped, context)

    def _release(self) -> None:
        self._pin = ""
        self._client.close()


def open_key(
    credential: Credential,
    secret: str,
    *,
    access_token: str | None = None,
    expected: x509.Certificate | None = None,
) -> SigningKey:
    """Open the key ``credential`` describes with ``secret`` (the key file's password, or the PIN of a token or a
    remote key), once for every document it signs; close it after use.

    access_token: the OAuth2 token of a remote (CSC) key's service; other kinds ignore it.
    expected: the certificate recorded for the signer: a key that is not its key is refused before anything is
        signed (a renewed certificate of the same key counts as its key). A remote key is opened only against one:
        the service's answer is all there is to tell it from a forged credential.

    Errors: ``KeyLoadError`` (wrong password or PIN, unreadable file or token; the message names no file or module
    path), ``AccessTokenMissing``, ``ExpectedCertificateMissing``, ``CertificateRefused`` (expired, weak, not the
    expected key), ``SigningError`` (the remote service refuses or cannot be reached).
    """
    if isinstance(credential, CscRemoteCredential):
        if not access_token:
            raise AccessTokenMissing("a remote key needs the signing service's access token")
        if expected is None:
            raise ExpectedCertificateMissing("a remote key needs the certificate recorded for its signer")
        return RemoteKey(credential, secret, access_token, expected)
    resources = ExitStack()
    try:
        if isinstance(credential, Pkcs12Credential):
            material = _open_pkcs12(credential, secret)
        else:
            from signing.pkcs11 import pkcs11_key

            material = resources.enter_context(pkcs11_key(credential.module, credential.token, credential.key, secret))
        if expected is not None:
            check_same_key(material.certificate, expected)
    except BaseException:
        resources.close()
        raise
    return HeldKey(material, resources)


def _open_pkcs12(credential: Pkcs12Credential, password: str) -> KeyMaterial:
    try:
        return load_pkcs12(credential.path, password)
    except KeyLoadError:  # its message names the file: not for a signer's eyes
        raise KeyLoadError("cannot open the PKCS#12 key file: wrong password, or the file cannot be used") from None
