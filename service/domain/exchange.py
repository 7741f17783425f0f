"""Exchange between bodies (liên thông văn bản): what an edXML package (QCVN 102:2016/BTTTT) says about an issued
document, whichever way it is written (``service.adapters.records_xml`` writes and reads it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from service.domain.data_fields import recipients_of
from service.domain.records import ArchiveMetadata, Priority, SignerInfo


@dataclass(frozen=True)
class Organ:
    """A body in an exchange: ``organ_id`` (mã định danh; the service's abbreviation, or the name's slug for a body
    it does not know) and ``organ_name``."""

    organ_id: str
    organ_name: str


@dataclass(frozen=True)
class ExchangeMessage:
    """One document sent to one body: the edXML header's fields and the signed PDF.

    sender, recipient: From and To; document_id: the service's id of the document; code_number, code_notation:
    Code; place, promulgation_date: PromulgationInfo; type_name: DocumentType's TypeName (and ``type_code``: its
    Type, 1 for an administrative document); subject: trích yếu; signer: SignerInfo (the first signing block);
    priority, promulgation_amount, page_amount: OtherInfo; to_places: every recipient the document lists;
    pdf_name, pdf: the attached signed PDF.
    """

    sender: Organ
    recipient: Organ
    document_id: str
    code_number: str
    code_notation: str
    place: str
    promulgation_date: date
    type_name: str
    subject: str
    signer: SignerInfo
    priority: Priority
    promulgation_amount: int
    page_amount: int
    to_places: tuple[str, ...]
    pdf_name: str
    pdf: bytes = field(repr=False)
    type_code: int = 1


def exchange_recipients(data: dict[str, Any]) -> list[str]:
    """The bodies an issued document may be sent to as an edXML package: a joint document's partner, then the
    recipients it lists (nơi nhận) other than the references "Như trên", "Như Điều 3" and the archive copy
    ("Lưu ..."), each once, in order."""
    names: list[str] = []
    partner = data.get("partner")
    if isinstance(partner, dict) and partner.get("name"):
        names.append(str(partner["name"]))
    for r in recipients_of(data):
        name = r.strip().rstrip(";.")
        if name and not name.startswith(("Như ", "Lưu")) and name not in names:
            names.append(name)
    return names


def message_of(
    metadata: ArchiveMetadata,
    document_id: str,
    sender: Organ,
    recipient: Organ,
    place: str,
    pdf: bytes,
) -> ExchangeMessage:
    """The package of a document whose archive metadata is ``metadata``, for ``recipient``."""
    signer = metadata.signers[0] if metadata.signers else SignerInfo("", "")
    m = metadata
    header = (m.code_number, m.code_notation, place, m.issued_date, m.type_name, m.subject, signer, m.priority)
    amounts = (m.issued_amount, m.page_amount, m.to)
    return ExchangeMessage(
        sender, recipient, document_id, *header, *amounts, f"{m.notation.replace('/', '-')}.pdf", pdf
    )
