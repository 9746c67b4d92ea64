"""Telegram messages waiting to be sent. Anyone may queue one; the gateway sends them.

Failed sends are retried with a growing pause, so a Telegram outage delays messages but loses none.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import CaseMessage, Database, OutboxMessage
from bot.db.models import utcnow

MAX_ATTEMPTS = 12
TELEGRAM_PREFIX = "telegram:"


def telegram_chat_of(conversation_id: str) -> str | None:
    """The Telegram chat id behind a conversation id, None for other channels (the console)."""
    return conversation_id.removeprefix(TELEGRAM_PREFIX) if conversation_id.startswith(TELEGRAM_PREFIX) else None


def enqueue(session: Session, chat_id: str, text: str, buttons: list[dict[str, str]] | None = None,
            case_message_id: int | None = None) -> None:
    session.add(OutboxMessage(chat_id=chat_id, text=text, buttons=buttons or None, case_message_id=case_message_id))


@dataclass(frozen=True)
class Pending:
    id: int
    chat_id: str
    text: str
    buttons: list[dict[str, str]] | None
    attempts: int


class Outbox:
    def __init__(self, database: Database) -> None:
        self.database = database

    def due(self, limit: int = 50) -> list[Pending]:
        now = utcnow()
        with self.database.session() as session:
            rows = session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts < MAX_ATTEMPTS,
                       OutboxMessage.next_attempt_at <= now)
                .order_by(OutboxMessage.id).limit(limit)
            )
            return [Pending(r.id, r.chat_id, r.text, r.buttons, r.attempts) for r in rows]

    def sent(self, message_id: int) -> None:
        with self.database.session() as session:
            row = session.get(OutboxMessage, message_id)
            if row is None:  # deleted meanwhile (the person asked to be forgotten)
                return
            if row.case_message_id is not None and (message := session.get(CaseMessage, row.case_message_id)):
                message.delivered_at = utcnow()
            # Sent messages are not kept: the case keeps what staff need, the outbox nothing personal.
            session.delete(row)

    def failed(self, message_id: int, error: str) -> None:
        with self.database.session() as session:
            row = session.get(OutboxMessage, message_id)
            if row is None:
                return
            row.attempts += 1
            row.last_error = error[:200]
            row.next_attempt_at = utcnow() + datetime.timedelta(seconds=min(2 ** row.attempts, 600))
