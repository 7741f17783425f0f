"""Two-step signatures on a document (USB token in a browser plugin, a phone app): prepare, then complete.

Only a document waiting for signatures takes one, and only with the certificate recorded for the signer (same
public key); ``signing`` checks that it chains to a trusted root and is not revoked."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509

from service.adapters.orm import DocumentRow, SigningSessionRow, utcnow
from service.domain.documents import DocumentStatus
from service.errors import (
    FieldError,
    InvalidRequest,
    NotReady,
    SessionExpired,
    SignatureRefused,
    SignaturesClosed,
)
from service.services.ports import Archive, Database, UnitOfWork
from signing import SigningError
from signing.external import PreparedSignature, complete, prepare
from signing.keys import same_key
from signing.sign import SignatureRequest, SigningContext


def _check_open(doc: DocumentRow) -> None:
    if doc.status != DocumentStatus.SUBMITTED:
        raise SignaturesClosed(doc.id, doc.status)


def _check_recorded(cert: x509.Certificate, recorded: x509.Certificate, path: str) -> None:
    """The decision of who signs: the certificate must hold the key of the one recorded for the signer."""
    if not same_key(cert, recorded):
        name = cert.subject.rfc4514_string()
        raise InvalidRequest(
            [
                FieldError(
                    path,
                    f"the certificate of {name} is not the one recorded for you; an administrator records a new one",
                    f"chứng thư số {name} không phải chứng thư đã ghi nhận cho bạn; quản trị viên cần ghi nhận chứng "
                    "thư mới",
                )
            ]
        )


@dataclass(frozen=True)
class Prepared:
    session_id: str
    digest: bytes
    signed_attributes: bytes
    expires_at: datetime


def _certificates(chain_pem: str) -> list[x509.Certificate]:
    try:
        certs = x509.load_pem_x509_certificates(chain_pem.encode())
    except ValueError:
        certs = []
    if not certs:
        raise InvalidRequest(
            [
                FieldError(
                    "certificates",
                    "must be the signer's certificate (then its chain), PEM",
                    "phải là chứng thư số của người ký (và chuỗi chứng thư), dạng PEM",
                )
            ]
        )
    return certs


def prepare_signature(
    db: Database,
    archive: Archive,
    context: SigningContext,
    document_id: str,
    chain_pem: str,
    request: SignatureRequest,
    lifetime_seconds: float,
    recorded: x509.Certificate,
    group_id: str | None = None,
) -> Prepared:
    """``recorded``: the certificate recorded for the signer; the one sent must hold the same key."""
    with db.uow() as tx:
        doc = tx.repo.document(document_id)
    _check_open(doc)
    if doc.pdf_sha256 is None:
        raise NotReady(f"document {document_id} has no PDF yet", f"Văn bản {document_id} chưa có tệp PDF")
    certs = _certificates(chain_pem)
    _check_recorded(certs[0], recorded, "certificates")
    try:
        prepared = prepare(archive.get(doc.pdf_sha256, ".pdf"), certs[0], certs[1:], request, context)
    except SigningError as exc:
        raise SignatureRefused(str(exc), f"Không chuẩn bị được chữ ký: {exc}") from None
    session = SigningSessionRow(
        id=str(uuid.uuid4()),
        document_id=document_id,
        group_id=group_id,
        base_sha256=doc.pdf_sha256,
        state=prepared.to_json(),
        expires_at=utcnow() + timedelta(seconds=lifetime_seconds),
    )
    with db.uow() as tx:
        tx.repo.add(session)
        tx.commit()
    return Prepared(session.id, prepared.digest, prepared.signed_attributes, session.expires_at)


def complete_signature(
    db: Database,
    archive: Archive,
    context: SigningContext,
    document_id: str,
    session_id: str,
    signature: str,
    record: Callable[[UnitOfWork, DocumentRow, str, str, str], None],
    recorded: x509.Certificate,
) -> str:
    """Embed the signature; the signed PDF replaces the document's file (both stay in the archive). Returns its
    sha256. ``record(tx, document, base_sha256, new_sha256, signer)``: how the review flow records it.
    ``recorded``: the certificate recorded for whoever completes; the session's must hold the same key."""
    try:
        value = base64.b64decode(signature, validate=True)
    except ValueError:
        raise InvalidRequest([FieldError("signature", "must be base64", "phải mã hóa base64")]) from None
    with db.uow() as tx:
        session = tx.repo.signing_session(session_id)
        if (
            session is None
            or session.document_id != document_id
            or session.completed_at is not None
            or session.expires_at < utcnow()
        ):
            raise SessionExpired(session_id)
        prepared = PreparedSignature.from_json(session.state)
        _check_open(tx.repo.document(document_id))
    _check_recorded(x509.load_der_x509_certificate(prepared.certificate), recorded, "session_id")
    try:
        signed = complete(prepared, value, context)
    except SigningError as exc:
        raise SignatureRefused(str(exc), f"Chữ ký không hợp lệ: {exc}") from None
    digest = archive.put(signed, ".pdf")
    subject = x509.load_der_x509_certificate(prepared.certificate).subject
    names = subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    signer = str(names[0].value) if names else subject.rfc4514_string()
    with db.uow() as tx:
        session = tx.repo.signing_session(session_id)
        doc = tx.repo.document(document_id)
        assert session is not None
        _check_open(doc)
        if session.completed_at is not None or doc.pdf_sha256 != session.base_sha256:
            raise SessionExpired(session_id)  # someone else completed or changed the document meanwhile
        session.completed_at = utcnow()
        record(tx, doc, session.base_sha256, digest, signer)
        tx.commit()
    return digest


def group_sessions(db: Database, group_id: str) -> dict[str, str]:
    """The sessions of a several-document signature: document id -> session id."""
    with db.uow() as tx:
        rows = tx.repo.signing_sessions_of_group(group_id)
        return {r.document_id: r.id for r in rows}
