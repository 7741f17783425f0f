"""The review flow of a document through the office: submit, sign from the inbox, reject, issue.

Signing happens in the API process, never in a Celery task: a PIN or password is used for the documents of one
request and forgotten, never stored or put in a message.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from service.adapters.orm import DocumentRow, UserRow
from service.domain.clock import Clock
from service.domain.documents import DocumentStatus
from service.domain.office import Principal, Role, Workflow, next_signer, parties, signature_field
from service.domain.templates import Template
from service.domain.vietnamese import day_month_year
from service.errors import (
    CertificateNotRecorded,
    CredentialRefused,
    FieldError,
    Forbidden,
    InvalidRequest,
    NotFound,
    WrongState,
)
from service.services import issuing
from service.services.auth import require
from service.services.ports import Archive, Database, SignatureStep, UnitOfWork
from service.services.production import OrganisationSignature
from service.services.signatures import Prepared, complete_signature, group_sessions, prepare_signature
from signing import (
    CredentialInvalid,
    KeyLoadError,
    SignatureRequest,
    SigningError,
    SigningKey,
    open_key,
    parse_credential,
)
from signing.errors import AccessTokenMissing, CertificateRefused, ExpectedCertificateMissing
from signing.forms import field_names, fill_text_fields
from signing.keys import check_certificate
from signing.sign import Level, SigningContext


def parse_certificate(pem: str, path: str) -> x509.Certificate:
    """The first certificate of a PEM text, or a 422 naming ``path``."""
    try:
        return x509.load_pem_x509_certificates(pem.encode())[0]
    except (ValueError, IndexError):
        raise InvalidRequest(
            [FieldError(path, "must be a certificate, PEM", "phải là chứng thư số dạng PEM")]
        ) from None


def _check_signers_certificate(cert: x509.Certificate) -> None:
    """A person's signing certificate: not a CA's (the root chains to itself, yet signs no document), valid now,
    with a key and key usage that may sign."""
    try:
        is_ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        is_ca = False
    if is_ca:
        raise CertificateRefused(f"certificate of {cert.subject.rfc4514_string()} is a CA certificate, not a signer's")
    check_certificate(cert)


def can_see(who: Principal, doc: DocumentRow) -> bool:
    """Admins, the document's own body, its signers and the bodies that signed it (a joint document's partner)."""
    return (
        who.has(Role.ADMIN)
        or who.organisation == doc.organisation
        or who.username in (doc.signers or [])
        or who.organisation in {s.get("organisation") for s in doc.signatures or []}
    )


def check_can_see(who: Principal, doc: DocumentRow) -> None:
    if not can_see(who, doc):
        raise Forbidden(
            f"document {doc.id} belongs to {doc.organisation}", f"Văn bản {doc.id} thuộc {doc.organisation}"
        )


def _state(doc: DocumentRow, *allowed: DocumentStatus) -> None:
    if doc.status not in allowed:
        wanted = ", ".join(allowed)
        raise WrongState(
            f"document {doc.id} is {doc.status}; this needs {wanted}",
            f"Văn bản {doc.id} đang ở trạng thái {doc.status}; việc này cần {wanted}",
        )


def check_signers(tx: UnitOfWork, doc: DocumentRow, template: Template, usernames: list[str]) -> list[UserRow]:
    """The signers a review document needs: existing signers, one of the issuing body, and for a joint document one
    of the partner body; in the order given."""
    problems = []
    users = []
    for i, name in enumerate(usernames):
        user = tx.repo.user_by_name(name)
        if user is None or not user.active or Role.SIGNER.value not in user.roles:
            problems.append(FieldError(f"signers.{i}", f"{name} is not a signer", f"{name} không phải người ký"))
        else:
            users.append(user)
    own = [u for u in users if u.organisation == doc.organisation]
    others = [u for u in users if u.organisation != doc.organisation]
    if not problems:
        if len(own) != 1:
            problems.append(
                FieldError(
                    "signers",
                    f"one leader of {doc.organisation} signs (found {len(own)})",
                    f"cần đúng một lãnh đạo của {doc.organisation} ký (có {len(own)})",
                )
            )
        if len(others) != (1 if parties(template.schema) == 2 else 0):
            problems.append(
                FieldError(
                    "signers",
                    "a joint document is signed by one leader of each party"
                    if parties(template.schema) == 2
                    else f"only leaders of {doc.organisation} sign this document",
                    "văn bản liên tịch do lãnh đạo mỗi bên ký"
                    if parties(template.schema) == 2
                    else f"chỉ lãnh đạo của {doc.organisation} ký văn bản này",
                )
            )
    if problems:
        raise InvalidRequest(problems)
    return users


@dataclass
class Office:
    db: Database
    archive: Archive
    template_of: Callable[[DocumentRow], Template]
    context: SigningContext
    level: Level
    organisation: OrganisationSignature
    default_signature_image: Path
    clock: Clock
    session_seconds: float = 300

    def _load(self, tx: UnitOfWork, who: Principal, document_id: str) -> DocumentRow:
        doc = tx.repo.document(document_id)
        check_can_see(who, doc)
        if doc.workflow != Workflow.REVIEW:
            raise WrongState(
                f"document {doc.id} was issued directly, without review",
                f"Văn bản {doc.id} được ban hành trực tiếp, không qua trình ký",
            )
        return doc

    def submit(self, who: Principal, document_id: str, signers: list[str] | None) -> DocumentRow:
        """Send a draft (or a rejected document) to its signers."""
        require(who, Role.REQUESTER)
        with self.db.uow() as tx:
            doc = self._load(tx, who, document_id)
            if who.organisation != doc.organisation and not who.has(Role.ADMIN):
                raise Forbidden("only the requesting body submits", "Chỉ đơn vị soạn thảo được trình ký")
            _state(doc, DocumentStatus.DRAFT, DocumentStatus.REJECTED)
            usernames = signers if signers is not None else list(doc.signers or [])
            check_signers(tx, doc, self.template_of(doc), usernames)
            if doc.status == DocumentStatus.REJECTED:  # signed again from the clean draft
                doc.pdf_sha256 = (doc.rejection or {}).get("draft_sha256", doc.pdf_sha256)
            doc.signers, doc.signatures, doc.status = usernames, [], DocumentStatus.SUBMITTED
            tx.repo.append_audit(who.username, "submit", doc.id, {"signers": usernames})
            tx.commit()
            return doc

    def reject(self, who: Principal, document_id: str, reason: str) -> DocumentRow:
        require(who, Role.SIGNER)
        if not reason.strip():
            raise InvalidRequest([FieldError("reason", "say why", "hãy nêu lý do")])
        with self.db.uow() as tx:
            doc = self._load(tx, who, document_id)
            self._waiting_for(who, doc)
            first_pdf = (doc.signatures[0]["base_sha256"] if doc.signatures else doc.pdf_sha256) or ""
            doc.status = DocumentStatus.REJECTED
            doc.rejection = {"by": who.username, "reason": reason, "at": self._now(), "draft_sha256": first_pdf}
            tx.repo.append_audit(who.username, "reject", doc.id, {"reason": reason})
            tx.commit()
            return doc

    def inbox(self, who: Principal) -> list[DocumentRow]:
        require(who, Role.SIGNER)
        with self.db.uow() as tx:
            waiting = tx.repo.documents_waiting(DocumentStatus.SUBMITTED)
        return [d for d in waiting if next_signer(d.signers, d.signatures) == who.username]

    def _credential(self, who: Principal) -> dict[str, str]:
        with self.db.uow() as tx:
            user = tx.repo.user(who.user_id)
        return (user.credential if user else None) or {}

    def recorded_certificate(self, who: Principal) -> x509.Certificate:
        """The certificate an administrator recorded for ``who`` (the credential's ``certificate``, PEM)."""
        pem = self._credential(who).get("certificate")
        if not pem:
            raise CertificateNotRecorded(who.username)
        return parse_certificate(pem, "credential.certificate")

    def record_certificate(self, who: Principal, username: str, pem: str) -> x509.Certificate:
        """An administrator records a signer's certificate (a new or renewed one): from then on, two-step and remote
        signatures of that signer must be made with its key. It must chain to a trusted root, unrevoked."""
        require(who, Role.ADMIN)
        cert = parse_certificate(pem, "certificate")
        try:
            _check_signers_certificate(cert)
            if self.context.trust is not None:
                self.context.trust.check_chain(cert, x509.load_pem_x509_certificates(pem.encode())[1:])
        except SigningError as exc:
            raise InvalidRequest(
                [FieldError("certificate", str(exc), f"chứng thư số không được tin cậy: {exc}")]
            ) from None
        with self.db.uow() as tx:
            user = tx.repo.user_by_name(username)
            if user is None:
                raise NotFound(f"no user '{username}'", f"Không có người dùng '{username}'")
            text = cert.public_bytes(serialization.Encoding.PEM).decode()
            user.credential = {**(user.credential or {}), "certificate": text}
            detail: dict[str, object] = {
                "username": username,
                "subject": cert.subject.rfc4514_string(),
                "serial": str(cert.serial_number),
            }
            tx.repo.append_audit(who.username, "record_certificate", user.id, detail)
            tx.commit()
        return cert

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
            return open_key(kind, pin, access_token=remote_token, expected=expected)
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
        return done

    def _waiting(self, who: Principal, document_ids: list[str]) -> list[DocumentRow]:
        require(who, Role.SIGNER)
        if not document_ids:
            raise InvalidRequest([FieldError("document_ids", "name at least one", "cần ít nhất một văn bản")])
        with self.db.uow() as tx:
            docs = [self._load(tx, who, d) for d in dict.fromkeys(document_ids)]
        for doc in docs:
            self._waiting_for(who, doc)
        return docs

    def prepare_many(
        self, who: Principal, document_ids: list[str], chain_pem: str
    ) -> tuple[str, datetime, list[tuple[str, Prepared]]]:
        """Two-step signing of several documents in one session: a digest per document for the signer's device."""
        docs = self._waiting(who, document_ids)
        recorded = self.recorded_certificate(who)
        group = str(uuid.uuid4())
        prepared = [
            (
                d.id,
                prepare_signature(
                    self.db,
                    self.archive,
                    self.context,
                    d.id,
                    chain_pem,
                    self.two_step_request(who, d.id, None),
                    self.session_seconds,
                    recorded,
                    group,
                ),
            )
            for d in docs
        ]
        return group, prepared[0][1].expires_at, prepared

    def complete_many(self, who: Principal, group_id: str, values: list[tuple[str, str]]) -> list[DocumentRow]:
        """The values for an ``prepare_many`` session, each checked against the signer's certificate and embedded."""
        require(who, Role.SIGNER)
        sessions = group_sessions(self.db, group_id)
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

        def record(tx: UnitOfWork, doc: DocumentRow, base: str, digest: str, signer: str) -> None:
            self.record_signature(tx, who, doc, base, digest, signer)

        recorded = self.recorded_certificate(who)
        done = []
        for document_id, value in values:
            self._waiting(who, [document_id])
            complete_signature(
                self.db, self.archive, self.context, document_id, sessions[document_id], value, record, recorded
            )
            with self.db.uow() as tx:
                done.append(tx.repo.document(document_id))
        return done

    def _request(self, who: Principal, doc: DocumentRow, image: bytes | None) -> SignatureRequest:
        field, _ = signature_field(who.organisation, doc.organisation)
        return SignatureRequest(
            field_name=field,
            reason=f"{who.title or 'Ký duyệt'} ký",
            location=doc.data.get("place"),
            level=self.level,
            certify=not doc.signatures,  # the first signer certifies: later filling and signing stay allowed
            image=image,
        )

    def two_step_request(self, who: Principal, document_id: str, field_name: str | None) -> SignatureRequest:
        """What a two-step signature (USB token plugin, phone app) of ``who`` on the document is: the signer's own
        block of a document in the review flow, only when it is their turn. ``field_name``, if given, must be that
        block's field. An issued document (a letter issued directly included) takes no new signature."""
        require(who, Role.SIGNER)
        with self.db.uow() as tx:
            doc = self._load(tx, who, document_id)
        self._waiting_for(who, doc)
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
        recorded = self.recorded_certificate(who)
        return prepare_signature(
            self.db, self.archive, self.context, document_id, chain_pem, request, self.session_seconds, recorded
        )

    def complete_two_step(self, who: Principal, document_id: str, session_id: str, value: str) -> str:
        """``signatures:complete``: still ``who``'s turn, with the session's certificate still theirs."""
        self._waiting(who, [document_id])
        recorded = self.recorded_certificate(who)

        def record(tx: UnitOfWork, doc: DocumentRow, base: str, digest: str, signer: str) -> None:
            self.record_signature(tx, who, doc, base, digest, signer)

        return complete_signature(self.db, self.archive, self.context, document_id, session_id, value, record, recorded)

    def _now(self) -> str:
        return self.clock.now().isoformat()

    def _waiting_for(self, who: Principal, doc: DocumentRow) -> None:
        _state(doc, DocumentStatus.SUBMITTED)
        if next_signer(doc.signers, doc.signatures) != who.username:
            raise Forbidden(f"document {doc.id} is not waiting for you", f"Văn bản {doc.id} không chờ bạn ký")

    def record_signature(
        self, tx: UnitOfWork, who: Principal, doc: DocumentRow, base: str, digest: str, signer_name: str
    ) -> None:
        """Record ``who``'s signature (the PDF ``base`` became ``digest``) in the review flow; refused if the
        document changed meanwhile (someone else signed or rejected it)."""
        field, _ = signature_field(who.organisation, doc.organisation)
        signature = {"by": who.username, "name": signer_name, "field": field, "at": self._now()}
        signature["organisation"], signature["base_sha256"] = who.organisation, base
        signatures = [*doc.signatures, signature]
        status = DocumentStatus.SIGNED if len(signatures) == len(doc.signers) else DocumentStatus.SUBMITTED
        if not tx.repo.add_signature(doc.id, SignatureStep(base, doc.status, digest, signatures, status)):
            raise WrongState(f"document {doc.id} changed meanwhile", f"Văn bản {doc.id} vừa thay đổi")
        tx.repo.append_audit(who.username, "sign", doc.id, {"field": field, "pdf_sha256": digest})

    def issue(
        self, who: Principal, document_id: str, number: int | None = None, issued_on: date | None = None
    ) -> DocumentRow:
        """Give a signed document its number and date, fill them into the PDF, apply the organisation's signature
        and record it in the register, all in one transaction: a number is taken only if the document is issued."""
        require(who, Role.CLERK)
        issued_on = issued_on or self.clock.today()
        manual = number is not None
        with self.db.uow() as tx:
            found = self._load(tx, who, document_id)
        template = self.template_of(found)  # read before taking the write lock, on a connection of its own
        with self.db.uow() as tx:
            doc = self._load(tx, who, document_id)
            if who.organisation != doc.organisation:
                raise Forbidden(
                    f"a clerk of {who.organisation} cannot issue for {doc.organisation}",
                    f"Văn thư của {who.organisation} không ban hành văn bản của {doc.organisation}",
                )
            _state(doc, DocumentStatus.SIGNED)
            # the first write: takes the document (and on SQLite the database) for this transaction
            if not tx.repo.claim_for_issue(doc.id):
                raise WrongState(f"document {doc.id} is being issued", f"Văn bản {doc.id} đang được ban hành")
            year = issued_on.year
            number = issuing.take_number(tx, doc, template, year, number)
            notation = issuing.notation(template, doc.organisation, number)
            pdf = self._issued_pdf(doc, notation, number, issued_on)
            digest = self.archive.put(pdf, ".pdf")
            row = tx.repo.document(doc.id)
            row.number, row.year, row.issued_on, row.notation = number, year, issued_on, notation
            row.pdf_sha256, row.signed_at = digest, self.clock.now()
            row.signer = "; ".join(s["name"] for s in doc.signatures)
            issuing.record(tx, row, template, manual)  # NumberTaken if another clerk gave the number meanwhile
            tx.repo.append_audit(who.username, "issue", doc.id, {"notation": notation, "pdf_sha256": digest})
            tx.commit()
            return row

    def _issued_pdf(self, doc: DocumentRow, notation: str, number: int, issued_on: date) -> bytes:
        assert doc.pdf_sha256 is not None
        pdf = self.archive.get(doc.pdf_sha256, ".pdf")
        day, month, year = day_month_year(issued_on)
        parts = {"number": f"{number:02d}", "day": day, "month": month, "year": year}
        values = {name: parts[name.split("_")[0]] for name in field_names(pdf) if name.split("_")[0] in parts}
        pdf = fill_text_fields(pdf, values)
        signed, _ = self.organisation.sign(pdf, f"Ban hành {notation}", doc.data.get("place"), prepared=True)
        return signed


def _two_step(request: SignatureRequest) -> SignatureRequest:
    """Signatures made in two steps (a remote or external key) are B-T at most; the organisation's signature at
    issuance adds the validation data (same CA and CRL) in its own revision."""
    if request.level in (Level.B_LT, Level.B_LTA):
        return replace(request, level=Level.B_T)
    return request
