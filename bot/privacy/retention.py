"""Deleting what has been kept long enough, by the periods of the deployment file.

People are forgotten through the same code as /delete (bot/privacy/deletion.py); `now` is an
argument so that tests can move the clock.
"""
from __future__ import annotations

import calendar
import datetime
import logging
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, delete, func, or_, select, union

from bot.config import Settings
from bot.db import AuditEntry, CallbackPayload, Case, Conversation, CrisisAlert, Database, Intake, StaffSession
from bot.db.case_states import CaseState
from bot.db.models import utcnow
from bot.db.session import rows_affected
from bot.deployment import Retention, load_deployment
from bot.privacy.deletion import Eraser

logger = logging.getLogger(__name__)

ACTOR = "retention"
EVERY = datetime.timedelta(days=1)
# The order people are looked at; a person due for several reasons counts under the first.
KINDS = ("closed_case", "incomplete_intake", "no_consent")


STAFF_SESSIONS_KEPT = datetime.timedelta(days=30)


def months_before(moment: datetime.datetime, months: int) -> datetime.datetime:
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    return moment.replace(year=year, month=month + 1, day=min(moment.day, calendar.monthrange(year, month + 1)[1]))


@dataclass
class RetentionReport:
    people: dict[str, int] = field(default_factory=dict)  # per kind: forgotten (a dry run: due)
    audit_entries: int = 0
    rows: Counter[str] = field(default_factory=Counter)  # per table, summed over the people
    dry_run: bool = False


def _closed_cases(database: Database, cutoff: datetime.datetime) -> list[str]:
    """People whose cases are all closed, the last before the cutoff."""
    with database.session() as session:
        return list(session.scalars(
            select(Case.conversation_id).group_by(Case.conversation_id)
            .having(func.sum(case((Case.state != CaseState.closed, 1), else_=0)) == 0, func.max(Case.closed_at) < cutoff)
        ))


def _incomplete_intakes(database: Database, cutoff: datetime.datetime) -> list[str]:
    """Intakes never completed, without a case, whose person last wrote before the cutoff."""
    last_activity = func.coalesce(Conversation.last_seen_at, Intake.updated_at)
    with database.session() as session:
        return list(session.scalars(
            select(Intake.conversation_id).outerjoin(Conversation, Conversation.id == Intake.conversation_id)
            .where(Intake.status == "started", last_activity < cutoff,
                   Intake.conversation_id.not_in(select(Case.conversation_id)))
        ))


def _without_consent(database: Database, cutoff: datetime.datetime) -> list[str]:
    """Conversations idle since the cutoff with no consent to processing and no case.

    A pending crisis alert keeps a conversation: it is about to become an urgent case. Buttons
    sent in the very turn a person was forgotten (declined consent) outlive their conversation's
    row; they are found by their own age."""
    def kept(column: Any) -> Any:
        return or_(column.in_(select(Case.conversation_id)), column.in_(select(CrisisAlert.conversation_id)))

    idle = union(
        select(Conversation.id.label("id")).where(Conversation.last_seen_at < cutoff, ~kept(Conversation.id)),
        select(CallbackPayload.conversation_id).where(
            CallbackPayload.created_at < cutoff, CallbackPayload.conversation_id.is_not(None),
            CallbackPayload.conversation_id.not_in(select(Conversation.id)), ~kept(CallbackPayload.conversation_id)),
    ).subquery()
    with database.session() as session:
        candidates = set(session.scalars(select(idle.c.id)))
        consented = {conversation_id for conversation_id, consent in session.execute(
            select(Intake.conversation_id, Intake.consent).where(Intake.conversation_id.in_(select(idle.c.id))))
            if (consent or {}).get("processing") is True}
    return sorted(candidates - consented)


def due(database: Database, retention: Retention, now: datetime.datetime) -> dict[str, list[str]]:
    """The people to forget now, per kind."""
    found = {
        "closed_case": _closed_cases(database, months_before(now, retention.closed_case_months)),
        "incomplete_intake": _incomplete_intakes(database, now - datetime.timedelta(days=retention.incomplete_intake_days)),
        "no_consent": _without_consent(database, now - datetime.timedelta(hours=retention.no_consent_hours)),
    }
    seen: set[str] = set()
    result: dict[str, list[str]] = {}
    for kind in KINDS:
        result[kind] = [conversation_id for conversation_id in found[kind] if conversation_id not in seen]
        seen.update(result[kind])
    return result


def run_retention(settings: Settings, now: datetime.datetime | None = None, dry_run: bool = False) -> RetentionReport:
    now = now or utcnow()
    retention = load_deployment(settings.deployment_file).retention
    database = Database(settings.app_database_url)
    report = RetentionReport(dry_run=dry_run)
    audit_cutoff = months_before(now, retention.audit_log_months)
    try:
        people = due(database, retention, now)
        report.people = {kind: len(ids) for kind, ids in people.items()}
        if dry_run:
            with database.session() as session:
                report.audit_entries = session.scalar(select(func.count()).where(AuditEntry.at < audit_cutoff)) or 0
            return report
        eraser = Eraser(database, settings.tracker_database_url)
        try:
            for ids in people.values():
                for conversation_id in ids:
                    report.rows.update(eraser.forget(conversation_id, ACTOR, now).counts)
        finally:
            eraser.close()
        # After the people: their deletions' own entries are new, and stay.
        with database.session() as session:
            report.audit_entries = rows_affected(session.execute(delete(AuditEntry).where(AuditEntry.at < audit_cutoff)))
            # Staff sessions (login, client address) are over after 12 hours; kept a while for questions.
            report.rows["staff_sessions"] += rows_affected(session.execute(
                delete(StaffSession).where(StaffSession.started_at < now - STAFF_SESSIONS_KEPT)))
    finally:
        database.engine.dispose()
    return report


def run_daily(settings: Settings, stop: threading.Event) -> None:
    """Once now, then once a day, until `stop` is set (`lotse run`)."""
    while not stop.is_set():
        try:
            report = run_retention(settings)
            logger.info("retention: people forgotten %s, audit entries deleted %s", report.people, report.audit_entries)
        except Exception:  # a failed run must not stop the next; the log has the cause
            logger.exception("retention run failed")
        stop.wait(EVERY.total_seconds())
