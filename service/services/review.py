"""Review (trình ký): a draft is submitted to its signers, waits in each one's inbox in turn, is signed (one or many
documents with one authorisation, or in two steps: prepare, then complete) or rejected with a reason back to its
author. A signed document is issued by ``service.services.issuing``.

The rules of the states are the domain's (``service.domain.office``); this module loads, checks and records.
Signing happens in the API process, never in a Celery task: a PIN or password is used for the documents of one
request and forgotten, never stored or put in a message. Keys are opened only through ``signing.open_key``.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from service.domain.clock import Clock
from service.domain.data_fields import field_name
from service.domain.documents import DocumentStatus
from service.domain.office import (
    SUBMITTABLE,
    Principal,
    Role,
    next_signer,
    parties,
    signature_field,
    status_after,
    waits_for,
)
from service.domain.templates import Template
from service.errors import (
    CertificateNotRecorded,
    CredentialRefused,
    FieldError,
    Forbidden,
    InvalidRequest,
    NotFound,
    NotReady,
    SessionExpired,
    SignatureRefused,
    SignaturesClosed,
    WrongState,
)
from service.services.auth import require
from service.services.ports import (
    Archive,
    Database,
    DocumentRow,
    Events,
    Metrics,
    SignatureStep,
    UnitOfWork,
    Unmeasured,
    Unpublished,
    UserRow,
)
from service.services.visibility import check_not_issued, check_state, reviewed_document
from signing import (
    Credential,
    CredentialInvalid,
    KeyLoadError,
    SignatureRequest,
    SigningError,
    SigningKey,
    open_key,
    parse_credential,
)
from signing.certificates import (
    Certificate,
    certificate_from_der,
    check_signers_certificate,
    common_name,
    read_pem_certificates,
    same_key,
    serial_number,
    subject,
    to_pem,
)
from signing.errors import AccessTokenMissing, ExpectedCertificateMissing
from signing.external import PreparedSignature, complete, prepare
from signing.sign import Level, SigningContext


@dataclass(frozen=True)
class Prepared:
    """The first step of a two-step signature: the digest for the signer's device, and its session."""

    session_id: str
    digest: bytes
    signed_attributes: bytes
    expires_at: datetime


@dataclass(frozen=True)
class PreparedMany:
    """A two-step signature of several documents: one session (``group_id``), a ``Prepared`` per document."""

    group_id: str
    expires_at: datetime
    documents: list[tuple[str, Prepared]]


@dataclass(frozen=True)
class RecordedCertificate:
    """A signer's certificate as an administrator recorded it."""

    username: str
    subject: str
    serial: str


def parse_certificate(pem: str, path: str) -> Certificate:
    """The first certificate of a PEM text, or a 422 naming ``path``."""
    certs = read_pem_certificates(pem)
    if not certs:
        raise InvalidRequest([FieldError(path, "must be a certificate, PEM", "phải là chứng thư số dạng PEM")])
    return certs[0]


def check_signers(tx: UnitOfWork, doc: DocumentRow, template: Template, usernames: list[str]) -> list[UserRow]:
    """The signers a review document needs: distinct existing signers, one of the issuing body, and for a joint
    document one of the partner body; in the order given."""
    problems = []
    users = []
    for i, name in enumerate(usernames):
        user = tx.repo.user_by_name(name)
        if user is None or not user.active or Role.SIGNER.value not in user.roles:
            problems.append(FieldError(f"signers.{i}", f"{name} is not a signer", f"{name} không phải người ký"))
        elif name in usernames[:i]:
            problems.append(FieldError(f"signers.{i}", f"{name} signs once", f"{name} chỉ ký một lần"))
        else:
            users.append(user)
    own = [u for u in users if u.organisation == doc.organisation]
    others = [u for u in users if u.organisation != doc.organisation]
    joint = parties(template.schema) == 2
    if not problems:
        if len(own) != 1:
            problems.append(
                FieldError(
                    "signers",
                    f"one leader of {doc.organisation} signs (found {len(own)})",
                    f"cần đúng một lãnh đạo của {doc.organisation} ký (có {len(own)})",
                )
            )
        if len(others) != (1 if joint else 0):
            problems.append(
                FieldError(
                    "signers",
                    "a joint document is signed by one leader of each party"
                    if joint
                    else f"only leaders of {doc.organisation} sign this document",
                    "văn bản liên tịch do lãnh đạo mỗi bên ký"
                    if joint
                    else f"chỉ lãnh đạo của {doc.organisation} ký văn bản này",
                )
            )
    if problems:
        raise InvalidRequest(problems)
    return users


