"""Staff accounts: argon2 password hashes, roles, disabling, and throttled logins."""
from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.db import Database, LoginAttempt, Staff
from bot.db.models import utcnow
from bot.inbox.sessions import end_sessions_of

ROLES = ("staff", "coordinator", "admin")
MIN_PASSWORD_LENGTH = 12
# Within the window: an account is refused to a client after this many failures from that
# client, and a client after this many failures for any accounts. Failures for an account from
# all clients slow every login to it down (a growing delay) instead of locking it: nobody can
# lock a colleague out, and the right password from another client still gets in.
MAX_FAILURES_PER_LOGIN = 5
MAX_FAILURES_PER_CLIENT = 20
FAILURE_WINDOW = datetime.timedelta(minutes=15)
SLOWDOWN_AFTER = 3  # failures of an account before its logins are slowed
MAX_DELAY_SECONDS = 30.0
BURST = 20  # failures of one account within the window: admins are told (audit entry)

_hasher = PasswordHasher()
# Verifying against this when the login is unknown takes as long as a real check,
# so response times do not tell which logins exist.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class AccountError(ValueError):
    """A staff-facing error: the message says what to do."""


def login_key(login: str) -> str:
    """What a failed login is counted under: a hash of what was typed, never the text itself —
    people type their password into the login field."""
    return hashlib.sha256(login.strip()[:64].encode()).hexdigest()


class LoginRefused(Exception):
    def __init__(self, reason: str, burst: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason  # "invalid" | "throttled"
        self.burst = burst  # this failure made a burst against the account: admins are told


@dataclass(frozen=True)
class Account:
    login: str
    display_name: str
    role: str


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")


class Accounts:
    def __init__(self, database: Database) -> None:
        self.database = database

    def add(self, login: str, display_name: str, role: str, password: str) -> None:
        if role not in ROLES:
            raise AccountError(f"role must be one of {', '.join(ROLES)}")
        if not login or not login.replace(".", "").replace("-", "").replace("_", "").isalnum():
            raise AccountError("a login consists of letters, digits, '.', '-' and '_'")
        check_password(password)
        with self.database.session() as session:
            if session.get(Staff, login) is not None:
                raise AccountError(f"{login} exists already")
            session.add(Staff(login=login, display_name=display_name or login, role=role,
                              password_hash=_hasher.hash(password)))

    def _existing(self, session: Session, login: str) -> Staff:
        staff = session.get(Staff, login)
        if staff is None:
            raise AccountError(f"there is no account {login}")
        return staff

    def disable(self, login: str) -> None:
        """The account cannot log in, and its open sessions end."""
        with self.database.session() as session:
            self._existing(session, login).disabled = True
            end_sessions_of(session, login)

    def reset_password(self, login: str, password: str) -> None:
        """A new password; the account is enabled again, its failed logins are forgotten and its
        open sessions end (a copied cookie stops working)."""
        check_password(password)
        with self.database.session() as session:
            staff = self._existing(session, login)
            staff.password_hash = _hasher.hash(password)
            staff.password_changed_at = utcnow()
            staff.disabled = False
            end_sessions_of(session, login)
            session.execute(delete(LoginAttempt).where(LoginAttempt.login == login_key(login)))

    def active(self, login: str) -> Account | None:
        with self.database.session() as session:
            staff = session.get(Staff, login)
            if staff is None or staff.disabled:
                return None
            return Account(staff.login, staff.display_name, staff.role)

    def all(self) -> list[tuple[Account, bool]]:
        with self.database.session() as session:
            return [(Account(s.login, s.display_name, s.role), s.disabled)
                    for s in session.scalars(select(Staff).order_by(Staff.login))]

    def _failures(self, session: Session, *conditions: Any) -> int:
        since = utcnow() - FAILURE_WINDOW
        return session.scalar(select(func.count()).select_from(LoginAttempt)
                              .where(LoginAttempt.at >= since, *conditions)) or 0

    def delay_before(self, login: str) -> float:
        """Seconds to wait before checking a login to this account: doubling with each failure
        (from any client) past SLOWDOWN_AFTER, at most MAX_DELAY_SECONDS."""
        with self.database.session() as session:
            failures = self._failures(session, LoginAttempt.login == login_key(login))
        return 0.0 if failures < SLOWDOWN_AFTER else min(2.0 ** (failures - SLOWDOWN_AFTER), MAX_DELAY_SECONDS)

    def authenticate(self, login: str, password: str, client: str) -> Account:
        """The account, or LoginRefused. A disabled account fails like a wrong password."""
        login = login.strip()[:64]
        client = client[:64]
        with self.database.session() as session:
            key = login_key(login)
            from_client = self._failures(session, LoginAttempt.client == client)
            for_account = self._failures(session, LoginAttempt.login == key, LoginAttempt.client == client)
            if for_account >= MAX_FAILURES_PER_LOGIN or from_client >= MAX_FAILURES_PER_CLIENT:
                raise LoginRefused("throttled")
            staff = session.get(Staff, login)
            try:
                _hasher.verify(staff.password_hash if staff else _DUMMY_HASH, password)
                ok = staff is not None and not staff.disabled
            except (VerificationError, InvalidHashError):
                ok = False
            if ok and staff is not None:
                if _hasher.check_needs_rehash(staff.password_hash):
                    staff.password_hash = _hasher.hash(password)
                # This client's failures are forgiven; others' keep counting (and slowing).
                session.execute(delete(LoginAttempt).where(LoginAttempt.login == key, LoginAttempt.client == client))
                return Account(staff.login, staff.display_name, staff.role)
        with self.database.session() as session:  # its own transaction: the refusal must not undo it
            session.add(LoginAttempt(login=key, client=client))
            session.flush()
            burst = self._failures(session, LoginAttempt.login == key) == BURST
        raise LoginRefused("invalid", burst=burst)
