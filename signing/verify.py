"""Verifying the signatures of a PDF: integrity, what each covers, later changes, chain of trust, revocation."""

from __future__ import annotations

import zlib
from dataclasses import asdict, dataclass
from datetime import datetime
from io import BytesIO
from typing import Any

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.crypt import AuthStatus
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.general import CMSStructuralError, find_unique_cms_attribute
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.validation import EmbeddedPdfSignature, validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.status import DocumentTimestampStatus, PdfSignatureStatus, SignatureCoverageLevel

from signing.errors import NotVerifiable
from signing.trust import Trust

# What a hostile or damaged file can make pyHanko and asn1crypto raise while it is read and validated.
_DAMAGED = (
    PdfError,
    PyHankoSigningError,
    CMSStructuralError,
    ValueError,
    KeyError,
    TypeError,
    AttributeError,
    IndexError,
    NotImplementedError,
    OverflowError,
    RecursionError,
    zlib.error,
)

_CHANGES = {
    ModificationLevel.NONE: "none",
    ModificationLevel.LTA_UPDATES: "allowed: validation data and timestamps",
    ModificationLevel.FORM_FILLING: "allowed: form filling and signatures",
    ModificationLevel.ANNOTATIONS: "allowed: annotations",
    ModificationLevel.OTHER: "not allowed",
}


@dataclass(frozen=True)
class SignatureReport:
    """One signature's verdict, in the terms a records officer reads."""

    field: str
    kind: str  # "signature" or "document timestamp"
    signer: str
    organisation: str
    signing_time: datetime | None
    timestamp_time: datetime | None
    level: str
    intact: bool  # the signed bytes are unchanged and the cryptographic signature is valid
    covers: str  # "whole file" or "revision k of n"
    covers_whole_file: bool
    later_changes: str
    later_changes_allowed: bool
    trusted: bool
    chain: list[str]
    revocation: str  # "good", "revoked", "not checked"
    revocation_at: datetime | None  # the time the trust and revocation verdict holds for (None: now)
    certified: bool
    ok: bool

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for k in ("signing_time", "timestamp_time", "revocation_at"):
            out[k] = out[k].isoformat() if out[k] else None
        return out


@dataclass(frozen=True)
class VerificationReport:
    signatures: list[SignatureReport]

    @property
    def ok(self) -> bool:
        """Every signature intact, trusted, not revoked, later changes allowed; and at least one signature."""
        return bool(self.signatures) and all(s.ok for s in self.signatures)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "signatures": [s.to_dict() for s in self.signatures]}


def _name(cert: Any, attribute: str) -> str:
    try:
        return str(cert.subject.native.get(attribute, ""))
    except (AttributeError, ValueError):
        return ""


def verify_pdf(pdf: bytes, trust: Trust) -> VerificationReport:
    """Every signature of ``pdf``: integrity, coverage, later changes, trust and revocation. Revocation is judged
    from ``trust.crls`` and the validation data the file carries (its DSS), at the time the signature's timestamp
    proves (a document timestamp: its own time), or now for a signature without a trusted timestamp.
    Raises ``NotVerifiable`` for a file that is no readable PDF, is encrypted, or holds no signature."""
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        if reader.encrypted and not _opened(reader):
            raise NotVerifiable("the PDF is encrypted with a password; give the file unencrypted", reason="encrypted")
        fields = list(enumerate_sig_fields(reader, filled_status=True))
        total = reader.xrefs.total_revisions
    except NotVerifiable:
        raise
    except _DAMAGED as exc:
        raise NotVerifiable(f"not a readable PDF: {_reason(exc)}", reason="unreadable") from None
    if not fields:
        raise NotVerifiable("the PDF holds no signature", reason="unsigned")
    embedded: list[EmbeddedPdfSignature] = []
    damaged: list[SignatureReport] = []
    for name, value, field in fields:
        try:
            embedded.append(EmbeddedPdfSignature(reader, field, name))
        except _DAMAGED as exc:
            whole = _byte_range_is_whole_file(value, len(pdf))
            damaged.append(_not_evaluated(str(name), "signature", f"cannot be read: {_reason(exc)}", whole))
    embedded.sort(key=lambda s: s.signed_revision)
    try:
        dss = _read_dss(reader)
    except _DAMAGED as exc:
        raise NotVerifiable(f"its validation data (DSS) cannot be read: {_reason(exc)}", reason="unreadable") from None
    doc_ts_revisions = [s.signed_revision for s in embedded if s.sig_object_type == "/DocTimeStamp"]
    return VerificationReport([_verify_one(sig, trust, total, dss, doc_ts_revisions) for sig in embedded] + damaged)


