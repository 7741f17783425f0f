"""Two-step signing sessions expire, and a session is used once: its signature is recorded, and a second completion
is refused."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

from service.adapters.archive import FolderArchive
from service.adapters.migrate import upgrade
from service.adapters.orm import DocumentRow
from service.domain.clock import SystemClock
from service.domain.documents import DocumentStatus
from service.domain.templates import Template
from service.errors import SessionExpired, WrongState
from service.services.auth import NewUser, create_user, principal
from service.services.ports import Archive
from service.services.review import Review
from service.unit_of_work import Database
from signing.keys import read_pkcs12
from signing.pki import DemoPki
from signing.sign import Level, SigningContext
from tests.rows import document_row, finished_job


def _document(db: Database, archive: Archive, pdf: bytes, signer: str) -> str:
    job = finished_job()
    doc = document_row(
        job,
        DocumentStatus.SUBMITTED,
        workflow="review",
        signers=[signer],
        signatures=[],
        pdf_sha256=archive.put(pdf, ".pdf"),
    )
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
    key, cert, chain = read_pkcs12(pki.leader_p12, PASSWORD)
    assert isinstance(key, rsa.RSAPrivateKey)
    pem = "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in [cert, *chain])
    with db.uow() as tx:
        head = principal(
            create_user(tx, NewUser("ht", "Nguyễn Văn An", "TCT", ["signer"], credential={"certificate": pem}))
        )
        tx.commit()
    document_id = _document(db, archive, letter_pdf, "ht")

    def no_template(_doc: DocumentRow) -> Template:
        raise AssertionError("a signature reads no template")

    review = Review(
        db,
        archive,
        no_template,
        SigningContext(),
        Level.B_B,
        pki.signature_image,
        SystemClock(),
        lifetime,
    )
    prepared = review.prepare_two_step(head, document_id, pem, None)
    value = base64.b64encode(key.sign(prepared.digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256())))

    def finish() -> str:
        return review.complete_two_step(head, document_id, prepared.session_id, value.decode())

    if lifetime == 0:
        with pytest.raises(SessionExpired):
            finish()
        return
    digest = finish()
    with db.uow() as tx:
        doc = tx.repo.document(document_id)
        assert (doc.status, doc.pdf_sha256, [s["by"] for s in doc.signatures]) == (
            DocumentStatus.SIGNED,
            digest,
            ["ht"],
        )
    with pytest.raises(WrongState):  # signed: the session's signature is not embedded again
        finish()
    db.dispose()
