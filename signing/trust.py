"""Trust anchors and revocation data, loaded once and shared by every signature and verification."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TypeVar

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError, ValidationError

from signing.errors import CertificateRefused, TrustDataError

T = TypeVar("T")


@dataclass(frozen=True)
class Trust:
    """roots: trusted CA certificates. crls: DER CRLs, shared by every document (nothing fetched per document)."""

    roots: tuple[x509.Certificate, ...]
    crls: tuple[bytes, ...] = ()
    _parsed_crls: tuple[x509.CertificateRevocationList, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_parsed_crls", tuple(x509.load_der_x509_crl(c) for c in self.crls))

    @classmethod
    def load(cls, roots: list[Path], crls: list[Path] | None = None) -> Trust:
        """Certificates and CRLs from files, each PEM or DER. Raises ``TrustDataError`` naming the file that
        cannot be read."""
        certs: list[x509.Certificate] = []
        for path in roots:
            certs.extend(_read_certificates(path))
        return cls(tuple(certs), tuple(_read_crl(p) for p in crls or []))

    def validation_context(
        self,
        *,
        moment: datetime | None = None,
        certs: Sequence[asn1_x509.Certificate] = (),
        crls: Sequence[asn1_crl.CertificateList] = (),
        ocsps: Sequence[asn1_ocsp.OCSPResponse] = (),
        check_revocation: bool | None = None,
    ) -> ValidationContext:
        """A fresh pyHanko validation context that never fetches. ``certs``, ``crls``, ``ocsps``: validation data
        a document carries (its DSS), used beside ``self.crls``. ``check_revocation`` (default: whether there is
        any revocation data) makes revocation hard-fail: a certificate whose CRL is missing does not validate.
        ``moment``: validate as at that time (a point the signature's timestamp proves): a revocation dated after
        it does not count, and revocation data issued after it is read too (``retroactive_revinfo``)."""
        all_crls = [asn1_crl.CertificateList.load(c) for c in self.crls] + list(crls)
        hard = check_revocation if check_revocation is not None else bool(all_crls or ocsps)
        return ValidationContext(
            trust_roots=[_asn1(c) for c in self.roots],
            other_certs=list(certs),
            crls=all_crls,
            ocsps=list(ocsps),
            allow_fetching=False,
            revocation_mode="hard-fail" if hard else "soft-fail",
            moment=moment,
            retroactive_revinfo=moment is not None,
        )

    @cached_property
    def shared_validation_context(self) -> ValidationContext:
        """One validation context for many signatures: chains and CRL checks are computed once and reused."""
        return self.validation_context()

    def check_chain(self, cert: x509.Certificate, chain: list[x509.Certificate] | None = None) -> None:
        """Refuse a signer's certificate that does not chain to one of ``roots`` (through ``chain``, the
        intermediates the signer sent), that is expired, or that a CRL lists as revoked. A fresh validation
        context each time: certificates a signer sends never join the shared one."""
        name = cert.subject.rfc4514_string()
        if not self.roots:
            raise CertificateRefused(f"certificate of {name} cannot be trusted: no trust anchor is configured")
        intermediates = [_asn1(c) for c in chain or []]
        validator = CertificateValidator(_asn1(cert), intermediates, validation_context=self.validation_context())
        try:
            asyncio.run(validator.async_validate_path())
        except PathBuildingError:
            raise CertificateRefused(f"certificate of {name} does not chain to a trusted root") from None
        except ValidationError as exc:
            raise CertificateRefused(f"certificate of {name} does not validate: {exc.failure_msg}") from None
        self.check_not_revoked(cert)

    def check_not_revoked(self, cert: x509.Certificate) -> None:
        """Refuse a certificate its issuer's CRL lists as revoked (or whose CRL has expired)."""
        for crl in self._parsed_crls:
            if crl.issuer != cert.issuer:
                continue
            if crl.next_update_utc is not None and crl.next_update_utc < datetime.now(UTC):
                raise CertificateRefused(f"the CRL of {crl.issuer.rfc4514_string()} expired; revocation unknown")
            entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
            if entry is not None:
                raise CertificateRefused(
                    f"certificate of {cert.subject.rfc4514_string()} was revoked on {entry.revocation_date_utc}"
                )


def _read_pem_or_der(path: Path, kind: str, what: str, pem: Callable[[bytes], T], der: Callable[[bytes], T]) -> T:
    """The file at ``path``, parsed as PEM or DER; a :class:`TrustDataError` of ``kind`` naming the file and why
    (``what`` it should be) if it cannot be read or parsed."""
    try:
        data = path.read_bytes()
        return pem(data) if b"-----BEGIN" in data else der(data)
    except OSError as exc:
        raise TrustDataError(f"cannot read {kind} {path}: {exc.strerror}", kind=kind) from None
    except ValueError:
        raise TrustDataError(f"cannot read {kind} {path}: not {what} (PEM or DER)", kind=kind) from None


def _read_certificates(path: Path) -> list[x509.Certificate]:
    return _read_pem_or_der(
        path,
        "trust anchor",
        "an X.509 certificate",
        x509.load_pem_x509_certificates,
        lambda data: [x509.load_der_x509_certificate(data)],
    )


def _read_crl(path: Path) -> bytes:
    """A CRL file, PEM or DER, as DER."""
    crl = _read_pem_or_der(path, "CRL", "a certificate revocation list", x509.load_pem_x509_crl, x509.load_der_x509_crl)
    return crl.public_bytes(serialization.Encoding.DER)


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