def _byte_range_is_whole_file(value: Any, size: int) -> bool:
    """Whether a signature dictionary's /ByteRange spans the whole file but its /Contents."""
    try:
        start, first, second, length = (int(n) for n in value.get_object()["/ByteRange"])
    except _DAMAGED:
        return False
    return start == 0 and first < second and second + length == size


def _not_evaluated(field: str, kind: str, why: str, whole: bool = False) -> SignatureReport:
    """A signature that cannot be read or validated at all: nothing about it holds but what it spans."""
    return SignatureReport(
        field=field,
        kind=kind,
        signer="",
        organisation="",
        signing_time=None,
        timestamp_time=None,
        level="",
        intact=False,
        covers="whole file" if whole else "unknown",
        covers_whole_file=whole,
        later_changes=why,
        later_changes_allowed=False,
        trusted=False,
        chain=[],
        revocation="not checked",
        revocation_at=None,
        certified=False,
        ok=False,
    )


def _opened(reader: PdfFileReader) -> bool:
    """Open a PDF encrypted with an empty user password (anyone may read it); False if it needs a password."""
    try:
        return reader.decrypt("").status != AuthStatus.FAILED
    except _DAMAGED:
        return False


def _reason(exc: BaseException) -> str:
    """One line, never empty."""
    text = " ".join(str(exc).split())
    return text[:300] or type(exc).__name__


@dataclass(frozen=True)
class _Dss:
    """The validation data a PDF carries in its document security store (DSS), and what it holds revocation
    data for: each CRL's issuer (name and key identifier) and each OCSP response's certificate (issuer name hash
    and serial)."""

    certs: list[asn1_x509.Certificate]
    crls: list[asn1_crl.CertificateList]
    ocsps: list[asn1_ocsp.OCSPResponse]
    covers: set[tuple[bytes, Any]]


def _read_dss(reader: PdfFileReader) -> _Dss:
    if "/DSS" not in reader.root:
        return _Dss([], [], [], set())
    dss = DocumentSecurityStore.read_dss(reader)
    certs = list(dss.load_certs())
    crls = [asn1_crl.CertificateList.load(ref.get_object().data) for ref in dss.crls]
    ocsps = [asn1_ocsp.OCSPResponse.load(ref.get_object().data) for ref in dss.ocsps]
    covers: set[tuple[bytes, Any]] = set()
    for crl in crls:
        covers.add((crl.issuer.dump(), crl.authority_key_identifier))
    for response in ocsps:
        if response["response_status"].native != "successful":
            continue
        for single in response.basic_ocsp_response["tbs_response_data"]["responses"]:
            cert_id = single["cert_id"]
            covers.add((cert_id["issuer_name_hash"].native, cert_id["serial_number"].native))
    return _Dss(certs, crls, ocsps, covers)


def _covered(cert: Any, revocation: set[tuple[bytes, Any]]) -> bool:
    """Whether the DSS has a CRL from ``cert``'s issuer or an OCSP response about ``cert`` (its CertID names the
    issuer by a SHA-1 or SHA-256 hash)."""
    if cert is None:
        return False
    issuer = cert.issuer.dump()
    serial = cert.serial_number
    keys = {
        (issuer, cert.authority_key_identifier),
        (issuer, None),
        (cert.issuer.sha1, serial),
        (cert.issuer.sha256, serial),
    }
    return bool(keys & revocation)


