"""Sending an issued document to another body (liên thông): its edXML package (QCVN 102:2016/BTTTT), one per
recipient: a joint document's partner and the bodies it lists as recipients
(``service.domain.exchange.exchange_recipients``). The clerk of its body (or an admin) downloads them."""

from __future__ import annotations

from dataclasses import dataclass

from service.domain.data_fields import field_name
from service.domain.exchange import Organ, exchange_recipients, message_of
from service.domain.office import Principal, Role
from service.domain.vietnamese import slug
from service.errors import NotFound, NotReady
from service.services.auth import require
from service.services.files import File
from service.services.ports import Archive, Database, DocumentRow, RecordsXml
from service.services.records import metadata_of
from service.services.visibility import check_can_see

EDXML_MEDIA = "application/xml"


def organ_id(name: str) -> str:
    """A body the service does not know by code is named by its name's slug (``ban-to-chuc-tinh-uy``)."""
    return slug(name, 60)


@dataclass
class Exchange:
    db: Database
    archive: Archive
    xml: RecordsXml

    def _issued(self, who: Principal, document_id: str) -> DocumentRow:
        require(who, Role.CLERK, Role.ADMIN)
        with self.db.uow() as tx:
            doc = tx.repo.document(document_id)
        check_can_see(who, doc)
        if doc.archive_metadata is None or doc.pdf_sha256 is None:
            raise NotReady(
                f"document {doc.id} is not issued: nothing to send yet",
                f"Văn bản {doc.id} chưa ban hành: chưa gửi được",
            )
        return doc

    def recipients(self, who: Principal, document_id: str) -> list[str]:
        """The bodies the issued document can be sent to, in order (package ``n`` is the ``n``-th, from 1)."""
        return exchange_recipients(self._issued(who, document_id).data)

    def package(self, who: Principal, document_id: str, recipient: int) -> File:
        """The edXML package of the document for its ``recipient``-th body (from 1)."""
        doc = self._issued(who, document_id)
        names = exchange_recipients(doc.data)
        if not 1 <= recipient <= len(names):
            raise NotFound(
                f"document {doc.id} has {len(names)} recipient(s) to send to, not {recipient}",
                f"Văn bản {doc.id} có {len(names)} nơi nhận để gửi, không có nơi nhận {recipient}",
            )
        metadata = metadata_of(doc)
        assert metadata is not None and doc.pdf_sha256 is not None
        name = names[recipient - 1]
        message = message_of(
            metadata,
            doc.id,
            Organ(doc.organisation, metadata.organ_name),
            Organ(organ_id(name), name),
            field_name(doc.data, "place"),
            self.archive.get(doc.pdf_sha256, ".pdf"),
        )
        data = self.xml.edxml(message)
        return File(data, EDXML_MEDIA, f"{metadata.code_number}-{metadata.code_notation}_{organ_id(name)}.edxml")
