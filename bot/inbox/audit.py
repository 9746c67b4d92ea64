"""The audit log: every view and change by staff, who and when. Ids and codes only."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from sqlalchemy import select

from bot.db import AuditEntry, Database

PAGE_SIZE = 200


@dataclass(frozen=True)
class AuditQuery:
    """What an admin looks for in the audit log; empty fields do not filter."""

    actor: str = ""
    action: str = ""
    case_id: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None  # inclusive


class AuditLog:
    def __init__(self, database: Database) -> None:
        self.database = database

    def record(self, actor: str, action: str, case_id: str | None = None, detail: str | None = None) -> None:
        with self.database.session() as session:
            session.add(AuditEntry(actor=actor, action=action, case_id=case_id, detail=(detail or None) and detail[:200]))

    def latest(self, limit: int = 200, case_id: str | None = None) -> list[AuditEntry]:
        with self.database.session() as session:
            query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
            if case_id:
                query = query.where(AuditEntry.case_id == case_id)
            return list(session.scalars(query))

    def search(self, query: AuditQuery, limit: int = PAGE_SIZE) -> list[AuditEntry]:
        """The newest entries that match, newest first."""
        conditions = []
        if query.actor:
            conditions.append(AuditEntry.actor == query.actor)
        if query.action:
            conditions.append(AuditEntry.action == query.action)
        if query.case_id:
            conditions.append(AuditEntry.case_id == query.case_id)
        if query.date_from:
            conditions.append(AuditEntry.at >= datetime.datetime.combine(query.date_from, datetime.time(),
                                                                          datetime.UTC))
        if query.date_to:
            conditions.append(AuditEntry.at < datetime.datetime.combine(query.date_to + datetime.timedelta(days=1),
                                                                         datetime.time(), datetime.UTC))
        with self.database.session() as session:
            return list(session.scalars(select(AuditEntry).where(*conditions).order_by(AuditEntry.id.desc()).limit(limit)))