def _proven_time(sig: Any) -> datetime | None:
    """The time a timestamp proves, not yet validated: a document timestamp's own, or that of the signature's
    timestamp token. None without one."""
    try:
        if sig.sig_object_type == "/DocTimeStamp":
            signed_data = sig.signed_data
        else:
            token = find_unique_cms_attribute(sig.signer_info["unsigned_attrs"], "signature_time_stamp_token")
            signed_data = token["content"]
        gen_time = signed_data["encap_content_info"]["content"].parsed["gen_time"].native
    except (PyHankoSigningError, *_DAMAGED):
        return None
    return gen_time if isinstance(gen_time, datetime) and gen_time.tzinfo is not None else None


def _timestamp_holds(status: PdfSignatureStatus) -> bool:
    tst = status.timestamp_validity
    return tst is not None and bool(tst.intact and tst.valid and tst.trusted)


def _verify_one(sig: Any, trust: Trust, total: int, dss: _Dss, doc_ts_revisions: list[int]) -> SignatureReport:
    is_timestamp = sig.sig_object_type == "/DocTimeStamp"
    try:
        signer_cert = sig.signer_cert
    except _DAMAGED:
        signer_cert = None
    # revocation is checked (hard-fail) where there is revocation data for this certificate
    check = bool(trust.crls) or _covered(signer_cert, dss.covers)

    def validate(moment: datetime | None) -> PdfSignatureStatus | DocumentTimestampStatus:
        context = trust.validation_context(
            moment=moment, certs=dss.certs, crls=dss.crls, ocsps=dss.ocsps, check_revocation=check
        )
        return validate_pdf_timestamp(sig, context) if is_timestamp else validate_pdf_signature(sig, context)

    moment = _proven_time(sig)
    try:
        status = validate(moment)
        if moment is not None and isinstance(status, PdfSignatureStatus) and not _timestamp_holds(status):
            moment = None  # a timestamp that does not validate proves no time: judge the signature as of now
            status = validate(None)
    except _DAMAGED as exc:
        kind = "document timestamp" if is_timestamp else "signature"
        return _not_evaluated(str(sig.field_name), kind, f"cannot be evaluated: {_reason(exc)}")
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    level_changes = status.modification_level or ModificationLevel.OTHER
    allowed = whole or (level_changes != ModificationLevel.OTHER and status.docmdp_ok is not False)
    intact = bool(status.intact and status.valid)
    tst = status.timestamp_validity if isinstance(status, PdfSignatureStatus) else None
    if is_timestamp:
        level = "document timestamp"
    else:
        level = "B-B"
        if tst is not None:
            level = "B-T"
            if _covered(status.signing_cert, dss.covers):
                level = "B-LT"
                if any(r > sig.signed_revision for r in doc_ts_revisions):
                    level = "B-LTA"
    revoked = bool(status.revoked)
    path = status.validation_path
    chain = [str(c.subject.human_friendly) for c in path.iter_certs(include_root=True)] if path else []
    trusted = bool(status.trusted) and not revoked
    return SignatureReport(
        field=str(sig.field_name),
        kind="document timestamp" if is_timestamp else "signature",
        signer=_name(status.signing_cert, "common_name"),
        organisation=_name(status.signing_cert, "organization_name"),
        signing_time=status.signer_reported_dt if isinstance(status, PdfSignatureStatus) else None,
        timestamp_time=status.timestamp
        if isinstance(status, DocumentTimestampStatus)
        else (tst.timestamp if tst else None),
        level=level,
        intact=intact,
        covers="whole file" if whole else f"revision {sig.signed_revision + 1} of {total}",
        covers_whole_file=whole,
        later_changes="none" if whole else _CHANGES.get(level_changes, str(level_changes)),
        later_changes_allowed=allowed,
        trusted=trusted,
        chain=chain,
        revocation="revoked" if revoked else ("good" if check and trusted else "not checked"),
        revocation_at=moment,
        certified=bool(getattr(sig, "docmdp_level", None)),
        ok=intact and trusted and allowed,
    )
