"""Remote signing over the Cloud Signature Consortium API v2: ``credentials/list``, ``credentials/info``,
``credentials/authorize`` (one SAD for a batch of hashes) and ``signatures/signHash`` (several hashes in one call).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from signing.errors import KeyLoadError, SigningError
from signing.external import complete, prepare
from signing.keys import check_same_key
from signing.sign import SignatureRequest, SigningContext

SHA256_OID = "2.16.840.1.101.3.4.2.1"
RSA_OID = "1.2.840.113549.1.1.1"
ECDSA_SHA256_OID = "1.2.840.10045.4.3.2"


@dataclass(frozen=True)
class CscCredential:
    id: str
    certificate: x509.Certificate
    chain: list[x509.Certificate]
    multisign: int


class CscClient:
    """A CSC v2 service at ``base_url`` (e.g. ``https://ca.example/csc/v2``), with an OAuth2 bearer token."""

    def __init__(self, base_url: str, token: str, timeout: float = 30) -> None:
        self._http = httpx.Client(
            base_url=base_url.rstrip("/") + "/", headers={"Authorization": f"Bearer {token}"}, timeout=timeout
        )

    def close(self) -> None:
        self._http.close()

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self._http.post(path, json=body)
        except httpx.HTTPError as exc:
            raise SigningError(f"remote signing service unreachable: {exc}") from None
        if response.status_code >= 400:
            try:
                detail = response.json().get("error_description") or response.json().get("error")
            except ValueError:
                detail = response.text[:200]
            raise SigningError(f"remote signing service refused {path}: {response.status_code} {detail}")
        result: dict[str, Any] = response.json()
        return result

    def list_credentials(self) -> list[str]:
        return list(self._post("credentials/list", {})["credentialIDs"])

    def info(self, credential_id: str) -> CscCredential:
        body = self._post("credentials/info", {"credentialID": credential_id, "certificates": "chain"})
        certs = [x509.load_der_x509_certificate(base64.b64decode(c)) for c in body["cert"]["certificates"]]
        if not certs:
            raise KeyLoadError(f"credential {credential_id} has no certificate")
        return CscCredential(credential_id, certs[0], certs[1:], int(body.get("multisign", 1)))

    def authorize(self, credential_id: str, hashes: list[bytes], pin: str) -> str:
        body = self._post(
            "credentials/authorize",
            {
                "credentialID": credential_id,
                "numSignatures": len(hashes),
                "hashes": [base64.b64encode(h).decode() for h in hashes],
                "hashAlgorithmOID": SHA256_OID,
                "PIN": pin,
            },
        )
        return str(body["SAD"])

    def sign_hashes(self, credential: CscCredential, sad: str, hashes: list[bytes]) -> list[bytes]:
        is_ec = isinstance(credential.certificate.public_key(), ec.EllipticCurvePublicKey)
        algo = ECDSA_SHA256_OID if is_ec else RSA_OID
        body = self._post(
            "signatures/signHash",
            {
                "credentialID": credential.id,
                "SAD": sad,
                "hashes": [base64.b64encode(h).decode() for h in hashes],
                "hashAlgorithmOID": SHA256_OID,
                "signAlgo": algo,
            },
        )
        signatures = [base64.b64decode(s) for s in body["signatures"]]
        if len(signatures) != len(hashes):
            raise SigningError(f"remote service returned {len(signatures)} signatures for {len(hashes)} hashes")
        return signatures


def sign_many(
    pdfs: list[bytes],
    client: CscClient,
    credential_id: str,
    pin: str,
    request: SignatureRequest | list[SignatureRequest],
    context: SigningContext | None = None,
    expected: x509.Certificate | None = None,
) -> list[bytes]:
    """Sign several PDFs with one authorisation and one ``signHash`` call (the credential's multisign allowing);
    ``request``: one for all, or one per PDF. ``expected``: the certificate the signer is known by; a credential
    with another key is refused before anything is authorised."""
    requests = request if isinstance(request, list) else [request] * len(pdfs)
    credential = client.info(credential_id)
    if expected is not None:
        check_same_key(credential.certificate, expected)
    return sign_prepared(pdfs, client, credential, pin, requests, context)


def sign_prepared(
    pdfs: list[bytes],
    client: CscClient,
    credential: CscCredential,
    pin: str,
    requests: list[SignatureRequest],
    context: SigningContext | None = None,
) -> list[bytes]:
    """``sign_many`` with the credential's information already fetched (and checked) by the caller."""
    if len(pdfs) > credential.multisign:
        raise SigningError(f"credential allows {credential.multisign} signatures per authorisation, not {len(pdfs)}")
    prepared = [
        prepare(pdf, credential.certificate, credential.chain, r, context)
        for pdf, r in zip(pdfs, requests, strict=True)
    ]
    digests = [p.digest for p in prepared]
    sad = client.authorize(credential.id, digests, pin)
    values = client.sign_hashes(credential, sad, digests)
    return [complete(p, v, context) for p, v in zip(prepared, values, strict=True)]
