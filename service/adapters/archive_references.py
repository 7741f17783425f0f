"""Which archived files the database refers to: documents' PDFs (and the PDF before each signature of the review
flow) and DOCX, and the registered templates' DOCX. Read in one transaction, for the fixity check."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from service.adapters.orm import DocumentRow, TemplateVersionRow
from service.services.archive_port import StoredObject


class DatabaseReferences:
    """The :class:`~service.services.archive_port.ArchiveReferences` of the database behind ``engine``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def stored_objects(self) -> list[StoredObject]:
        found: list[StoredObject] = []
        with Session(self.engine) as session:
            documents = select(
                DocumentRow.id, DocumentRow.pdf_sha256, DocumentRow.docx_sha256, DocumentRow.signatures
            ).order_by(DocumentRow.created_at, DocumentRow.id)
            for document_id, pdf, docx, signatures in session.execute(documents):
                owned = [("pdf", pdf, ".pdf"), ("docx", docx, ".docx")]
                owned += [
                    (f"pdf before signature {i}", s.get("base_sha256"), ".pdf")
                    for i, s in enumerate(signatures or [], start=1)
                ]
                found += [
                    StoredObject(owner="document", owner_id=document_id, role=role, digest=digest, suffix=suffix)
                    for role, digest, suffix in owned
                    if digest
                ]
            templates = select(
                TemplateVersionRow.template_id, TemplateVersionRow.version, TemplateVersionRow.docx_sha256
            )
            for template_id, version, docx in session.execute(templates.order_by(TemplateVersionRow.created_at)):
                found.append(
                    StoredObject(
                        owner="template",
                        owner_id=f"{template_id}@{version[:12]}",
                        role="docx",
                        digest=docx,
                        suffix=".docx",
                    )
                )
        return found
