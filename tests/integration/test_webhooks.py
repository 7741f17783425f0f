"""Webhook subscribers in the SQL repository: only endpoints whose owner is still active, of the organisation the
endpoint was registered for, and holds a role that may register one."""

from __future__ import annotations

from datetime import UTC, datetime

from service.adapters import orm
from service.services.auth import NewUser, create_user
from service.unit_of_work import Database
from tests.rows import OWNER_CHANGES, change_owner


def test_an_endpoint_is_a_subscriber_only_while_its_owner_may_have_it(any_db: Database) -> None:
    with any_db.uow() as tx:
        create_user(tx, NewUser("phongdaotao", "Phòng Đào tạo", "TDTN", ["clerk"], organisation_name="Đoàn TN"))
        for name in ("hoa", "nam", "lan"):
            owner = create_user(tx, NewUser(name, name, "TCT", ["requester"]))
            tx.repo.add(
                orm.WebhookEndpointRow(
                    id=f"e-{name}",
                    owner_id=owner.id,
                    organisation="TCT",
                    url=f"https://hooks.example.vn/{name}",
                    events=["job.failed"],
                    secret="whsec_x",
                    active=True,
                    created_at=datetime(2027, 3, 4, tzinfo=UTC),
                )
            )
        tx.commit()

    def subscribers() -> list[str]:
        with any_db.uow() as tx:
            return sorted(e.id for e in tx.repo.webhook_subscribers("TCT", "job.failed"))

    assert subscribers() == ["e-hoa", "e-lan", "e-nam"]
    with any_db.uow() as tx:
        for name, change in zip(("hoa", "nam", "lan"), OWNER_CHANGES, strict=True):
            user = tx.repo.user_by_name(name)
            assert user is not None
            change_owner(user, change)
        tx.commit()
    assert subscribers() == []
