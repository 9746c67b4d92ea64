"""Telegram messages waiting to be sent. Anyone may queue one; the gateway sends them.

Failed sends are retried with a growing pause, so a Telegram outage delays messages but loses none.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import CaseMessage, Database, OutboxMessage, StaffNotice
from bot.db.models import utcnow

MAX_ATTEMPTS = 12
TELEGRAM_PREFIX = "telegram:"


def telegram_chat_of(conversation_id: str) -> str | None:
    """The Telegram chat id behind a conversation id, None for other channels (the console)."""
    return conversation_id.removeprefix(TELEGRAM_PREFIX) if conversation_id.startswith(TELEGRAM_PREFIX) else None


def enqueue(session: Session, chat_id: str, text: str, buttons: list[dict[str, str]] | None = None,
            case_message_id: int | None = None, *, conversation_id: str | None) -> None:
    """Queue a message; `conversation_id` names the person it is to or about (None: nobody), so
    that forgetting them cancels it, and deletes it from a staff chat once sent."""
    session.add(OutboxMessage(chat_id=chat_id, text=text, buttons=buttons or None, case_message_id=case_message_id,
                              conversation_id=conversation_id))


def enqueue_deletion(session: Session, chat_id: str, message_id: int) -> None:
    """Queue the deletion of a message the bot sent (only the gateway talks to Telegram)."""
    session.add(OutboxMessage(chat_id=chat_id, text="", delete_message_id=message_id))


@dataclass(frozen=True)
class Pending:
    id: int
    chat_id: str
    text: str
    buttons: list[dict[str, str]] | None
    attempts: int
    conversation_id: str | None = None
    delete_message_id: int | None = None

    @property
    def is_staff_notice(self) -> bool:
        """A message about a person to another chat than theirs: a staff group."""
        return (self.conversation_id is not None and self.delete_message_id is None
                and telegram_chat_of(self.conversation_id) != self.chat_id)


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
            return [Pending(r.id, r.chat_id, r.text, r.buttons, r.attempts, r.conversation_id, r.delete_message_id)
                    for r in rows]

    def sent(self, message: Pending, telegram_message_id: int | None = None) -> None:
        """Done; a staff notice is remembered (by its Telegram id) so it can be deleted later."""
        with self.database.session() as session:
            row = session.get(OutboxMessage, message.id)
            if row is None:
                # The person was forgotten while this was on its way: take it back at once.
                if message.is_staff_notice and telegram_message_id is not None:
                    enqueue_deletion(session, message.chat_id, telegram_message_id)
                return
            if message.is_staff_notice and telegram_message_id is not None:
                session.add(StaffNotice(conversation_id=message.conversation_id, chat_id=message.chat_id,
                                        message_id=telegram_message_id, sent_at=utcnow()))
            if row.case_message_id is not None and (message := session.get(CaseMessage, row.case_message_id)):
                message.delivered_at = utcnow()
            # Sent messages are not kept: the case keeps what staff need, the outbox nothing personal.
            session.delete(row)

    def drop(self, message_id: int) -> None:
        """Give up on a message that can never go (a deletion Telegram refuses: too old, or gone)."""
        with self.database.session() as session:
            if (row := session.get(OutboxMessage, message_id)) is not None:
                session.delete(row)

    def failed(self, message_id: int, error: str) -> None:
        with self.database.session() as session:
            row = session.get(OutboxMessage, message_id)
            if row is None:
                return
            row.attempts += 1
            row.last_error = error[:200]
            row.next_attempt_at = utcnow() + datetime.timedelta(seconds=min(2 ** row.attempts, 600))
