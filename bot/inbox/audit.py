"""The audit log: every view and change by staff, who and when. Ids and codes only."""
from __future__ import annotations

from sqlalchemy import select

from bot.db import AuditEntry, Database


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
