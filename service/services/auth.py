"""Who is calling: people log in with a password (OAuth2 password flow) and get a short-lived bearer token;
systems send an API key. Passwords are hashed with scrypt (memory-hard, 16 MiB per hash); tokens and API keys are
random and kept only as their SHA-256."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from service.domain.clock import SystemClock
from service.domain.office import ROLE_NAMES_VI, Principal, Role
from service.errors import FieldError, Forbidden, InvalidRequest, TooManyAttempts, Unauthenticated
from service.services.ports import Database, Person, UnitOfWork, UserRow
from signing.certificates import read_pem_certificates, to_pem

_SYSTEM_CLOCK = SystemClock()  # the default where a caller gives no clock

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1  # 128 * r * n bytes = 16 MiB of memory per hash


KEPT_WITH_CREDENTIAL = ("certificate", "image")  # recorded by an admin beside the key's location; kept on a change
CREDENTIAL_FIELDS = frozenset({"kind", "path", "module", "token", "key", "url", "credential_id"})
"""Where a signer's key is (``signing.parse_credential``): never a PIN or a password, which are asked at signing."""


def unknown_credential_fields(credential: dict[str, str], known: frozenset[str] | set[str]) -> list[FieldError]:
    """A problem for each field of ``credential`` that no credential has (a password would be stored as given)."""
    return [
        FieldError(f"credential.{k[:40]}", "not a field of a credential", "không phải trường của khóa ký")
        for k in sorted(set(credential) - known)
    ]


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def check_password(password: str, stored: str | None) -> bool:
    """Constant time; a missing hash costs the same as a wrong password."""
    if not stored:
        hash_password(password)
        return False
    _, n, r, p, salt, digest = stored.split("$")
    candidate = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=32)
    return hmac.compare_digest(candidate, base64.b64decode(digest))


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def principal(user: UserRow) -> Principal:
    return Principal(user.id, user.username, user.full_name, user.title, user.organisation, frozenset(user.roles))


@dataclass(frozen=True)
class NewUser:
    username: str
    full_name: str
    organisation: str
    roles: list[str]
    title: str = ""
    password: str | None = None
    organisation_name: str | None = None
    credential: dict[str, str] | None = None


def create_user(tx: UnitOfWork, new: NewUser) -> UserRow:
    """Create a user (and their organisation if it is new). The caller commits."""
    problems = [
        FieldError("roles", f"unknown role {r}", f"không có vai trò {r}")
        for r in new.roles
        if r not in {x.value for x in Role}
    ]
    if not new.username or len(new.username) > 100:
        problems.append(FieldError("username", "1 to 100 characters", "từ 1 đến 100 ký tự"))
    if tx.repo.user_by_name(new.username) is not None:
        problems.append(FieldError("username", "already taken", "tên đăng nhập đã có"))
    if new.password is not None and len(new.password) < 8:
        problems.append(FieldError("password", "at least 8 characters", "ít nhất 8 ký tự"))
    credential = dict(new.credential) if new.credential else None
    problems += unknown_credential_fields(credential or {}, CREDENTIAL_FIELDS | set(KEPT_WITH_CREDENTIAL))
    if credential and "certificate" in credential:
        pem = certificate_pem(credential["certificate"])
        if pem is None:
            problems.append(
                FieldError("credential.certificate", "must be a certificate, PEM", "phải là chứng thư số dạng PEM")
            )
        else:
            credential["certificate"] = pem
    if problems:
        raise InvalidRequest(problems)
    if tx.repo.organisation(new.organisation) is None:
        tx.repo.add_organisation(new.organisation, new.organisation_name or new.organisation)
    password_hash = hash_password(new.password) if new.password else None
    roles = sorted(set(new.roles))
    return tx.repo.add_user(
        Person(new.username, new.full_name, new.title, new.organisation, roles, password_hash, credential)
    )


@dataclass(frozen=True)
class UserAdded:
    """A user just created, and their API key when one was asked for (shown this once)."""

    id: str
    username: str
    roles: list[str]
    api_key: str | None


def register_user(db: Database, new: NewUser, *, api_key: bool = False, by: Principal | None = None) -> UserAdded:
    """Create a user (and their organisation if it is new, and an API key if asked), audited, in one transaction.
    ``by``: the administrator asking through the API; None for the local operator (``vanban users create``), who
    creates the first administrator."""
    if by is not None:
        require(by, Role.ADMIN)
    with db.uow() as tx:
        user = create_user(tx, new)
        key = add_api_key(tx, user.id) if api_key else None
        actor = by.username if by is not None else "cli"
        tx.repo.append_audit(actor, "create_user", user.id, {"username": user.username, "roles": user.roles})
        tx.commit()
    return UserAdded(user.id, user.username, list(user.roles), key)