def _waiting_for(who: Principal, doc: DocumentRow) -> None:
    """The document waits for ``who``: submitted (WrongState), and their turn (Forbidden)."""
    check_state(doc, DocumentStatus.SUBMITTED)
    if not waits_for(doc.status, doc.signers, doc.signatures, who.username):
        raise Forbidden(f"document {doc.id} is not waiting for you", f"Văn bản {doc.id} không chờ bạn ký")


def _check_open(doc: DocumentRow) -> None:
    check_not_issued(doc)
    if doc.status != DocumentStatus.SUBMITTED:
        raise SignaturesClosed(doc.id, doc.status)


def _check_recorded(cert: Certificate, recorded: Certificate, path: str) -> None:
    """The decision of who signs: the certificate must hold the key of the one recorded for the signer."""
    if not same_key(cert, recorded):
        name = subject(cert)
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


def _chain(chain_pem: str) -> list[Certificate]:
    certs = read_pem_certificates(chain_pem)
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


def _two_step(request: SignatureRequest) -> SignatureRequest:
    """Signatures made in two steps (a remote or external key) are B-T at most; the organisation's signature at
    issuance adds the validation data (same CA and CRL) in its own revision."""
    if request.level in (Level.B_LT, Level.B_LTA):
        return replace(request, level=Level.B_T)
    return request


class KeyOpener(Protocol):
    """``signing.open_key``'s signature: the one way a signer's key is opened."""

    def __call__(
        self,
        credential: Credential,
        secret: str,
        *,
        access_token: str | None = None,
        expected: Certificate | None = None,
    ) -> SigningKey: ...


