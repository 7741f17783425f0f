"""Verifying the signatures of a PDF: integrity, what each covers, later changes, chain of trust, revocation."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from io import BytesIO
from typing import Any

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.status import DocumentTimestampStatus, PdfSignatureStatus, SignatureCoverageLevel

from signing.trust import Trust

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
    certified: bool
    ok: bool

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for k in ("signing_time", "timestamp_time"):
            out[k] = out[k].isoformat() if out[k] else None
        return out


@dataclass(frozen=True)
class VerificationReport:
    signatures: list[SignatureReport]
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Every signature intact, trusted, not revoked, later changes allowed; and at least one signature."""
        return bool(self.signatures) and self.error is None and all(s.ok for s in self.signatures)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "error": self.error, "signatures": [s.to_dict() for s in self.signatures]}


def _name(cert: Any, attribute: str) -> str:
    try:
        return str(cert.subject.native.get(attribute, ""))
    except (AttributeError, ValueError):
        return ""


def verify_pdf(pdf: bytes, trust: Trust) -> VerificationReport:
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        embedded = list(reader.embedded_signatures)
    except (PdfError, ValueError, KeyError) as exc:
        return VerificationReport([], f"not a readable PDF: {exc}")
    total = reader.xrefs.total_revisions
    revocation = _dss_revocation(reader)
    doc_ts_revisions = [s.signed_revision for s in embedded if s.sig_object_type == "/DocTimeStamp"]
    reports = []
    for sig in embedded:
        reports.append(_verify_one(sig, trust, total, revocation, doc_ts_revisions))
    return VerificationReport(reports)


def _dss_revocation(reader: PdfFileReader) -> set[tuple[bytes, Any]]:
    """What the DSS holds revocation data for: each CRL's issuer (name and key identifier) and each OCSP
    response's certificate (issuer name hash and serial), so a signature is B-LT only when the DSS can tell about
    its own certificate."""
    if "/DSS" not in reader.root:
        return set()
    dss = DocumentSecurityStore.read_dss(reader)
    found: set[tuple[bytes, Any]] = set()
    for ref in dss.crls:
        crl = asn1_crl.CertificateList.load(ref.get_object().data)
        found.add((crl.issuer.dump(), crl.authority_key_identifier))
    for ref in dss.ocsps:
        response = asn1_ocsp.OCSPResponse.load(ref.get_object().data)
        if response["response_status"].native != "successful":
            continue
        for single in response.basic_ocsp_response["tbs_response_data"]["responses"]:
            cert_id = single["cert_id"]
            found.add((cert_id["issuer_name_hash"].native, cert_id["serial_number"].native))
    return found


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


def _verify_one(
    sig: Any, trust: Trust, total: int, revocation: set[tuple[bytes, Any]], doc_ts_revisions: list[int]
) -> SignatureReport:
    is_timestamp = sig.sig_object_type == "/DocTimeStamp"
    context = trust.validation_context()
    try:
        status = validate_pdf_timestamp(sig, context) if is_timestamp else validate_pdf_signature(sig, context)
    except (PdfError, PyHankoSigningError, ValueError) as exc:
        return SignatureReport(
            str(sig.field_name),
            "document timestamp" if is_timestamp else "signature",
            "",
            "",
            None,
            None,
            "",
            False,
            "unknown",
            False,
            f"cannot be evaluated: {exc}",
            False,
            False,
            [],
            "not checked",
            False,
            False,
        )
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
            if _covered(status.signing_cert, revocation):
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
        revocation="revoked" if revoked else ("good" if trust.crls and trusted else "not checked"),
        certified=bool(getattr(sig, "docmdp_level", None)),
        ok=intact and trusted and allowed,
    )
