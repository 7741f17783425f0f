"""Issuing reviewed documents: 200 clerks' issues at once get numbers 1..200, each once, on SQLite and on
PostgreSQL; an issue that fails takes no number; the audit chain catches edited and removed entries."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from service.adapters.converter import Converter
from service.adapters.orm import AuditEntryRow, Base, DocumentRow, JobRow
from service.domain.audit import first_break
from service.domain.documents import DocumentStatus
from service.domain.office import Principal
from service.errors import VanbanError
from service.runtime import Runtime
from service.services.auth import NewUser, create_user, principal
from service.services.requesting import RequestDocument, request_document
from signing.pki import DemoPki
from signing.verify import verify_pdf
from tests.fakes import CSC_PIN, CSC_TOKEN, PKI_PASSWORD
from tests.integration.runtimes import runtime_on

PASSWORD, PIN = PKI_PASSWORD, CSC_PIN


@pytest.fixture(params=["sqlite", "postgresql"])
def runtime(request: pytest.FixtureRequest, tmp_path: Path, pki: DemoPki, converter: Converter) -> Iterator[Runtime]:
    with runtime_on(request.param, tmp_path, pki.directory, converter) as rt:
        yield rt


def _people(rt: Runtime, pki: DemoPki) -> tuple[Principal, Principal]:
    with rt.db.uow() as tx:
        clerk = create_user(tx, NewUser("vanthu", "Trần Thị Mai", "TCT", ["clerk"], "Văn thư"))
        credential = {"kind": "pkcs12", "path": str(pki.leader_p12)}
        head = create_user(
            tx, NewUser("hieutruong", "Nguyễn Văn An", "TCT", ["signer"], "Hiệu trưởng", None, None, credential)
        )
        tx.commit()
    return principal(clerk), principal(head)


def _signed_decision(rt: Runtime, head: Principal) -> DocumentRow:
    template = rt.templates.get("quyet-dinh-mo-lop")
    requested = request_document(
        rt.db,
        rt.templates,
        RequestDocument(template_id=template.id, data=template.example, signers=(head.username,)),
    )
    rt.production.produce_document(requested.document_id)
    submitter = Principal("cli", "cli", "", "", "TCT", frozenset({"requester"}))
    rt.review.submit(submitter, requested.document_id, None)
    (doc,) = rt.review.sign(head, [requested.document_id], PASSWORD)
    assert doc.status == DocumentStatus.SIGNED
    return doc


def _copies(rt: Runtime, doc: DocumentRow, n: int) -> list[str]:
    """``n`` more signed decisions like ``doc`` (same signed PDF), as if the leader had signed them all."""
    columns = {c.name: getattr(doc, c.key) for c in DocumentRow.__table__.columns}
    ids = [str(uuid.uuid4()) for _ in range(n)]
    with Session(rt.db.engine) as session:
        session.execute(
            insert(DocumentRow), [columns | {"id": i, "idempotency_key": None, "verify_code": None} for i in ids]
        )
        session.commit()
    return ids


def test_200_concurrent_issues_get_1_to_200(runtime: Runtime, pki: DemoPki) -> None:
    clerk, head = _people(runtime, pki)
    first = _signed_decision(runtime, head)
    ids = [first.id, *_copies(runtime, first, 199)]

    def issue(document_id: str) -> int:
        number = runtime.issuer.issue(clerk, document_id).number
        assert number is not None
        return number

    with ThreadPoolExecutor(max_workers=16) as pool:
        numbers = list(pool.map(issue, ids))
    assert sorted(numbers) == list(range(1, 201))
    with runtime.db.uow() as tx:
        entries = tx.repo.register_entries("TCT", "default", (numbers and tx.repo.document(ids[0]).year) or 0)
    assert [e.number for e in entries] == list(range(1, 201))
    assert len({e.document_id for e in entries}) == 200


def test_a_failed_issue_takes_no_number(runtime: Runtime, pki: DemoPki) -> None:
    clerk, head = _people(runtime, pki)
    good = _signed_decision(runtime, head)
    (broken,) = _copies(runtime, good, 1)
    with Session(runtime.db.engine) as session:  # its PDF is not in the archive any more: signing it fails
        session.execute(update(DocumentRow).where(DocumentRow.id == broken).values(pdf_sha256="0" * 64))
        session.commit()
    with pytest.raises(VanbanError):
        runtime.issuer.issue(clerk, broken)
    with runtime.db.uow() as tx:
        assert tx.repo.document(broken).status == DocumentStatus.SIGNED  # still waiting, nothing recorded
    assert runtime.issuer.issue(clerk, good.id).number == 1


def test_the_audit_chain_shows_edits_and_removals(runtime: Runtime, pki: DemoPki) -> None:
    _, head = _people(runtime, pki)
    _signed_decision(runtime, head)

    def chain_break() -> str | None:
        with runtime.db.uow() as tx:
            broken = first_break(*tx.repo.audit_chain())
        return broken.reason_en if broken else None

    assert chain_break() is None
    with Session(runtime.db.engine) as session:
        seqs = list(session.scalars(select(AuditEntryRow.seq).order_by(AuditEntryRow.seq)))
    assert len(seqs) >= 4  # request, render, submit, sign
    with Session(runtime.db.engine) as session:  # someone rewrites who did something
        session.execute(update(AuditEntryRow).where(AuditEntryRow.seq == 2).values(actor="someone-else"))
        session.commit()
    assert chain_break() == "entry 2 was changed"
    with Session(runtime.db.engine) as session:
        session.execute(delete(AuditEntryRow).where(AuditEntryRow.seq == 2))
        session.commit()
    assert chain_break() == "entry 2 is missing"
    with Session(
        runtime.db.engine
    ) as session:  # the gap hidden by renumbering is still seen: entry 3 no longer follows
        session.execute(update(AuditEntryRow).where(AuditEntryRow.seq > 2).values(seq=AuditEntryRow.seq - 1))
        session.commit()
    assert chain_break() == "entry 2 does not follow entry 1"
    with Session(runtime.db.engine) as session:
        session.execute(delete(AuditEntryRow).where(AuditEntryRow.seq >= 2))
        session.commit()
    assert chain_break() == "entries after 1 were removed"
    with Session(runtime.db.engine) as session:  # the jobs stay; only the trail was tampered with
        assert session.scalars(select(JobRow)).first() is not None


def _drafts(rt: Runtime, signer: str, n: int) -> list[str]:
    """``n`` reviewed plans, drafted and submitted to ``signer``."""
    template = rt.templates.get("ke-hoach")
    requester = Principal("cli", "cli", "", "", "TCT", frozenset({"requester"}))
    ids = []
    for _ in range(n):
        requested = request_document(
            rt.db, rt.templates, RequestDocument(template_id=template.id, data=template.example, signers=(signer,))
        )
        rt.production.produce_document(requested.document_id)
        rt.review.submit(requester, requested.document_id, None)
        ids.append(requested.document_id)
    return ids


def test_one_authorisation_for_several_documents_remote_and_two_step(
    runtime: Runtime, pki: DemoPki, caplog: pytest.LogCaptureFixture
) -> None:
    """A key at a CSC service: one authorize and one signHash for the lot. A device that signs digests: one
    two-step session for the lot. The PIN and the token are in no log line and no database row."""
    import base64

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

    from signing.keys import read_pkcs12
    from tests.signing.csc_server import CscServer

    key, cert, chain = read_pkcs12(pki.leader_p12, PASSWORD)
    assert isinstance(key, rsa.RSAPrivateKey)
    caplog.set_level(logging.DEBUG)
    with CscServer(key, [cert, *chain], pin=PIN, token=CSC_TOKEN) as csc, runtime.db.uow() as tx:
        recorded = cert.public_bytes(serialization.Encoding.PEM).decode()  # an administrator recorded it
        remote = {"kind": "csc", "url": csc.url, "credential_id": "leader-1", "certificate": recorded}
        head = principal(create_user(tx, NewUser("ht", "Nguyễn Văn An", "TCT", ["signer"], credential=remote)))
        device = {"certificate": recorded}
        deputy = principal(create_user(tx, NewUser("pht", "Trần Văn Bình", "TCT", ["signer"], credential=device)))
        tx.commit()
        remote_docs = _drafts(runtime, "ht", 2)
        with pytest.raises(VanbanError, match="token"):
            runtime.review.sign(head, remote_docs, PIN)
        signed = runtime.review.sign(head, remote_docs, PIN, remote_token=CSC_TOKEN)
        assert [d.status for d in signed] == ["signed", "signed"]
        assert csc.calls["credentials/authorize"] == 1 and csc.calls["signatures/signHash"] == 1

    device_docs = _drafts(runtime, "pht", 2)
    pem = "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in [cert, *chain])
    prepared = runtime.review.prepare_many(deputy, device_docs, pem)
    group = prepared.group_id
    values = [
        (doc_id, base64.b64encode(key.sign(p.digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))).decode())
        for doc_id, p in prepared.documents
    ]
    with pytest.raises(VanbanError):  # every document of the session, or none
        runtime.review.complete_many(deputy, group, values[:1])
    done = runtime.review.complete_many(deputy, group, values)
    assert [d.status for d in done] == ["signed", "signed"]
    clerk = Principal("vt", "vt", "", "", "TCT", frozenset({"clerk"}))
    for doc_id in remote_docs + device_docs:
        issued = runtime.issuer.issue(clerk, doc_id)
        pdf = runtime.archive.get(str(issued.pdf_sha256), ".pdf")
        report = verify_pdf(pdf, runtime.trust)
        assert report.ok and len(report.signatures) == 2 and report.signatures[0].certified, report.to_dict()
    with Session(runtime.db.engine) as session:
        rows = [str(row) for table in Base.metadata.sorted_tables for row in session.execute(select(table))]
    assert rows and not [r for r in rows + caplog.messages if PIN in r or CSC_TOKEN in r]