def certificate_pem(text: str) -> str | None:
    """The signer's certificate (the first of a PEM text), as it is recorded; None if there is none."""
    certs = read_pem_certificates(text)
    return to_pem(certs[0]) if certs else None


def add_api_key(tx: UnitOfWork, user_id: str, key: str | None = None) -> str:
    """A new API key for ``user_id`` (or ``key`` itself, e.g. the bootstrap key); only its hash is stored."""
    key = key or "vbk_" + secrets.token_urlsafe(32)
    if tx.repo.api_key(_sha256(key)) is None:
        tx.repo.add_api_key(_sha256(key), user_id)
    return key


def bootstrap_api_key(db: Database, key: str, organisation: str) -> None:
    """``VANBAN_BOOTSTRAP_API_KEY``: a key with every role in the default organisation, created once."""
    with db.uow() as tx:
        if tx.repo.api_key(_sha256(key)) is not None:
            return
        user = tx.repo.user_by_name("automation")
        if user is None:
            user = create_user(tx, NewUser("automation", "Automation (API key)", organisation, [r.value for r in Role]))
        add_api_key(tx, user.id, key)
        tx.repo.append_audit("system", "bootstrap_api_key", user.id, {})
        tx.commit()


@dataclass(frozen=True)
class LoginLimits:
    """How many wrong passwords are tolerated before logins are refused for a while."""

    max_failures: int = 5
    """failures of one account within ``window_seconds`` that lock it"""
    address_max_failures: int = 50
    """failures from one client address (any accounts, unknown ones too) that lock the address"""
    window_seconds: float = 900
    """failures older than this are forgotten"""
    lockout_seconds: float = 900
    """the first lockout; each next one of the same account or address lasts twice as long"""
    max_lockout_seconds: float = 86_400
    """the longest lockout; a key with no failure for this long starts afresh"""


def log_in(
    db: Database,
    username: str,
    password: str,
    lifetime: timedelta,
    *,
    address: str | None = None,
    limits: LoginLimits = LoginLimits(),
    clock: Callable[[], datetime] = _SYSTEM_CLOCK.now,
) -> tuple[str, Principal]:
    """A bearer token for ``lifetime``; a failure is audited and says nothing about which part was wrong.

    Throttled per account and per client ``address`` (:class:`LoginLimits`): while either is locked out every
    attempt is refused with :class:`TooManyAttempts`, a right password too, before the password is looked at. The
    lockout is audited; a successful login clears the account's failures (not the address's)."""
    username = username[:100]
    keys = [("account", username)] + ([("address", address[:100])] if address else [])
    now = clock()
    with db.uow() as tx:
        _refuse_while_locked(tx, keys, now)
        user = tx.repo.user_by_name(username)
        ok = check_password(password, user.password_hash if user else None) and user is not None and user.active
        if not ok or user is None:
            # the audit append takes the chain's lock first: failures are counted one at a time across processes
            tx.repo.append_audit(username, "login_failure", None, {"address": address} if address else {})
            _count_failure(tx, username, keys, now, limits)
            tx.commit()
            raise Unauthenticated("wrong username or password", "Sai tên đăng nhập hoặc mật khẩu")
        token = secrets.token_urlsafe(32)
        tx.repo.forget_expired_tokens(now)
        tx.repo.forget_login_failures(f"account:{username}")
        tx.repo.add_access_token(_sha256(token), user.id, now + lifetime)
        tx.repo.append_audit(user.username, "login", user.id, {})
        tx.commit()
        return token, principal(user)


def _refuse_while_locked(tx: UnitOfWork, keys: list[tuple[str, str]], now: datetime) -> None:
    for scope, value in keys:
        row = tx.repo.login_throttle(f"{scope}:{value}")
        if row is not None and row.locked_until is not None and row.locked_until > now:
            seconds = math.ceil((row.locked_until - now).total_seconds())
            what_en, what_vi = (
                ("this account", "tài khoản này") if scope == "account" else ("this address", "địa chỉ này")
            )
            raise TooManyAttempts(
                f"too many failed logins from {what_en}: try again in {seconds} s",
                f"Đăng nhập sai quá nhiều lần từ {what_vi}: hãy thử lại sau {seconds} giây",
                seconds,
            )


