"""Forgetting a person completely: on /delete, an admin's deletion, a forget signal, retention.

Everything about the person goes in one transaction of the application database; Rasa's
tracker store is another database, emptied first, so that a failure in between leaves the
application rows behind, where the next /delete or retention run finds them again.
"""
from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, false, inspect, or_, select, text
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.db import (
    AuditEntry,
    CallbackPayload,
    Case,
    CaseMessage,
    CaseNote,
    CaseVoice,
    Conversation,
    CrisisAlert,
    Database,
    InboundUpdate,
    Intake,
    IntakeStats,
    OutboxClaim,
    OutboxMessage,
    Reminder,
    StaffNotice,
)
from bot.db.models import utcnow
from bot.db.session import make_engine, rows_affected
from bot.handoff.outbox import enqueue, enqueue_deletion, telegram_chat_of

# Telegram lets a bot delete its messages for 48 hours; an hour less leaves room for clocks and queues.
DELETABLE_FOR = datetime.timedelta(hours=47)
STAFF_TIMEZONE = ZoneInfo("Europe/Berlin")
AUDIT_ACTION = "delete_person"


@dataclass
class DeletionReport:
    """Rows deleted per table (`events` is the tracker store's); staff-chat notices handled."""

    counts: dict[str, int] = field(default_factory=dict)
    references: tuple[str, ...] = ()
    notices_deleted: int = 0  # deleteMessage queued
    notices_by_hand: int = 0  # too old for the bot: listed for the team

    @property
    def anything(self) -> bool:
        return any(self.counts.values())


def _aware(moment: datetime.datetime) -> datetime.datetime:
    # SQLite gives back naive datetimes; we only ever store UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def _by_hand_notice(references: tuple[str, ...], sent: list[datetime.datetime]) -> str:
    """For the team: which of the bot's messages to remove by hand. Names the case, not the person."""
    case = ", ".join(references) or "ohne Fallnummer"
    dates = ", ".join(_aware(moment).astimezone(STAFF_TIMEZONE).strftime("%d.%m.%Y %H:%M") for moment in sorted(sent))
    return (f"🗑 Fall {case} ist gelöscht (Löschung nach DSGVO). Telegram lässt den Bot Nachrichten nur 48 Stunden "
            f"lang löschen: bitte löscht in diesem Chat von Hand die Hinweise des Bots zu diesem Fall vom {dates}.")


