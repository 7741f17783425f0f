"""People and keys: scrypt password hashes, expiring tokens, hashed API keys, audited login failures."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from service.adapters.migrate import upgrade
from service.adapters.orm import ApiKeyRow, AuditEntryRow, UserRow
from service.domain.office import Role, choose_workflow
from service.services.auth import (
    Forbidden,
    NewUser,
    Unauthenticated,
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
    with db.uow() as tx:
        assert key not in {r.key_hash for r in tx.session.scalars(select(ApiKeyRow))}
        assert tx.session.scalars(select(UserRow.password_hash)).one().startswith("scrypt$")
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
    with db.uow() as tx:
        failures = tx.session.scalars(select(AuditEntryRow.actor).where(AuditEntryRow.action == "login_failure"))
        assert list(failures) == ["hieutruong", "khong-co"]


def test_bootstrap_key_is_created_once_with_every_role(db: Database) -> None:
    bootstrap_api_key(db, "vbk_bootstrap", "TCT")
    bootstrap_api_key(db, "vbk_bootstrap", "TCT")
    who = authenticate(db, "vbk_bootstrap")
    assert who.roles == {r.value for r in Role} and who.organisation == "TCT"
    with db.uow() as tx:
        assert len(list(tx.session.scalars(select(ApiKeyRow)))) == 1


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
