"""Browser sessions (phiên đăng nhập): a person logs in with the same password and throttling as the token route and
gets a random session token, kept in an HttpOnly cookie and stored only as its SHA-256. The session ends after an
idle time: each request made with it moves its end forward. Requests that change something must also carry the
session's CSRF token, derived from the session token (the browser's page can read it, another site cannot)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import datetime, timedelta

from service.adapters.orm import utcnow
from service.domain.office import Principal
from service.errors import CsrfRefused, Unauthenticated
from service.services.auth import LoginLimits, _sha256, log_in, principal
from service.services.ports import Database

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def csrf_token(session_token: str) -> str:
    """The CSRF token of a session: a one-way function of its token, so it needs no storage and dies with it."""
    return hashlib.sha256(f"vanban-csrf\n{session_token}".encode()).hexdigest()


def check_csrf(method: str, session_token: str, sent: str | None) -> None:
    """Refuse a state-changing request whose ``X-CSRF-Token`` is not the session's (:class:`CsrfRefused`)."""
    if method.upper() in SAFE_METHODS:
        return
    if not sent or not hmac.compare_digest(sent, csrf_token(session_token)):
        raise CsrfRefused()


def open_session(
    db: Database,
    username: str,
    password: str,
    idle: timedelta,
    *,
    address: str | None,
    limits: LoginLimits,
    clock: Callable[[], datetime] = utcnow,
) -> tuple[str, Principal]:
    """Log in (the token route's checks, throttling and audit) for a session that ends after ``idle`` unused."""
    return log_in(db, username, password, idle, address=address, limits=limits, clock=clock)


def session_principal(
    db: Database, session_token: str, idle: timedelta, clock: Callable[[], datetime] = utcnow
) -> Principal:
    """The person of a live session; the session's end moves to ``idle`` from now (written at most every tenth of
    ``idle``, so a page's bursts of requests do not each write). An ended or unknown session is 401."""
    now = clock()
    with db.uow() as tx:
        row = tx.repo.access_token(_sha256(session_token))
        user = tx.repo.user(row.user_id) if row is not None and row.expires_at > now else None
        if row is None or user is None or not user.active:
            raise Unauthenticated("the session ended; log in again", "Phiên làm việc đã kết thúc; hãy đăng nhập lại")
        if now + idle - row.expires_at > idle / 10:
            row.expires_at = now + idle
            tx.commit()
        return principal(user)


def end_session(db: Database, session_token: str, who: Principal) -> None:
    """Log out: the session is forgotten at once (audited)."""
    with db.uow() as tx:
        tx.repo.forget_access_token(_sha256(session_token))
        tx.repo.append_audit(who.username, "logout", who.user_id, {})
        tx.commit()
