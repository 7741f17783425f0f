"""Browser sessions at the service layer, with a clock the test moves: the end moves forward with each use (idle
time, not a fixed lifetime), an ended or logged-out session is refused, and the CSRF token belongs to its session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from service.adapters.migrate import upgrade
from service.domain.clock import FixedClock
from service.errors import CsrfRefused, Unauthenticated
from service.services.auth import LoginLimits, NewUser, create_user
from service.services.sessions import check_csrf, csrf_token, end_session, open_session, session_principal
from service.unit_of_work import Database

IDLE = timedelta(minutes=10)


@pytest.fixture
def db(tmp_path: Path) -> Database:
    url = f"sqlite:///{tmp_path / 'sessions.sqlite'}"
    upgrade(url)
    database = Database(url)
    with database.uow() as tx:
        create_user(tx, NewUser("chuyenvien", "Nguyễn Thị Hoa", "TCT", ["requester"], password="mat-khau-cv"))
        tx.commit()
    return database


def test_a_session_lives_while_it_is_used_and_ends_after_the_idle_time(db: Database) -> None:
    clock = FixedClock(datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    token, who = open_session(
        db, "chuyenvien", "mat-khau-cv", IDLE, address="10.0.0.1", limits=LoginLimits(), clock=clock.now
    )
    for _ in range(5):  # 5 × 9 minutes: longer than the idle time in all, never idle that long
        clock.advance(timedelta(minutes=9))
        assert session_principal(db, token, IDLE, clock.now).username == who.username
    clock.advance(timedelta(minutes=10, seconds=1))
    with pytest.raises(Unauthenticated) as ended:
        session_principal(db, token, IDLE, clock.now)
    assert ended.value.message_vi == "Phiên làm việc đã kết thúc; hãy đăng nhập lại"


def test_a_logged_out_session_is_refused_at_once(db: Database) -> None:
    token, who = open_session(db, "chuyenvien", "mat-khau-cv", IDLE, address=None, limits=LoginLimits())
    end_session(db, token, who)
    with pytest.raises(Unauthenticated):
        session_principal(db, token, IDLE)
    with pytest.raises(Unauthenticated):
        session_principal(db, "not-a-session", IDLE)


def test_state_changes_need_the_sessions_own_csrf_token() -> None:
    token, other = "a" * 43, "b" * 43
    check_csrf("GET", token, None)  # reading needs none
    check_csrf("POST", token, csrf_token(token))
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        for sent in (None, "", csrf_token(other), token):
            with pytest.raises(CsrfRefused):
                check_csrf(method, token, sent)
    assert csrf_token(token) != token and len(csrf_token(token)) == 64
