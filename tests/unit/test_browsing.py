"""Who may sign, listed as a person reads a Vietnamese list: by body, then by given name (tên), then family name."""

from __future__ import annotations

from service.services.browsing import signers
from service.services.ports import Person
from tests.fakes import FakeDatabase


def test_signers_are_sorted_the_vietnamese_way_within_their_body() -> None:
    db = FakeDatabase()
    with db.uow() as tx:
        for username, name, body in [
            ("u1", "Trần Văn Ánh", "TCT"),
            ("u2", "Nguyễn Thị Bảo", "TCT"),
            ("u3", "Lê Văn An", "TCT"),
            ("u4", "Phạm Thị Lan", "TDTN"),
            ("u5", "Đỗ Văn Anh", "TCT"),
        ]:
            tx.repo.add_user(Person(username, name, "", body, ["signer"], None, None))
        tx.commit()
    assert [s.full_name for s in signers(db)] == [
        "Lê Văn An",
        "Đỗ Văn Anh",
        "Trần Văn Ánh",
        "Nguyễn Thị Bảo",
        "Phạm Thị Lan",
    ]
