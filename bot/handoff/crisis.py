"""Crisis alerts: a message that signalled danger, waiting for the person's answer to the offer
of a person from the team. Accepted, or unanswered in time, it becomes an urgent case."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from sqlalchemy import delete, select

from bot.db import CrisisAlert, Database
from bot.db.models import utcnow
from bot.db.session import rows_affected

# Several messages in a row may signal danger; the team reads them all, up to this length.
MAX_ALERT_TEXT = 4000


@dataclass(frozen=True)
class PendingAlert:
    conversation_id: str
    channel: str
    language: str
    kind: str
    text: str
    question: str | None = None  # the intake's open question when the message came


def _pending(row: CrisisAlert) -> PendingAlert:
    return PendingAlert(row.conversation_id, row.channel, row.language, row.kind, row.text, row.question)


class CrisisAlerts:
    def __init__(self, database: Database) -> None:
        self.database = database

    def raise_alert(self, *, conversation_id: str, channel: str, language: str, kind: str, text: str,
                    escalate_after: datetime.timedelta, question: str | None = None) -> None:
        """Keep the message until the person answers the offer; a further one is added to it.

        The deadline is not pushed back by a further message: the first one started the clock."""
        with self.database.session() as session:
            row = session.scalar(select(CrisisAlert).where(CrisisAlert.conversation_id == conversation_id))
            if row is None:
                session.add(CrisisAlert(conversation_id=conversation_id, channel=channel, language=language, kind=kind,
                                        text=text[:MAX_ALERT_TEXT], escalate_at=utcnow() + escalate_after,
                                        question=question))
            else:
                row.text = f"{row.text}\n{text}"[:MAX_ALERT_TEXT]
                row.language = language
                row.question = question

    def take(self, conversation_id: str) -> PendingAlert | None:
        """Remove the person's pending alert and return it (None when there is none). Several
        gateways may take the same alert at once: the one whose DELETE removed the row has it
        (on PostgreSQL the other's waits for that commit and removes nothing), so one urgent case opens."""
        with self.database.session() as session:
            row = session.scalar(select(CrisisAlert).where(CrisisAlert.conversation_id == conversation_id))
            if row is None:
                return None
            taken = rows_affected(session.execute(delete(CrisisAlert).where(CrisisAlert.id == row.id)
                                                  .execution_options(synchronize_session=False)))
            return _pending(row) if taken else None

    def discard(self, conversation_id: str) -> None:
        with self.database.session() as session:
            session.execute(delete(CrisisAlert).where(CrisisAlert.conversation_id == conversation_id))

    def due(self, now: datetime.datetime | None = None) -> list[str]:
        """Conversations whose alert got no answer in time."""
        with self.database.session() as session:
            return list(session.scalars(
                select(CrisisAlert.conversation_id).where(CrisisAlert.escalate_at <= (now or utcnow()))
                .order_by(CrisisAlert.escalate_at)
            ))
