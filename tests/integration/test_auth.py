"""People and keys: scrypt password hashes, expiring tokens, hashed API keys, audited login failures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.adapters.migrate import upgrade
from service.adapters.orm import ApiKeyRow, AuditEntryRow, UserRow
from service.domain.audit import first_break
from service.domain.office import Role, choose_workflow
from service.errors import Forbidden, TooManyAttempts, Unauthenticated
from service.services.auth import (
    LoginLimits,
    NewUser,
    add_api_key,
    authenticate,
    bootstrap_api_key,
    check_password,
    create_user,
    hash_password,
    log_in,
    require,
)
from service.unit_of_work import Database


@pytest.fixture
def db(tmp_path: Path) -> Database:
    url = f"sqlite:///{tmp_path / 'auth.sqlite'}"
    upgrade(url)
    return Database(url)


def test_passwords_are_scrypt_hashes() -> None:
    stored = hash_password("mật khẩu dài")
    assert stored.startswith("scrypt$16384$8$1$") and "mật khẩu" not in stored
    assert check_password("mật khẩu dài", stored)
    assert not check_password("mat khau dai", stored)
    assert hash_password("mật khẩu dài") != stored  # salted
    assert not check_password("anything", None)


def test_tokens_expire_and_keys_are_stored_hashed(db: Database) -> None:
    with db.uow() as tx:
        user = create_user(tx, NewUser("vanthu", "Trần Thị Mai", "TCT", ["clerk"], password="mat-khau-vanthu"))
        key = add_api_key(tx, user.id)
        tx.commit()
    token, who = log_in(db, "vanthu", "mat-khau-vanthu", timedelta(minutes=5))
    assert authenticate(db, token).username == "vanthu" and who.has(Role.CLERK)
    assert authenticate(db, key).organisation == "TCT"
    with Session(db.engine) as session:
        assert key not in {r.key_hash for r in session.scalars(select(ApiKeyRow))}
        password_hash = session.scalars(select(UserRow.password_hash)).one()
        assert password_hash is not None and password_hash.startswith("scrypt$")
    expired, _ = log_in(db, "vanthu", "mat-khau-vanthu", timedelta(seconds=-1))
    with pytest.raises(Unauthenticated):
        authenticate(db, expired)
    with pytest.raises(Unauthenticated):
        authenticate(db, "vbk_not-a-key")


def test_login_failures_are_audited_without_saying_which_part_was_wrong(db: Database) -> None:
    with db.uow() as tx:
        create_user(tx, NewUser("hieutruong", "Nguyễn Văn An", "TCT", ["signer"], password="mat-khau-ht"))
        tx.commit()
    with pytest.raises(Unauthenticated) as wrong:
        log_in(db, "hieutruong", "sai", timedelta(minutes=5))
    with pytest.raises(Unauthenticated) as unknown:
        log_in(db, "khong-co", "sai", timedelta(minutes=5))
    assert wrong.value.message_en == unknown.value.message_en
    with Session(db.engine) as session:
        failures = session.scalars(select(AuditEntryRow.actor).where(AuditEntryRow.action == "login_failure"))
        assert list(failures) == ["hieutruong", "khong-co"]


def test_bootstrap_key_is_created_once_with_every_role(db: Database) -> None:
    bootstrap_api_key(db, "vbk_bootstrap", "TCT")
    bootstrap_api_key(db, "vbk_bootstrap", "TCT")
    who = authenticate(db, "vbk_bootstrap")
    assert who.roles == {r.value for r in Role} and who.organisation == "TCT"
    with Session(db.engine) as session:
        assert len(list(session.scalars(select(ApiKeyRow)))) == 1


def test_roles_and_workflows() -> None:
    from service.domain.office import Principal

    clerk = Principal("1", "vanthu", "", "", "TCT", frozenset({"clerk"}))
    require(clerk, Role.CLERK)
    with pytest.raises(Forbidden):
        require(clerk, Role.SIGNER, Role.ADMIN)
    assert choose_workflow("direct", "review") == "review"
    assert choose_workflow("review", None) == "review"
    with pytest.raises(ValueError):
        choose_workflow("review", "direct")


# -- login throttling: per account and per client address, kept in the database, on SQLite and on PostgreSQL ------


class Clock:
    """A clock the test moves by hand: windows and lockouts pass without sleeping."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


LIMITS = LoginLimits(
    max_failures=3, address_max_failures=7, window_seconds=600, lockout_seconds=60, max_lockout_seconds=3600
)
MINUTES = timedelta(minutes=5)


def _people(db: Database, *names: str) -> None:
    with db.uow() as tx:
        for name in names:
            create_user(tx, NewUser(name, name, "TCT", ["clerk"], password=f"mat-khau-{name}"))
        tx.commit()


def _attempt(db: Database, clock: Clock, username: str, password: str, address: str = "10.0.0.1") -> int:
    """The HTTP status the attempt would get: 200, 401 or 429."""
    try:
        log_in(db, username, password, MINUTES, address=address, limits=LIMITS, clock=clock)
    except Unauthenticated:
        return 401
    except TooManyAttempts as exc:
        assert exc.retry_after >= 1
        return 429
    return 200


