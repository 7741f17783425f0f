"""The records' XML, with lxml: a hồ sơ's metadata for its export (validated against ``service/records/hoso.xsd``,
the schema the project ships) and the edXML exchange package of QCVN 102:2016/BTTTT (one builder and one reader:
a provincial axis's variant is a change here only).

edXML as written here::

    edXML:edXML
      edXML:edXMLEnvelope
        edXML:edXMLHeader / edXML:MessageHeader
          From (OrganId, OrganName)  To (OrganId, OrganName)  DocumentId
          Code (CodeNumber, CodeNotation)  PromulgationInfo (Place, PromulgationDate)
          DocumentType (Type, TypeName)  Subject  SignerInfo (Competence, Position, FullName)
          ToPlaces (Place*)  OtherInfo (Priority, PromulgationAmount, PageAmount)
        edXML:edXMLBody / edXML:edXMLManifest / edXML:Reference (ContentId, ContentType, AttachmentName)
      edXML:AttachmentEncoded / edXML:Attachment (ContentId, ContentTransferEncoded: the PDF in base64)
"""

from __future__ import annotations

import base64
from datetime import date
from functools import cache
from pathlib import Path

from lxml import etree

from service.domain.exchange import ExchangeMessage, Organ
from service.domain.records import FiledDocument, Priority, RecordFile, SignerInfo
from service.errors import FieldError, InvalidRequest

HOSO_NS = "urn:vanban:records:hoso:1"
EDXML_NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
PDF = "application/pdf"
XSD = Path(__file__).resolve().parents[1] / "records" / "hoso.xsd"

_parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def _add(parent: etree._Element, ns: str, name: str, text: object | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ns}}}{name}")
    if text is not None:
        element.text = text.isoformat() if isinstance(text, date) else str(text)
    return element


@cache
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD), _parser))


