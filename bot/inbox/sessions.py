"""Inbox sessions on the server: started at login, ended by logout, a new password, a disabled
account or an admin; an absolute lifetime and an idle timeout that only the person's own actions
reset (the case page's background refresh does not keep a session alive)."""
from __future__ import annotations

import datetime
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.db import Database, StaffSession
from bot.db.models import utcnow

ABSOLUTE_LIFETIME = datetime.timedelta(hours=12)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def end_sessions_of(session: Session, login: str) -> None:
    """End every session of an account (its password changed, it was disabled)."""
    session.execute(update(StaffSession).where(StaffSession.login == login, StaffSession.ended_at.is_(None))
                    .values(ended_at=utcnow()))


@dataclass(frozen=True)
class Check:
    login: str | None  # the signed-in account, None if the session is unknown or over
    expired: bool = False  # over by time (the person is told why), not ended


class Sessions:
    def __init__(self, database: Database, idle: datetime.timedelta) -> None:
        self.database = database
        self.idle = idle

    def start(self, login: str, client: str) -> str:
        token = secrets.token_urlsafe(32)
        with self.database.session() as session:
            session.add(StaffSession(token_hash=_hash(token), login=login, client=client[:64]))
        return token

    def check(self, token: str | None, activity: bool = True) -> Check:
        """Whose session the token is; `activity`: the person did something (resets idle time)."""
        if not token:
            return Check(None)
        now = utcnow()
        with self.database.session() as session:
            row = session.get(StaffSession, _hash(token))
            if row is None or row.ended_at is not None:
                return Check(None)
            if now - _aware(row.started_at) > ABSOLUTE_LIFETIME or now - _aware(row.active_at) > self.idle:
                row.ended_at = now
                return Check(None, expired=True)
            if activity:
                row.active_at = now
            return Check(row.login)

    def end(self, token: str | None) -> None:
        if token:
            with self.database.session() as session:
                row = session.get(StaffSession, _hash(token))
                if row is not None and row.ended_at is None:
                    row.ended_at = utcnow()

    def end_all(self, login: str) -> int:
        with self.database.session() as session:
            count = len(self.open_sessions(session, login))
            end_sessions_of(session, login)
            return count

    def open_sessions(self, session: Session, login: str | None = None) -> list[StaffSession]:
        query = select(StaffSession).where(StaffSession.ended_at.is_(None)).order_by(StaffSession.active_at.desc())
        if login:
            query = query.where(StaffSession.login == login)
        return list(session.scalars(query))

    def active(self) -> int:
        """How many sessions are open and within their idle and absolute time (for /metrics)."""
        now = utcnow()
        with self.database.session() as session:
            return session.scalar(select(func.count()).select_from(StaffSession).where(
                StaffSession.ended_at.is_(None), StaffSession.active_at > now - self.idle,
                StaffSession.started_at > now - ABSOLUTE_LIFETIME)) or 0

    def listing(self) -> list[StaffSession]:
        """The open sessions, newest activity first (idle ones are ended at their next check)."""
        with self.database.session() as session:
            return self.open_sessions(session)


def _aware(moment: datetime.datetime) -> datetime.datetime:
    # SQLite returns naive datetimes; they are stored in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)
