"""Two-step signing sessions expire, and a document changed meanwhile cannot be completed on stale bytes."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

from service.adapters.archive import FolderArchive
from service.adapters.migrate import upgrade
from service.adapters.orm import DocumentRow
from service.errors import SessionExpired
from service.services.ports import Archive, UnitOfWork
from service.services.signatures import complete_signature, prepare_signature
from service.unit_of_work import Database
from signing.keys import read_pkcs12
from signing.pki import DemoPki
from signing.sign import SignatureRequest, SigningContext
from tests.rows import document_row, finished_job


def _document(db: Database, archive: Archive, pdf: bytes) -> str:
    job = finished_job()
    doc = document_row(job, "submitted", pdf_sha256=archive.put(pdf, ".pdf"))
    with db.uow() as tx:
        tx.repo.add(job)
        tx.repo.add(doc)
        tx.commit()
    return doc.id


@pytest.mark.parametrize("lifetime", [0.0, 300.0])
def test_session_expires_and_is_used_once(lifetime: float, pki: DemoPki, tmp_path: Path, letter_pdf: bytes) -> None:
    from tests.signing.conftest import PASSWORD

    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    upgrade(url)
    db, archive = Database(url), FolderArchive(tmp_path / "archive")
    document_id = _document(db, archive, letter_pdf)
    key, cert, chain = read_pkcs12(pki.leader_p12, PASSWORD)
    pem = "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in [cert, *chain])
    request = SignatureRequest("LanhDao")
    prepared = prepare_signature(db, archive, SigningContext(), document_id, pem, request, lifetime, cert)
    assert isinstance(key, rsa.RSAPrivateKey)
    value = base64.b64encode(key.sign(prepared.digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256())))

    def record(_tx: UnitOfWork, doc: DocumentRow, _base: str, digest: str, _signer: str) -> None:
        doc.pdf_sha256 = digest

    def finish() -> str:
        ctx = SigningContext()
        return complete_signature(db, archive, ctx, document_id, prepared.session_id, value.decode(), record, cert)

    if lifetime == 0:
        with pytest.raises(SessionExpired):
            finish()
        return
    finish()
    with pytest.raises(SessionExpired):
        finish()
    db.dispose()