class Eraser:
    def __init__(self, database: Database, tracker_url: str) -> None:
        self.database = database
        self.tracker = make_engine(tracker_url)  # secure_delete on SQLite, like the application database

    def close(self) -> None:
        self.tracker.dispose()

    def forget(self, conversation_id: str, actor: str, now: datetime.datetime | None = None) -> DeletionReport:
        """Delete everything stored about the person; the audit log keeps that it happened."""
        now = now or utcnow()
        report = DeletionReport()
        report.counts["events"] = self._forget_tracker(conversation_id)
        with self.database.session() as session:
            cases = [(case_id, reference) for case_id, reference in session.execute(
                select(Case.id, Case.reference).where(Case.conversation_id == conversation_id).order_by(Case.created_at))]
            report.references = tuple(reference for _, reference in cases)
            self._take_back_notices(session, conversation_id, now, report)
            self._delete_rows(session, conversation_id, [case_id for case_id, _ in cases], report)
            # That it happened, when, by whom and to which case: never what was deleted.
            for case_id, reference in cases or [(None, None)]:
                session.add(AuditEntry(at=now, actor=actor[:64], action=AUDIT_ACTION, case_id=case_id, detail=reference))
        return report

    def _forget_tracker(self, conversation_id: str) -> int:
        with self.tracker.begin() as connection:
            if not inspect(connection).has_table("events"):  # Rasa has not written yet
                return 0
            result = connection.execute(text("DELETE FROM events WHERE sender_id = :sender"), {"sender": conversation_id})
            return result.rowcount or 0

    @staticmethod
    def _delete_rows(session: Session, conversation_id: str, case_ids: list[str], report: DeletionReport) -> None:
        message_ids = select(CaseMessage.id).where(CaseMessage.case_id.in_(case_ids))
        intake_ids = select(Intake.id).where(Intake.conversation_id == conversation_id)
        to_person = telegram_chat_of(conversation_id)
        statements: list[tuple[str, Any]] = [
            # Pending messages to or about the person are cancelled, never sent.
            ("outbox", delete(OutboxMessage).where(or_(
                OutboxMessage.conversation_id == conversation_id,
                OutboxMessage.case_message_id.in_(message_ids),
                OutboxMessage.chat_id == to_person if to_person else false(),
            ))),
            ("staff_notices", delete(StaffNotice).where(StaffNotice.conversation_id == conversation_id)),
            ("case_messages", delete(CaseMessage).where(CaseMessage.case_id.in_(case_ids))),
            ("case_notes", delete(CaseNote).where(CaseNote.case_id.in_(case_ids))),
            # Their voice; its copies in the team's chat are staff notices, taken back above.
            ("case_voice_messages", delete(CaseVoice).where(or_(
                CaseVoice.conversation_id == conversation_id, CaseVoice.case_id.in_(case_ids)))),
            ("cases", delete(Case).where(Case.id.in_(case_ids))),
            ("crisis_alerts", delete(CrisisAlert).where(CrisisAlert.conversation_id == conversation_id)),
            ("intake_stats", delete(IntakeStats).where(IntakeStats.intake_id.in_(intake_ids))),
            ("intakes", delete(Intake).where(Intake.conversation_id == conversation_id)),
            ("callback_payloads", delete(CallbackPayload).where(CallbackPayload.conversation_id == conversation_id)),
            ("conversations", delete(Conversation).where(Conversation.id == conversation_id)),
            # Pending reminders are cancelled; sent ones (kept for the dashboard's counts) go too.
            ("reminders", delete(Reminder).where(Reminder.conversation_id == conversation_id)),
            # Messages not yet worked on are the person's words too; processed ones are ids only.
            ("inbound_updates", delete(InboundUpdate).where(InboundUpdate.conversation_id == conversation_id)),
            # A gateway's claim on the person's chat names the chat: a dead gateway's stays otherwise.
            ("outbox_claims", delete(OutboxClaim).where(OutboxClaim.chat_id == to_person if to_person else false())),
        ]
        for table, statement in statements:
            report.counts[table] = rows_affected(session.execute(statement.execution_options(synchronize_session=False)))

    @staticmethod
    def _take_back_notices(session: Session, conversation_id: str, now: datetime.datetime,
                           report: DeletionReport) -> None:
        """Staff-chat notices about the person: deleted by the bot while Telegram allows it, else
        listed for the team, one message per chat naming only the case and the notices' times."""
        too_old: dict[str, list[datetime.datetime]] = defaultdict(list)
        for notice in session.scalars(select(StaffNotice).where(StaffNotice.conversation_id == conversation_id)):
            if now - _aware(notice.sent_at) < DELETABLE_FOR:
                enqueue_deletion(session, notice.chat_id, notice.message_id)
                report.notices_deleted += 1
            else:
                too_old[notice.chat_id].append(notice.sent_at)
                report.notices_by_hand += 1
        for chat_id, sent in too_old.items():
            # About a case that no longer exists: it names nobody, and no one can cancel it.
            enqueue(session, chat_id, _by_hand_notice(report.references, sent), conversation_id=None)


def forget_person(settings: Settings, conversation_id: str, actor: str,
                  now: datetime.datetime | None = None) -> DeletionReport:
    """`actor`: "person" for /delete, the admin's login, "retention", or "bot" (a forget signal)."""
    database = Database(settings.app_database_url)
    eraser = Eraser(database, settings.tracker_database_url)
    try:
        return eraser.forget(conversation_id, actor, now)
    finally:
        eraser.close()
        database.engine.dispose()