def test_an_account_is_locked_after_n_failures_even_for_the_right_password(any_db: Database) -> None:
    _people(any_db, "vanthu", "hieutruong")
    clock = Clock()
    assert [_attempt(any_db, clock, "vanthu", "sai") for _ in range(3)] == [401, 401, 401]
    with pytest.raises(TooManyAttempts) as locked:
        log_in(any_db, "vanthu", "mat-khau-vanthu", MINUTES, address="10.0.0.1", limits=LIMITS, clock=clock)
    assert locked.value.status_code == 429 and locked.value.retry_after == 60
    assert "60" in locked.value.message_en and "60" in locked.value.message_vi
    clock.advance(30)
    assert _attempt(any_db, clock, "vanthu", "mat-khau-vanthu", "10.0.0.2") == 429  # from any address
    # another account from the same address still logs in
    assert _attempt(any_db, clock, "hieutruong", "mat-khau-hieutruong") == 200
    with any_db.uow() as tx:
        lockouts = [e for e in tx.repo.audit_chain()[0] if e.action == "login_lockout"]
        assert [(e.actor, e.detail["scope"], e.detail["seconds"]) for e in lockouts] == [("vanthu", "account", 60)]
        assert first_break(*tx.repo.audit_chain()) is None  # in the hash chain, unbroken
    clock.advance(31)  # the lockout is over
    assert _attempt(any_db, clock, "vanthu", "mat-khau-vanthu") == 200


def test_lockouts_grow_and_a_successful_login_resets_the_account(any_db: Database) -> None:
    _people(any_db, "vanthu")
    clock = Clock()
    for seconds in (60, 120, 240):  # each round from another address: only the account's limit is at play
        address = f"10.0.1.{seconds}"
        assert [_attempt(any_db, clock, "vanthu", "sai", address) for _ in range(3)] == [401, 401, 401]
        with pytest.raises(TooManyAttempts) as locked:
            log_in(any_db, "vanthu", "sai", MINUTES, address=address, limits=LIMITS, clock=clock)
        assert locked.value.retry_after == seconds
        clock.advance(seconds)
    assert _attempt(any_db, clock, "vanthu", "mat-khau-vanthu", "10.0.0.9") == 200
    # reset: two failures, a success, then three more failures are needed for a lockout, and it is the first one
    assert [_attempt(any_db, clock, "vanthu", "sai", "10.0.0.9") for _ in range(2)] == [401, 401]
    assert _attempt(any_db, clock, "vanthu", "mat-khau-vanthu", "10.0.0.9") == 200
    assert [_attempt(any_db, clock, "vanthu", "sai", "10.0.0.9") for _ in range(3)] == [401, 401, 401]
    with pytest.raises(TooManyAttempts) as locked:
        log_in(any_db, "vanthu", "mat-khau-vanthu", MINUTES, address="10.0.0.9", limits=LIMITS, clock=clock)
    assert locked.value.retry_after == 60


def test_failures_outside_the_window_are_forgotten(any_db: Database) -> None:
    _people(any_db, "vanthu")
    clock = Clock()
    for _ in range(5):
        assert [_attempt(any_db, clock, "vanthu", "sai") for _ in range(2)] == [401, 401]
        clock.advance(601)
    assert _attempt(any_db, clock, "vanthu", "mat-khau-vanthu") == 200


def test_an_address_has_a_budget_across_accounts_unknown_ones_included(any_db: Database) -> None:
    _people(any_db, "vanthu", "hieutruong", "chuyenvien")
    clock = Clock()
    statuses = [_attempt(any_db, clock, name, "sai") for name in ("vanthu", "khong-co", "ai-do", "hieutruong") * 2]
    # 7 failures spend the address's budget; the 8th attempt is refused before its password is looked at
    assert statuses == [401] * 7 + [429]
    assert _attempt(any_db, clock, "chuyenvien", "mat-khau-chuyenvien") == 429  # a right password, same address
    assert _attempt(any_db, clock, "chuyenvien", "mat-khau-chuyenvien", "10.0.0.2") == 200  # another address
    with Session(any_db.engine) as session:
        scopes = session.scalars(select(AuditEntryRow.detail).where(AuditEntryRow.action == "login_lockout"))
        assert {d["scope"]: d["key"] for d in scopes}["address"] == "10.0.0.1"
    clock.advance(60)
    assert _attempt(any_db, clock, "chuyenvien", "mat-khau-chuyenvien") == 200


def test_concurrent_wrong_passwords_from_several_processes_lock_once(any_db: Database) -> None:
    """Eight attempts at once, each through its own engine (as from several processes or nodes): they are counted
    one at a time in the database, the account is locked exactly once, and stays locked."""
    from concurrent.futures import ThreadPoolExecutor

    _people(any_db, "vanthu")
    clock = Clock()
    url = any_db.engine.url.render_as_string(hide_password=False)
    engines = [Database(url) for _ in range(8)]
    try:
        with ThreadPoolExecutor(8) as pool:
            attempts = [(db, f"10.0.2.{i}") for i, db in enumerate(engines)]  # the account's limit, not an address's
            statuses = list(pool.map(lambda a: _attempt(a[0], clock, "vanthu", "sai", a[1]), attempts))
    finally:
        for db in engines:
            db.dispose()
    assert statuses.count(401) >= 3 and set(statuses) <= {401, 429}, statuses
    assert _attempt(any_db, clock, "vanthu", "mat-khau-vanthu", "10.0.0.6") == 429
    with Session(any_db.engine) as session:
        actions = list(session.scalars(select(AuditEntryRow.action).where(AuditEntryRow.actor == "vanthu")))
    assert actions.count("login_lockout") == 1, actions
    assert actions.count("login_failure") == statuses.count(401)
    clock.advance(60)
    assert _attempt(any_db, clock, "vanthu", "mat-khau-vanthu", "10.0.0.6") == 200