def _count_failure(tx: UnitOfWork, actor: str, keys: list[tuple[str, str]], now: datetime, limits: LoginLimits) -> None:
    """One more failure for each key; a key that reaches its limit is locked out (audited)."""
    stale = now - timedelta(seconds=limits.max_lockout_seconds)
    tx.repo.forget_stale_login_failures(stale, now)
    for scope, value in keys:
        limit = limits.max_failures if scope == "account" else limits.address_max_failures
        row = tx.repo.login_failures(f"{scope}:{value}", now)
        if row.locked_until is not None and row.locked_until > now:
            continue  # an attempt that raced past the check while another one locked the key: already paid for
        if (now - row.window_start).total_seconds() >= limits.window_seconds:
            row.failures, row.window_start = 0, now
        row.failures += 1
        row.last_failure_at = now
        if row.failures >= limit:
            seconds = min(limits.lockout_seconds * 2**row.lockouts, limits.max_lockout_seconds)
            row.locked_until = now + timedelta(seconds=seconds)
            row.lockouts += 1
            row.failures, row.window_start = 0, now
            detail = {"scope": scope, "key": value, "failures": limit, "seconds": seconds}
            tx.repo.append_audit(actor, "login_lockout", None, detail | {"until": row.locked_until.isoformat()})


def authenticate(db: Database, bearer: str, now: datetime | None = None) -> Principal:
    """The principal of a bearer token or API key (a token still valid at ``now``, by default now)."""
    digest = _sha256(bearer)
    with db.uow() as tx:
        token = tx.repo.access_token(digest)
        user_id = None
        if token is not None and token.expires_at > (now or _SYSTEM_CLOCK.now()):
            user_id = token.user_id
        elif token is None:
            key = tx.repo.api_key(digest)
            if key is not None and key.revoked_at is None:
                user_id = key.user_id
        user = tx.repo.user(user_id) if user_id else None
        if user is None or not user.active:
            raise Unauthenticated("invalid or expired token", "Mã truy cập không hợp lệ hoặc đã hết hạn")
        return principal(user)


def require(who: Principal, *roles: Role) -> None:
    """Refuse ``who`` unless they hold one of ``roles``."""
    if not any(who.has(r) for r in roles):
        names, names_vi = " or ".join(r.value for r in roles), " hoặc ".join(ROLE_NAMES_VI[r] for r in roles)
        raise Forbidden(f"this needs the role {names}", f"Việc này cần vai trò {names_vi}")


def users_of(tx: UnitOfWork, organisation: str, role: Role) -> list[UserRow]:
    return [u for u in tx.repo.active_users(organisation) if role.value in u.roles]


DEMO_PARTNER = ("TDTN", "Tỉnh đoàn (DEMO)")
DEMO_SCHOOL = "Trường Chính trị tỉnh"
"""The school's name on the demo: the templates' issuing body, so a hồ sơ's OrganName is its documents' one."""


def create_demo_users(
    db: Database, organisation: str, pki: Path, pki_password: str | None = None
) -> list[tuple[str, str, str]]:
    """On the embedded default's first start: one user per role in the school, and a partner body's leader and
    clerk, with random passwords returned (to be printed once; only their hashes are kept). Nothing if any person
    exists already. The leaders' certificates are recorded (read from their demo key files with ``pki_password``),
    so they can also sign in two steps."""
    people = [
        ("admin", "Quản trị hệ thống", organisation, [Role.ADMIN], "", None),
        ("chuyenvien", "Nguyễn Thị Hoa", organisation, [Role.REQUESTER], "Chuyên viên", None),
        ("vanthu", "Trần Thị Mai", organisation, [Role.CLERK], "Văn thư", None),
        ("hieutruong", "Nguyễn Văn An", organisation, [Role.SIGNER], "Hiệu trưởng", pki / "leader.p12"),
        ("bithu", "Phạm Thị Lan", DEMO_PARTNER[0], [Role.SIGNER], "Bí thư Tỉnh đoàn", pki / "partner.p12"),
        ("vanthu_tdtn", "Lê Văn Nam", DEMO_PARTNER[0], [Role.CLERK, Role.REQUESTER], "Văn thư", None),
    ]
    created = []
    with db.uow() as tx:
        if tx.repo.has_people():
            return []
        for username, full_name, org, roles, title, p12 in people:
            password = secrets.token_urlsafe(9)
            credential = {"kind": "pkcs12", "path": str(p12)} if p12 else None
            if credential and p12 and p12.exists() and pki_password is not None:
                from signing import KeyLoadError
                from signing.keys import read_pkcs12

                # unreadable: no certificate recorded; an administrator records one for two-step signing
                with contextlib.suppress(KeyLoadError):
                    credential["certificate"] = to_pem(read_pkcs12(p12, pki_password)[1])
            org_name = DEMO_PARTNER[1] if org == DEMO_PARTNER[0] else DEMO_SCHOOL
            create_user(
                tx,
                NewUser(username, full_name, org, [r.value for r in roles], title, password, org_name, credential),
            )
            created.append((username, password, ", ".join(r.value for r in roles)))
        tx.repo.append_audit("system", "demo_users", None, {"users": [u for u, _, _ in created]})
        tx.commit()
    return created
