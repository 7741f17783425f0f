"""The review flow's states on fakes (no LibreOffice, no database, no key file): a draft is submitted to its
signers, waits in the inbox of each in turn, is signed with one authorisation for many documents, then issued; or
it is rejected with a reason back to its clean draft. A wrong state, role or organisation is refused with its own
error, and nobody signs twice."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pikepdf
import pytest

from service.adapters.pdf_pages import PdfPageTools
from service.domain.documents import DocumentStatus
from service.domain.office import ROLE_NAMES_VI, Principal, Role
from service.domain.templates import Template
from service.errors import CredentialRefused, Forbidden, InvalidRequest, WrongState
from service.services.auth import NewUser, create_user, principal, require
from service.services.issuing import Issuer
from service.services.ports import DocumentRow, RegisterEntryRow
from service.services.requesting import RequestDocument, request_document
from service.services.review import Review
from signing.sign import Level, SigningContext
from tests.fakes import CSC_PIN, FakeEvents, FakeKeys, FakeMetrics, FakeSeal
from tests.unit.services import REQUESTER, Service

DECISION = "quyet-dinh-mo-lop"
JOINT = "quy-che-phoi-hop"  # signed by the school's head, then the partner body's leader
CLERK = Principal("u-mai", "vanthu", "Trần Thị Mai", "Văn thư", "TCT", frozenset({"clerk"}))
PARTNER_CLERK = Principal("u-nam", "vanthu_tdtn", "Lê Văn Nam", "Văn thư", "TDTN", frozenset({"clerk", "requester"}))
KEYS = {
    "/keys/hieutruong.p12": "Nguyễn Văn An",
    "/keys/phohieutruong.p12": "Lê Thị Bích",
    "/keys/bithu.p12": "Phạm Thị Lan",
}


class Office:
    """A service in memory with its review and its clerk's issuing, and the signers' fake keys."""

    def __init__(self, tmp_path: Path) -> None:
        self.service = Service()
        self.keys = FakeKeys(KEYS)
        image = tmp_path / "signature.png"
        image.write_bytes(b"\x89PNG signature")
        templates = self.service.templates

        def template_of(doc: DocumentRow) -> Template:
            return templates.get(doc.template_id, doc.template_version)

        s = self.service
        self.events, self.metrics = FakeEvents(), FakeMetrics()
        self.review = Review(
            s.db,
            s.archive,
            template_of,
            SigningContext(),
            Level.B_B,
            image,
            s.clock,
            open_key=self.keys,
            events=self.events,
            metrics=self.metrics,
        )
        self.issuer = Issuer(
            s.db, s.archive, template_of, FakeSeal(), s.clock, PdfPageTools(), events=self.events, metrics=self.metrics
        )
        self.head, self.deputy, self.partner = self._people()

    def _people(self) -> tuple[Principal, Principal, Principal]:
        """The school's head and deputy head, and the partner body's leader: all signers, each with a key."""
        people = [
            ("hieutruong", "Nguyễn Văn An", "TCT", "Hiệu trưởng"),
            ("phohieutruong", "Lê Thị Bích", "TCT", "Phó Hiệu trưởng"),
            ("bithu", "Phạm Thị Lan", "TDTN", "Bí thư Tỉnh đoàn"),
        ]
        with self.service.db.uow() as tx:
            users = [
                create_user(
                    tx,
                    NewUser(
                        name, full, org, ["signer"], title, credential={"kind": "pkcs12", "path": f"/keys/{name}.p12"}
                    ),
                )
                for name, full, org, title in people
            ]
            tx.commit()
        head, deputy, partner = (principal(u) for u in users)
        return head, deputy, partner

    def draft(self, signers: list[str], template_id: str = DECISION) -> str:
        """What production leaves: a requested document rendered as a draft, with its PDF (a real one, no fields)."""
        data = self.service.example(template_id)
        templates = self.service.templates
        requested = request_document(
            self.service.db,
            templates,
            RequestDocument(template_id=template_id, data=data, requested_by=REQUESTER, signers=tuple(signers)),
        )
        blank = pikepdf.new()
        blank.add_blank_page()
        out = BytesIO()
        blank.save(out)
        with self.service.db.uow() as tx:
            doc = tx.repo.document(requested.document_id)
            doc.status, doc.pdf_sha256 = DocumentStatus.DRAFT, self.service.archive.put(out.getvalue(), ".pdf")
            tx.commit()
        return requested.document_id

    def document(self, document_id: str) -> DocumentRow:
        with self.service.db.uow() as tx:
            return tx.repo.document(document_id)

    def pdf(self, document_id: str) -> bytes:
        return self.service.archive.get(str(self.document(document_id).pdf_sha256), ".pdf")

    def record(self, who: Principal, document_id: str) -> None:
        """A signature recorded as a two-step completion records it."""
        doc = self.document(document_id)
        signed = self.service.archive.put(f"{doc.pdf_sha256} signed by {who.username}".encode(), ".pdf")
        with self.service.db.uow() as tx:
            self.review.record_signature(tx, who, doc, str(doc.pdf_sha256), signed, who.full_name)
            tx.commit()


@pytest.fixture
def office(tmp_path: Path) -> Office:
    return Office(tmp_path)


def test_a_joint_document_waits_for_each_signer_in_turn_then_is_issued_in_both_registers(office: Office) -> None:
    document_id = office.draft(["hieutruong", "bithu"], JOINT)
    assert office.review.submit(REQUESTER, document_id, None).status == DocumentStatus.SUBMITTED
    assert [d.id for d in office.review.inbox(office.head)] == [document_id]
    assert office.review.inbox(office.partner) == [] and office.review.inbox(office.deputy) == []
    with pytest.raises(Forbidden):  # not the partner's turn yet
        office.review.sign(office.partner, [document_id], CSC_PIN)

    (first,) = office.review.sign(office.head, [document_id], CSC_PIN)
    assert (first.status, [s["by"] for s in first.signatures]) == (DocumentStatus.SUBMITTED, ["hieutruong"])
    assert office.review.inbox(office.head) == []
    assert [d.id for d in office.review.inbox(office.partner)] == [document_id]
    (signed,) = office.review.sign(office.partner, [document_id], CSC_PIN)
    assert signed.status == DocumentStatus.SIGNED
    assert [(s["by"], s["field"], s["name"]) for s in signed.signatures] == [
        ("hieutruong", "LanhDao", "Nguyễn Văn An"),
        ("bithu", "DoiTac", "Phạm Thị Lan"),
    ]
    in_order = "% signed by Nguyễn Văn An in LanhDao\n\n% signed by Phạm Thị Lan in DoiTac\n"
    assert office.pdf(document_id).endswith(in_order.encode())

    issued = office.issuer.issue(CLERK, document_id)
    assert (issued.status, issued.number, issued.issued_on) == (DocumentStatus.ISSUED, 1, office.service.clock.today())
    assert issued.signer == "Nguyễn Văn An; Phạm Thị Lan"
    assert office.pdf(document_id).endswith(f"% sealed: Ban hành {issued.notation}\n".encode())
    lines = sorted((r.organisation, r.number, r.document_id) for r in office.service.db.rows(RegisterEntryRow))
    assert lines == [("TCT", 1, document_id), ("TDTN", 1, document_id)]
    with pytest.raises(WrongState):  # issued once
        office.issuer.issue(CLERK, document_id)
    told = [(event, organisation, data["document_id"]) for event, organisation, data in office.events.published]
    assert told == [("document.signed", "TCT", document_id)] * 2 + [("document.issued", "TCT", document_id)]
    assert office.metrics.counts == {("signed", "B-B person"): 2, ("issued", "document"): 1}


def test_many_documents_are_signed_with_one_authorisation_and_a_wrong_pin_signs_none(office: Office) -> None:
    documents = [office.draft(["hieutruong"]) for _ in range(3)]
    for document_id in documents:
        office.review.submit(REQUESTER, document_id, None)
    with pytest.raises(CredentialRefused):
        office.review.sign(office.head, documents, "0000")
    assert {office.document(d).status for d in documents} == {DocumentStatus.SUBMITTED}
    signed = office.review.sign(office.head, documents, CSC_PIN)
    assert [d.id for d in signed] == documents and {d.status for d in signed} == {DocumentStatus.SIGNED}
    assert office.keys.opened == 1


def test_nothing_is_signed_unless_every_document_waits_for_the_signer(office: Office) -> None:
    mine, theirs = office.draft(["hieutruong"]), office.draft(["phohieutruong"])
    for document_id in (mine, theirs):
        office.review.submit(REQUESTER, document_id, None)
    with pytest.raises(Forbidden):
        office.review.sign(office.head, [mine, theirs], CSC_PIN)
    assert office.document(mine).status == DocumentStatus.SUBMITTED and office.keys.opened == 0


def test_nobody_signs_twice(office: Office) -> None:
    with pytest.raises(InvalidRequest) as twice:
        office.review.submit(REQUESTER, office.draft(["hieutruong", "hieutruong"]), None)
    assert [e.path for e in twice.value.errors] == ["signers.1"]
    joint = office.draft(["hieutruong", "bithu"], JOINT)
    office.review.submit(REQUESTER, joint, None)
    office.review.sign(office.head, [joint], CSC_PIN)
    with pytest.raises(Forbidden):
        office.review.sign(office.head, [joint], CSC_PIN)
    with pytest.raises(Forbidden):  # nor is a second signature of theirs recorded (a two-step completion)
        office.record(office.head, joint)
    decision = office.draft(["hieutruong"])
    office.review.submit(REQUESTER, decision, None)
    office.review.sign(office.head, [decision], CSC_PIN)
    with pytest.raises(WrongState):  # signed: it waits for nobody
        office.review.sign(office.head, [decision], CSC_PIN)
    assert [s["by"] for s in office.document(decision).signatures] == ["hieutruong"]


def test_each_step_is_refused_to_the_wrong_role_state_or_organisation(office: Office) -> None:
    document_id = office.draft(["hieutruong"])
    with pytest.raises(Forbidden):  # a signer does not submit
        office.review.submit(office.head, document_id, None)
    with pytest.raises(Forbidden):  # another body's requester does not see the document
        office.review.submit(PARTNER_CLERK, document_id, None)
    with pytest.raises(WrongState):  # a draft is not signed
        office.review.sign(office.head, [document_id], CSC_PIN)
    with pytest.raises(WrongState):  # nor issued
        office.issuer.issue(CLERK, document_id)
    office.review.submit(REQUESTER, document_id, None)
    with pytest.raises(Forbidden):  # a requester does not sign
        office.review.sign(REQUESTER, [document_id], CSC_PIN)
    with pytest.raises(Forbidden):  # a signer does not issue
        office.issuer.issue(office.head, document_id)
    with pytest.raises(WrongState):  # a submitted document is not issued yet
        office.issuer.issue(CLERK, document_id)
    office.review.sign(office.head, [document_id], CSC_PIN)
    with pytest.raises(Forbidden):  # another body's clerk neither sees nor issues it
        office.issuer.issue(PARTNER_CLERK, document_id)
    assert office.document(document_id).status == DocumentStatus.SIGNED


def test_a_direct_document_takes_no_review_step(office: Office) -> None:
    data = office.service.example()
    requested = request_document(
        office.service.db,
        office.service.templates,
        RequestDocument(template_id="giay-trieu-tap", data=data, requested_by=REQUESTER),
    )
    with pytest.raises(WrongState):
        office.review.submit(REQUESTER, requested.document_id, ["hieutruong"])


def test_only_the_next_signer_may_reject_and_a_rejected_document_goes_back_to_its_clean_draft(office: Office) -> None:
    document_id = office.draft(["hieutruong", "bithu"], JOINT)
    draft_pdf = office.document(document_id).pdf_sha256
    office.review.submit(REQUESTER, document_id, None)
    office.review.sign(office.head, [document_id], CSC_PIN)
    assert office.document(document_id).status == DocumentStatus.SUBMITTED  # waiting for the partner now
    for not_their_turn in (office.head, office.deputy):
        with pytest.raises(Forbidden):
            office.review.reject(not_their_turn, document_id, "không phải lượt tôi")
    with pytest.raises(InvalidRequest) as no_reason:
        office.review.reject(office.partner, document_id, "  ")
    assert [e.path for e in no_reason.value.errors] == ["reason"]
    rejected = office.review.reject(office.partner, document_id, "Sửa Điều 2")
    assert rejected.status == DocumentStatus.REJECTED and rejected.rejection is not None
    assert (rejected.rejection["by"], rejected.rejection["reason"]) == ("bithu", "Sửa Điều 2")
    assert rejected.rejection["draft_sha256"] == draft_pdf
    assert office.review.inbox(office.partner) == [] and office.review.inbox(office.head) == []
    with pytest.raises(WrongState):  # back with its author: no signer acts on it
        office.review.sign(office.partner, [document_id], CSC_PIN)
    again = office.review.submit(REQUESTER, document_id, None)  # signed again from the draft, without the head's
    assert (again.status, again.pdf_sha256, again.signatures) == (DocumentStatus.SUBMITTED, draft_pdf, [])
    assert [d.id for d in office.review.inbox(office.head)] == [document_id]


def test_a_submission_names_the_signer_who_cannot_sign(office: Office) -> None:
    document_id = office.draft(["hieutruong"])
    with pytest.raises(InvalidRequest) as refused:
        office.review.submit(REQUESTER, document_id, ["hieutruong", "chuyenvien"])
    assert [e.path for e in refused.value.errors] == ["signers.1"]
    assert office.document(document_id).status == DocumentStatus.DRAFT


def test_a_submitted_document_is_not_submitted_again(office: Office) -> None:
    document_id = office.draft(["hieutruong"])
    office.review.submit(REQUESTER, document_id, None)
    with pytest.raises(WrongState):
        office.review.submit(REQUESTER, document_id, None)


def test_a_signature_on_a_document_that_changed_meanwhile_is_refused(office: Office) -> None:
    document_id = office.draft(["hieutruong"])
    office.review.submit(REQUESTER, document_id, None)
    seen = office.document(document_id)  # what the signer's device signed
    office.review.reject(office.head, document_id, "Sửa Điều 2")  # meanwhile
    with office.service.db.uow() as tx, pytest.raises(WrongState):
        office.review.record_signature(tx, office.head, seen, str(seen.pdf_sha256), "f" * 64, office.head.full_name)
    assert office.document(document_id).status == DocumentStatus.REJECTED


def test_the_domain_rules_of_the_review_flow() -> None:
    from service.domain.office import SUBMITTABLE, can_see, status_after, waits_for

    head: dict[str, object] = {"by": "hieutruong"}
    assert [waits_for("submitted", ["hieutruong", "bithu"], s, "bithu") for s in ([], [head])] == [False, True]
    assert not waits_for("rejected", ["hieutruong"], [], "hieutruong")
    assert not waits_for("submitted", ["hieutruong"], [head], "hieutruong")  # signed: nobody's turn, theirs neither
    assert status_after(["hieutruong", "bithu"], [head]) == DocumentStatus.SUBMITTED
    assert status_after(["hieutruong", "bithu"], [head, {"by": "bithu"}]) == DocumentStatus.SIGNED
    assert set(SUBMITTABLE) == {DocumentStatus.DRAFT, DocumentStatus.REJECTED}
    partner = Principal("u-lan", "bithu", "Phạm Thị Lan", "Bí thư", "TDTN", frozenset({"signer"}))
    assert not can_see(partner, "TCT", ["hieutruong"], set())
    assert can_see(partner, "TCT", ["hieutruong", "bithu"], set())  # a signer of it
    assert can_see(PARTNER_CLERK, "TCT", ["hieutruong"], {"TCT", "TDTN"})  # their body signed it
    assert can_see(Principal("a", "admin", "", "", "X", frozenset({"admin"})), "TCT", [], set())


@pytest.mark.parametrize("role", list(Role))
def test_a_refusal_names_every_role_in_both_languages(role: Role) -> None:
    """Every role has its Vietnamese name: a role added without one would make each refusal a 500."""
    nobody = Principal("u0", "khach", "Khách", "", "TCT", frozenset())
    with pytest.raises(Forbidden) as refused:
        require(nobody, role)
    assert refused.value.message_en == f"this needs the role {role.value}"
    assert refused.value.message_vi == f"Việc này cần vai trò {ROLE_NAMES_VI[role]}"