@dataclass
class Review:
    """The review flow over the database, the archive and the signing context.

    open_key: ``signing.open_key`` (tests may hand a throw-away key's opener with the same signature).
    """

    db: Database
    archive: Archive
    template_of: Callable[[DocumentRow], Template]
    context: SigningContext
    level: Level
    default_signature_image: Path
    clock: Clock
    session_seconds: float = 300
    open_key: KeyOpener = open_key
    events: Events = field(default_factory=Unpublished)
    metrics: Metrics = field(default_factory=Unmeasured)

    # -- submit, inbox, reject ------------------------------------------------------------------------------------
    def submit(self, who: Principal, document_id: str, signers: list[str] | None) -> DocumentRow:
        """Send a draft (or a rejected document) to its signers; ``signers`` (default: the request's) in order."""
        require(who, Role.REQUESTER)
        with self.db.uow() as tx:
            doc = reviewed_document(tx, who, document_id)
            if who.organisation != doc.organisation and not who.has(Role.ADMIN):
                raise Forbidden("only the requesting body submits", "Chỉ đơn vị soạn thảo được trình ký")
            check_state(doc, *SUBMITTABLE)
            usernames = signers if signers is not None else list(doc.signers or [])
            check_signers(tx, doc, self.template_of(doc), usernames)
            if doc.status == DocumentStatus.REJECTED:  # signed again from the clean draft
                doc.pdf_sha256 = (doc.rejection or {}).get("draft_sha256", doc.pdf_sha256)
            doc.signers, doc.signatures, doc.status = usernames, [], DocumentStatus.SUBMITTED
            tx.repo.append_audit(who.username, "submit", doc.id, {"signers": usernames})
            tx.commit()
            return doc

    def inbox(self, who: Principal) -> list[DocumentRow]:
        """What waits for ``who``'s signature, and for nobody else's first."""
        require(who, Role.SIGNER)
        with self.db.uow() as tx:
            waiting = tx.repo.documents_waiting(DocumentStatus.SUBMITTED)
        return [d for d in waiting if next_signer(d.signers, d.signatures) == who.username]

    def reject(self, who: Principal, document_id: str, reason: str) -> DocumentRow:
        """The signer whose turn it is sends the document back to its author, with ``reason``; submitted again, it
        is signed from its clean draft."""
        require(who, Role.SIGNER)
        if not reason.strip():
            raise InvalidRequest([FieldError("reason", "say why", "hãy nêu lý do")])
        with self.db.uow() as tx:
            doc = reviewed_document(tx, who, document_id)
            _waiting_for(who, doc)
            first_pdf = (doc.signatures[0]["base_sha256"] if doc.signatures else doc.pdf_sha256) or ""
            doc.status = DocumentStatus.REJECTED
            doc.rejection = {"by": who.username, "reason": reason, "at": self._now(), "draft_sha256": first_pdf}
            tx.repo.append_audit(who.username, "reject", doc.id, {"reason": reason})
            tx.commit()
            return doc

    # -- the signer's certificate ---------------------------------------------------------------------------------
    def _credential(self, who: Principal) -> dict[str, str]:
        with self.db.uow() as tx:
            user = tx.repo.user(who.user_id)
        return (user.credential if user else None) or {}

    def recorded_certificate(self, who: Principal) -> Certificate:
        """The certificate an administrator recorded for ``who`` (the credential's ``certificate``, PEM)."""
        pem = self._credential(who).get("certificate")
        if not pem:
            raise CertificateNotRecorded(who.username)
        return parse_certificate(pem, "credential.certificate")

    def record_certificate(self, who: Principal, username: str, pem: str) -> RecordedCertificate:
        """An administrator records a signer's certificate (a new or renewed one): from then on, two-step and remote
        signatures of that signer must be made with its key. It must chain to a trusted root, unrevoked."""
        require(who, Role.ADMIN)
        cert = parse_certificate(pem, "certificate")
        try:
            check_signers_certificate(cert)
            if self.context.trust is not None:
                self.context.trust.check_chain(cert, read_pem_certificates(pem)[1:])
        except SigningError as exc:
            raise InvalidRequest(
                [FieldError("certificate", str(exc), f"chứng thư số không được tin cậy: {exc}")]
            ) from None
        recorded = RecordedCertificate(username, subject(cert), serial_number(cert))
        with self.db.uow() as tx:
            user = tx.repo.user_by_name(username)
            if user is None:
                raise NotFound(f"no user '{username}'", f"Không có người dùng '{username}'")
            user.credential = {**(user.credential or {}), "certificate": to_pem(cert)}
            detail: dict[str, object] = {"username": username, "subject": recorded.subject, "serial": recorded.serial}
            tx.repo.append_audit(who.username, "record_certificate", user.id, detail)
            tx.commit()
        return recorded

    # -- signing with the signer's own key ------------------------------------------------------------------------
    def _image(self, credential: dict[str, str]) -> bytes:
        """The signer's signature picture (a transparent PNG), or the default one."""
        return Path(credential.get("image") or self.default_signature_image).read_bytes()

    def _open_key(self, who: Principal, credential: dict[str, str], pin: str, remote_token: str | None) -> SigningKey:
        """The signer's own key, whatever its kind, opened once with their PIN for every document of the request;
        checked against the certificate recorded for them (a remote key is used only against one)."""
        try:
            kind = parse_credential(credential)
        except CredentialInvalid as exc:
            raise CredentialRefused(
                f"{who.username} has no usable signing credential: {exc}",
                f"{who.username} chưa có chứng thư số dùng được để ký (thiếu hoặc sai mục {exc.field})",
            ) from None
        pem = credential.get("certificate")
        expected = parse_certificate(pem, "credential.certificate") if pem else None
        try:
            return self.open_key(kind, pin, access_token=remote_token, expected=expected)
        except AccessTokenMissing:
            raise InvalidRequest(
                [FieldError("remote_token", "the signing service's access token", "mã truy cập dịch vụ ký số")]
            ) from None
        except ExpectedCertificateMissing:
            raise CertificateNotRecorded(who.username) from None
        except KeyLoadError:  # wrong PIN or password, or a key that cannot be used; named without server paths
            raise CredentialRefused(
                "cannot open the signing key: wrong PIN, or the key cannot be used",
                "Không mở được khóa ký: sai mã PIN hoặc thiết bị",
            ) from None
        except SigningError as exc:  # a certificate refused, a remote service refusing or unreachable
            raise CredentialRefused(str(exc), f"Không mở được khóa ký: {exc}") from None

    def sign(
        self, who: Principal, document_ids: list[str], pin: str, remote_token: str | None = None
    ) -> list[DocumentRow]:
        """Sign each document with the signer's own key, one authorisation for all of them: one PIN for a PKCS#12
        file or a PKCS#11 token, one CSC authorisation (and one signHash call) for a remote key, whose service
        ``remote_token`` opens. Every document is checked first: nothing is signed unless all wait for this signer."""
        docs = self._waiting(who, document_ids)
        credential = self._credential(who)
        image = self._image(credential)
        requests = [self._request(who, d, image) for d in docs]
        with self._open_key(who, credential, pin, remote_token) as key:
            pdfs = [self.archive.get(str(d.pdf_sha256), ".pdf") for d in docs]
            try:
                signed = key.sign_many(pdfs, requests, self.context)
            except SigningError as exc:
                raise CredentialRefused(str(exc), f"Không ký được văn bản: {exc}") from None
            signer_name = key.subject_common_name
        done = []
        for doc, pdf in zip(docs, signed, strict=True):
            digest = self.archive.put(pdf, ".pdf")
            with self.db.uow() as tx:
                self.record_signature(tx, who, doc, str(doc.pdf_sha256), digest, signer_name)
                tx.commit()
                done.append(tx.repo.document(doc.id))
            self._signed(who, done[-1])
        return done

    def _waiting(self, who: Principal, document_ids: list[str]) -> list[DocumentRow]:
        require(who, Role.SIGNER)
        if not document_ids:
            raise InvalidRequest([FieldError("document_ids", "name at least one", "cần ít nhất một văn bản")])
        with self.db.uow() as tx:
            docs = [reviewed_document(tx, who, d) for d in dict.fromkeys(document_ids)]
        for doc in docs:
            _waiting_for(who, doc)
        return docs

    def _request(self, who: Principal, doc: DocumentRow, image: bytes | None) -> SignatureRequest:
        field, _ = signature_field(who.organisation, doc.organisation)
        return SignatureRequest(
            field_name=field,
            reason=f"{who.title or 'Ký duyệt'} ký",
            location=field_name(doc.data, "place") or None,
            level=self.level,
            certify=not doc.signatures,  # the first signer certifies: later filling and signing stay allowed
            image=image,
        )

    def record_signature(
        self, tx: UnitOfWork, who: Principal, doc: DocumentRow, base: str, digest: str, signer_name: str
    ) -> None:
        """Record ``who``'s signature (the PDF ``base`` became ``digest``) in the review flow; refused if the
        document changed meanwhile (someone else signed or rejected it), or if it is not ``who``'s turn on it (a
        second signature of theirs included)."""
        _waiting_for(who, doc)
        field, _ = signature_field(who.organisation, doc.organisation)
        signature = {"by": who.username, "name": signer_name, "field": field, "at": self._now()}
        signature["organisation"], signature["base_sha256"] = who.organisation, base
        signatures = [*doc.signatures, signature]
        step = SignatureStep(base, doc.status, digest, signatures, status_after(doc.signers, signatures))
        if not tx.repo.add_signature(doc.id, step):
            raise WrongState(f"document {doc.id} changed meanwhile", f"Văn bản {doc.id} vừa thay đổi")
        tx.repo.append_audit(who.username, "sign", doc.id, {"field": field, "pdf_sha256": digest})

    # -- two steps: prepare, then complete ------------------------------------------------------------------------
    def two_step_request(self, who: Principal, document_id: str, field_name: str | None) -> SignatureRequest:
        """What a two-step signature (USB token plugin, phone app) of ``who`` on the document is: the signer's own
        block of a document in the review flow, only when it is their turn. ``field_name``, if given, must be that
        block's field. An issued document (a letter issued directly included) takes no new signature."""
        require(who, Role.SIGNER)
        with self.db.uow() as tx:
            doc = reviewed_document(tx, who, document_id)
        _waiting_for(who, doc)
        expected, _ = signature_field(who.organisation, doc.organisation)
        if field_name is not None and field_name != expected:
            raise InvalidRequest(
                [
                    FieldError(
                        "field_name",
                        f"you sign this document in the field {expected}, not {field_name}",
                        f"bạn ký văn bản này vào ô {expected}, không phải {field_name}",
                    )
                ]
            )
        return _two_step(self._request(who, doc, self._image(self._credential(who))))

    def prepare_two_step(self, who: Principal, document_id: str, chain_pem: str, field_name: str | None) -> Prepared:
        """``signatures:prepare``: ``who``'s turn, their field, their recorded certificate."""
        request = self.two_step_request(who, document_id, field_name)
        return self._prepare(document_id, chain_pem, request, self.recorded_certificate(who), None)

    def prepare_many(self, who: Principal, document_ids: list[str], chain_pem: str) -> PreparedMany:
        """Two-step signing of several documents in one session: a digest per document for the signer's device."""
        docs = self._waiting(who, document_ids)
        recorded = self.recorded_certificate(who)
        group = str(uuid.uuid4())
        prepared = [
            (d.id, self._prepare(d.id, chain_pem, self.two_step_request(who, d.id, None), recorded, group))
            for d in docs
        ]
        return PreparedMany(group, prepared[0][1].expires_at, prepared)

    def _prepare(
        self,
        document_id: str,
        chain_pem: str,
        request: SignatureRequest,
        recorded: Certificate,
        group_id: str | None,
    ) -> Prepared:
        """``recorded``: the certificate recorded for the signer; the one sent must hold the same key."""
        with self.db.uow() as tx:
            doc = tx.repo.document(document_id)
        _check_open(doc)
        if doc.pdf_sha256 is None:
            raise NotReady(f"document {document_id} has no PDF yet", f"Văn bản {document_id} chưa có tệp PDF")
        certs = _chain(chain_pem)
        _check_recorded(certs[0], recorded, "certificates")
        try:
            prepared = prepare(self.archive.get(doc.pdf_sha256, ".pdf"), certs[0], certs[1:], request, self.context)
        except SigningError as exc:
            raise SignatureRefused(str(exc), f"Không chuẩn bị được chữ ký: {exc}") from None
        expires_at = self.clock.now() + timedelta(seconds=self.session_seconds)
        with self.db.uow() as tx:
            session = tx.repo.open_signing_session(
                document_id, group_id, doc.pdf_sha256, prepared.to_json(), expires_at
            )
            tx.commit()
        return Prepared(session.id, prepared.digest, prepared.signed_attributes, expires_at)

    def complete_two_step(self, who: Principal, document_id: str, session_id: str, value: str) -> str:
        """``signatures:complete``: still ``who``'s turn, with the session's certificate still theirs. Returns the
        signed PDF's sha256."""
        self._waiting(who, [document_id])
        return self._complete(who, document_id, session_id, value, self.recorded_certificate(who))

    def complete_many(self, who: Principal, group_id: str, values: list[tuple[str, str]]) -> list[DocumentRow]:
        """The values for a ``prepare_many`` session, each checked against the signer's certificate and embedded."""
        require(who, Role.SIGNER)
        with self.db.uow() as tx:
            sessions = {r.document_id: r.id for r in tx.repo.signing_sessions_of_group(group_id)}
        if not sessions or {d for d, _ in values} != set(sessions):
            raise InvalidRequest(
                [
                    FieldError(
                        "signatures",
                        "one signature for each document of the session",
                        "cần một chữ ký cho mỗi văn bản của phiên ký",
                    )
                ]
            )
        recorded = self.recorded_certificate(who)
        done = []
        for document_id, value in values:
            self._waiting(who, [document_id])
            self._complete(who, document_id, sessions[document_id], value, recorded)
            with self.db.uow() as tx:
                done.append(tx.repo.document(document_id))
        return done

    def _complete(self, who: Principal, document_id: str, session_id: str, value: str, recorded: Certificate) -> str:
        """Embed the signature; the signed PDF replaces the document's file (both stay in the archive). ``recorded``:
        the certificate recorded for whoever completes; the session's must hold the same key."""
        try:
            signature = base64.b64decode(value, validate=True)
        except ValueError:
            raise InvalidRequest([FieldError("signature", "must be base64", "phải mã hóa base64")]) from None
        with self.db.uow() as tx:
            session = tx.repo.signing_session(session_id)
            if (
                session is None
                or session.document_id != document_id
                or session.completed_at is not None
                or session.expires_at < self.clock.now()
            ):
                raise SessionExpired(session_id)
            prepared = PreparedSignature.from_json(session.state)
            _check_open(tx.repo.document(document_id))
        certificate = certificate_from_der(prepared.certificate)
        _check_recorded(certificate, recorded, "session_id")
        try:
            signed = complete(prepared, signature, self.context)
        except SigningError as exc:
            raise SignatureRefused(str(exc), f"Chữ ký không hợp lệ: {exc}") from None
        digest = self.archive.put(signed, ".pdf")
        with self.db.uow() as tx:
            session = tx.repo.signing_session(session_id)
            doc = tx.repo.document(document_id)
            assert session is not None
            _check_open(doc)
            if session.completed_at is not None or doc.pdf_sha256 != session.base_sha256:
                raise SessionExpired(session_id)  # someone else completed or changed the document meanwhile
            session.completed_at = self.clock.now()
            self.record_signature(tx, who, doc, session.base_sha256, digest, common_name(certificate))
            tx.commit()
        self._signed(who, doc)
        return digest

    def _signed(self, who: Principal, doc: DocumentRow) -> None:
        """After the commit: counted, and ``document.signed`` to the webhooks of the document's body."""
        self.metrics.signed(self.level.value, 1, "person")
        data = {"document_id": doc.id, "signed_by": who.username, "status": doc.status, "pdf_sha256": doc.pdf_sha256}
        self.events.publish("document.signed", doc.organisation, data)

    def _now(self) -> str:
        return self.clock.now().isoformat()
