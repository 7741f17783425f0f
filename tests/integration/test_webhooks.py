"""Webhook subscribers in the SQL repository: only endpoints whose owner is still active, of the organisation the
endpoint was registered for, and holds a role that may register one."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from service.adapters import orm
from service.domain.clock import SystemClock
from service.errors import InvalidRequest
from service.services.auth import NewUser, create_user, principal
from service.services.webhooks import MAX_ENDPOINTS, Webhooks
from service.unit_of_work import Database
from tests.fakes import FakeWebhookSender
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


def test_registrations_at_once_keep_to_the_limit_of_endpoints(any_db: Database) -> None:
    """Thirty registrations by one person at once: twenty endpoints, the others refused (the count and the new
    endpoint are one step; before, every one of them passed the count)."""
    with any_db.uow() as tx:
        owner = principal(create_user(tx, NewUser("hoa", "Nguyễn Thị Hoa", "TCT", ["requester"])))
        tx.commit()
    webhooks = Webhooks(any_db, FakeWebhookSender([]), SystemClock(), lambda name, args: None)

    def register(i: int) -> int:
        try:
            webhooks.register(owner, f"https://hooks.example.vn/{i}", ["job.failed"])
        except InvalidRequest:
            return 422
        return 201

    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(register, range(30)))
    assert answers.count(201) == MAX_ENDPOINTS and len(webhooks.endpoints(owner)) == MAX_ENDPOINTS