class LxmlRecords:
    """``service.services.ports.RecordsXml`` with lxml."""

    def file_xml(self, file: RecordFile, organ_name: str, documents: list[FiledDocument]) -> bytes:
        """The hồ sơ's XML (``HoSo``): its metadata, then each document's, in order."""
        h = HOSO_NS
        root = etree.Element(f"{{{h}}}HoSo", nsmap={None: h})
        _add(root, h, "FileCode", file.code)
        _add(root, h, "Title", file.title)
        _add(root, h, "Maintenance", file.retention.label)
        _add(root, h, "Rights", file.rights.value)
        _add(root, h, "Creator", file.creator)
        _add(root, h, "OrganName", organ_name)
        _add(root, h, "Language", file.language)
        _add(root, h, "StartDate", file.start_date)
        if file.end_date is not None:
            _add(root, h, "EndDate", file.end_date)
        _add(root, h, "DocTotal", len(documents))
        _add(root, h, "PageTotal", sum(d.metadata.page_amount for d in documents))
        if file.description:
            _add(root, h, "Description", file.description)
        listed = _add(root, h, "Documents")
        for filed in documents:
            m = filed.metadata
            doc = _add(listed, h, "Document")
            for name, value in (
                ("FileCode", m.file_code),
                ("DocOrdinal", m.doc_ordinal),
                ("TypeName", m.type_name),
                ("CodeNumber", m.code_number),
                ("CodeNotation", m.code_notation),
                ("IssuedDate", m.issued_date),
                ("OrganName", m.organ_name),
                ("Subject", m.subject),
                ("Language", m.language),
                ("PageAmount", m.page_amount),
            ):
                _add(doc, h, name, value)
            for s in m.signers:
                signer = _add(doc, h, "SignerInfo")
                if s.competence:
                    _add(signer, h, "Competence", s.competence)
                _add(signer, h, "Position", s.position)
                _add(signer, h, "FullName", s.full_name)
            for to in m.to:
                _add(doc, h, "To", to)
            _add(doc, h, "Priority", m.priority.value)
            _add(doc, h, "IssuedAmount", m.issued_amount)
            _add(doc, h, "Maintenance", m.retention.label)
            if m.due_date is not None:
                _add(doc, h, "DueDate", m.due_date)
            if m.description:
                _add(doc, h, "Description", m.description)
            _add(doc, h, "FileName", filed.file_name)
            _add(doc, h, "Sha256", filed.sha256)
        return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))

    def check_file_xml(self, xml: bytes) -> None:
        """InvalidRequest naming each line the schema refuses (``hoso.xml line N``)."""
        schema = _schema()
        try:
            document = etree.fromstring(xml, _parser)
        except etree.XMLSyntaxError as exc:
            raise InvalidRequest([FieldError("hoso.xml", str(exc), f"XML không đọc được: {exc}")]) from None
        if not schema.validate(document):
            raise InvalidRequest(
                [
                    FieldError(f"hoso.xml line {e.line}", e.message, f"không đúng lược đồ hoso.xsd: {e.message}")
                    for e in schema.error_log
                ]
            )

    def edxml(self, message: ExchangeMessage) -> bytes:
        """The edXML package of ``message``."""
        e = EDXML_NS
        root = etree.Element(f"{{{e}}}edXML", nsmap={"edXML": e})
        envelope = _add(root, e, "edXMLEnvelope")
        header = _add(_add(envelope, e, "edXMLHeader"), e, "MessageHeader")
        for name, organ in (("From", message.sender), ("To", message.recipient)):
            party = _add(header, e, name)
            _add(party, e, "OrganId", organ.organ_id)
            _add(party, e, "OrganName", organ.organ_name)
        _add(header, e, "DocumentId", message.document_id)
        code = _add(header, e, "Code")
        _add(code, e, "CodeNumber", message.code_number)
        _add(code, e, "CodeNotation", message.code_notation)
        promulgation = _add(header, e, "PromulgationInfo")
        _add(promulgation, e, "Place", message.place)
        _add(promulgation, e, "PromulgationDate", message.promulgation_date)
        kind = _add(header, e, "DocumentType")
        _add(kind, e, "Type", message.type_code)
        _add(kind, e, "TypeName", message.type_name)
        _add(header, e, "Subject", message.subject)
        signer = _add(header, e, "SignerInfo")
        _add(signer, e, "Competence", message.signer.competence)
        _add(signer, e, "Position", message.signer.position)
        _add(signer, e, "FullName", message.signer.full_name)
        places = _add(header, e, "ToPlaces")
        for place in message.to_places:
            _add(places, e, "Place", place)
        other = _add(header, e, "OtherInfo")
        _add(other, e, "Priority", message.priority.code)
        _add(other, e, "PromulgationAmount", message.promulgation_amount)
        _add(other, e, "PageAmount", message.page_amount)
        reference = _add(_add(_add(envelope, e, "edXMLBody"), e, "edXMLManifest"), e, "Reference")
        _add(reference, e, "ContentId", "cid:1")
        _add(reference, e, "ContentType", PDF)
        _add(reference, e, "AttachmentName", message.pdf_name)
        attachment = _add(_add(root, e, "AttachmentEncoded"), e, "Attachment")
        _add(attachment, e, "ContentId", "cid:1")
        _add(attachment, e, "ContentTransferEncoded", base64.b64encode(message.pdf).decode("ascii"))
        return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))

    def read_edxml(self, xml: bytes) -> ExchangeMessage:
        """An edXML package read back (a partner's, or ours): every header field and the attached file."""
        root = etree.fromstring(xml, _parser)
        n = {"e": EDXML_NS}

        def text(path: str, at: etree._Element = root) -> str:
            found = at.find(path, n)
            if found is None:
                raise InvalidRequest([FieldError(path, "missing in the edXML package", "thiếu trong gói edXML")])
            return found.text or ""

        header_path = "e:edXMLEnvelope/e:edXMLHeader/e:MessageHeader"
        header = root.find(header_path, n)
        if header is None:
            raise InvalidRequest([FieldError(header_path, "missing in the edXML package", "thiếu trong gói edXML")])
        reference = "e:edXMLEnvelope/e:edXMLBody/e:edXMLManifest/e:Reference"
        return ExchangeMessage(
            sender=Organ(text("e:From/e:OrganId", header), text("e:From/e:OrganName", header)),
            recipient=Organ(text("e:To/e:OrganId", header), text("e:To/e:OrganName", header)),
            document_id=text("e:DocumentId", header),
            code_number=text("e:Code/e:CodeNumber", header),
            code_notation=text("e:Code/e:CodeNotation", header),
            place=text("e:PromulgationInfo/e:Place", header),
            promulgation_date=date.fromisoformat(text("e:PromulgationInfo/e:PromulgationDate", header)),
            type_code=int(text("e:DocumentType/e:Type", header)),
            type_name=text("e:DocumentType/e:TypeName", header),
            subject=text("e:Subject", header),
            signer=SignerInfo(
                text("e:SignerInfo/e:FullName", header),
                text("e:SignerInfo/e:Position", header),
                text("e:SignerInfo/e:Competence", header),
            ),
            priority=list(Priority)[int(text("e:OtherInfo/e:Priority", header))],
            promulgation_amount=int(text("e:OtherInfo/e:PromulgationAmount", header)),
            page_amount=int(text("e:OtherInfo/e:PageAmount", header)),
            to_places=tuple(p.text or "" for p in header.findall("e:ToPlaces/e:Place", n)),
            pdf_name=text(f"{reference}/e:AttachmentName"),
            pdf=base64.b64decode(text("e:AttachmentEncoded/e:Attachment/e:ContentTransferEncoded")),
        )
