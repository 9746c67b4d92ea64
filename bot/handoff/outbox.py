"""Telegram messages waiting to be sent. Anyone may queue one; the gateway's sender sends them
(bot/telegram/sender.py), in order per chat.

Failed sends are retried with a growing pause, so a Telegram outage delays messages but loses
none; a message that finally fails stays, marked, for the person's case page.
"""
from __future__ import annotations

import datetime
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, bindparam, delete, exists, insert, select
from sqlalchemy.orm import Session

from bot.db import Case, CaseMessage, Database, OutboxClaim, OutboxMessage, StaffNotice
from bot.db.models import utcnow
from bot.telegram.keyboards import remember_payloads, stored_payloads

TELEGRAM_PREFIX = "telegram:"
TELEGRAM_MAX_CHARS = 4096  # per message, counted in UTF-16 code units
# Transient failures (network, 5xx): pauses of 0.5 s, 1 s, 2 s … up to 10 minutes; about 45
# minutes in all before the message counts as not delivered.
MAX_ATTEMPTS = 15
FIRST_PAUSE_SECONDS = 0.5
LONGEST_PAUSE_SECONDS = 600.0


# Built once (decision 26): every message of every turn passes here. Every message is queued
# with the same Core INSERT, run at once: messages queued in one transaction keep their order (an
# ORM object added beside them would be inserted at the flush, after them).
_outbox = OutboxMessage.__table__
_QUEUE = insert(_outbox)
_SENT = delete(_outbox).where(_outbox.c.id == bindparam("id"))
_WAITING = (select(_outbox, (_outbox.c.next_attempt_at <= bindparam("now")).label("is_due"))
            .where(_outbox.c.sent_at.is_(None), _outbox.c.failed_at.is_(None)))
_NOT_BUSY = _outbox.c.chat_id.not_in(bindparam("busy", expanding=True))
_DUE_TO_CHAT = _WAITING.where(_outbox.c.chat_id == bindparam("chat")).order_by(_outbox.c.id).limit(bindparam("limit"))
_DUE = _WAITING.where(_NOT_BUSY).order_by(_outbox.c.id).limit(bindparam("limit"))
_DUE_UNCLAIMED = (_WAITING.where(_NOT_BUSY, ~exists().where(OutboxClaim.chat_id == _outbox.c.chat_id,
                                                            OutboxClaim.claimed_until > bindparam("now")))
                  .order_by(_outbox.c.id).limit(bindparam("limit")))


def telegram_chat_of(conversation_id: str) -> str | None:
    """The Telegram chat id behind a conversation id, None for other channels (the console)."""
    return conversation_id.removeprefix(TELEGRAM_PREFIX) if conversation_id.startswith(TELEGRAM_PREFIX) else None


def _telegram_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = TELEGRAM_MAX_CHARS) -> list[str]:
    """Parts of at most `limit` (Telegram's) characters, cut after a line break, else after a space."""
    parts: list[str] = []
    while _telegram_length(text) > limit:
        window = text[:limit]
        while _telegram_length(window) > limit:  # characters outside the BMP count twice
            window = window[:-1]
        cut = window.rfind("\n")
        if cut < len(window) // 2:  # no line break in the second half: a word boundary will do
            cut = max(cut, window.rfind(" "))
        cut = cut + 1 if cut > 0 else len(window)
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    parts.append(text)
    return [part for part in parts if part] or [text]


def pause_after(attempts: int) -> float:
    """The pause before the next try, after `attempts` failed ones."""
    return min(FIRST_PAUSE_SECONDS * 2 ** (attempts - 1), LONGEST_PAUSE_SECONDS)


def enqueue(session: Session, chat_id: str, text: str, buttons: list[dict[str, str]] | None = None,
            case_message_id: int | None = None, *, conversation_id: str | None) -> None:
    """Queue a message; `conversation_id` names the person it is to or about (None: nobody), so
    that forgetting them cancels it, and deletes it from a staff chat once sent.

    A text longer than Telegram allows goes as several messages; the buttons come with the last,
    and what they stand for is stored now (bot/telegram/keyboards.py)."""
    if buttons:
        remember_payloads(session, conversation_id or f"{TELEGRAM_PREFIX}{chat_id}", stored_payloads(buttons))
    parts = split_text(text)
    session.execute(_QUEUE, [{"chat_id": chat_id, "text": part, "buttons": (buttons or None) if number == len(parts) else None,
                              "case_message_id": case_message_id, "conversation_id": conversation_id}
                             for number, part in enumerate(parts, start=1)])


def enqueue_reaction(session: Session, chat_id: str, message_id: int, emoji: str, *, conversation_id: str) -> None:
    """Queue a reaction on the person's own message (✍: passed on to the team)."""
    session.execute(_QUEUE, {"chat_id": chat_id, "text": emoji, "reaction_to": message_id,
                             "conversation_id": conversation_id})


def enqueue_document(session: Session, chat_id: str, filename: str, content: bytes, *, conversation_id: str) -> None:
    """Queue a file (a person's data on /mydata); it is deleted once sent, like every message."""
    session.execute(_QUEUE, {"chat_id": chat_id, "text": filename, "document": content,
                             "conversation_id": conversation_id})


def enqueue_voice(session: Session, chat_id: str, audio: bytes, caption: str = "", *, conversation_id: str) -> None:
    """Queue a voice message (OGG/Opus): a question read aloud, or a person's voice for the team."""
    session.execute(_QUEUE, {"chat_id": chat_id, "text": caption, "document": audio, "voice": True,
                             "conversation_id": conversation_id})


def enqueue_deletion(session: Session, chat_id: str, message_id: int) -> None:
    """Queue the deletion of a message the bot sent (only the gateway talks to Telegram)."""
    session.execute(_QUEUE, {"chat_id": chat_id, "text": "", "delete_message_id": message_id})


@dataclass(frozen=True)
class Pending:
    id: int
    chat_id: str
    text: str  # the emoji of a reaction, the file name of a document, the caption of a voice
    buttons: list[dict[str, str]] | None
    attempts: int
    conversation_id: str | None = None
    delete_message_id: int | None = None
    reaction_to: int | None = None
    document: bytes | None = None
    voice: bool = False
    case_message_id: int | None = None  # a part of a staff reply

    @property
    def is_staff_notice(self) -> bool:
        """A message about a person to another chat than theirs: a staff group."""
        return (self.conversation_id is not None and self.delete_message_id is None
                and telegram_chat_of(self.conversation_id) != self.chat_id)

    @property
    def is_message(self) -> bool:
        """Something the reader is told (not a deletion or a reaction): never given up unseen."""
        return self.delete_message_id is None and self.reaction_to is None


def _pending(row: Row[Any]) -> Pending:
    return Pending(row.id, row.chat_id, row.text, row.buttons, row.attempts, row.conversation_id,
                   row.delete_message_id, row.reaction_to, row.document, row.voice, row.case_message_id)


def undelivered(session: Session, conversation_id: str, case_message_ids: Collection[int]) -> list[OutboxMessage]:
    """Messages to or about the person that finally failed, oldest first."""
    return list(session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.failed_at.is_not(None),
               (OutboxMessage.conversation_id == conversation_id) | OutboxMessage.case_message_id.in_(case_message_ids))
        .order_by(OutboxMessage.id)
    ))


class Outbox:
    def __init__(self, database: Database) -> None:
        self.database = database

    def due(self, busy: Collection[str] = (), limit: int = 500, chat_id: str | None = None,
            shared: bool = True) -> list[Pending]:
        """Messages to send now, oldest first, of chats not in `busy` whose oldest waiting message
        is due: a message waiting for its retry holds back the later ones to its chat. Chats
        another gateway is sending to are left out, unless `chat_id` asks for that one chat's
        (which the caller has claimed); `shared=False`: no other gateway sends (SQLite), so no
        claims are looked for."""
        held = set(busy)
        due: list[Pending] = []
        values: dict[str, object]
        if chat_id is not None:
            query, values = _DUE_TO_CHAT, {"chat": chat_id}
        else:
            # Chats being sent to now are not read (their voices neither); nor, when gateways share
            # the outbox, the chats another one has claimed.
            query, values = (_DUE_UNCLAIMED if shared else _DUE), {"busy": list(held)}
        with self.database.session() as session:
            rows = session.execute(query, {"now": utcnow(), "limit": limit, **values})
            seen: set[str] = set()
            for row in rows:
                if row.chat_id not in seen and not row.is_due:
                    held.add(row.chat_id)
                seen.add(row.chat_id)
                if row.chat_id not in held:
                    due.append(_pending(row))
        return due

    def sent(self, message: Pending, telegram_message_id: int | None = None) -> None:
        """Done; a staff notice is remembered (by its Telegram id) so it can be deleted later."""
        with self.database.session() as session:
            if not message.is_staff_notice and message.case_message_id is None:  # a turn's reply: forgotten
                session.execute(_SENT, {"id": message.id})
                return
            row = session.get(OutboxMessage, message.id)
            if row is None:
                # The person was forgotten while this was on its way: take it back at once.
                if message.is_staff_notice and telegram_message_id is not None:
                    enqueue_deletion(session, message.chat_id, telegram_message_id)
                return
            if message.is_staff_notice and telegram_message_id is not None:
                session.add(StaffNotice(conversation_id=message.conversation_id, chat_id=message.chat_id,
                                        message_id=telegram_message_id, sent_at=utcnow()))
            if (row.case_message_id is not None and not self._other_parts(session, row)
                    and (case_message := session.get(CaseMessage, row.case_message_id))):
                case_message.delivered_at = utcnow()
            # Sent messages are not kept: the case keeps what staff need, the outbox nothing personal.
            session.delete(row)

    @staticmethod
    def _other_parts(session: Session, row: OutboxMessage) -> bool:
        """Whether parts of the same staff reply still wait (a long reply goes as several)."""
        return bool(session.scalar(select(exists().where(
            OutboxMessage.case_message_id == row.case_message_id, OutboxMessage.id != row.id))))

    def drop(self, message_id: int) -> None:
        """Give up on what nobody needs to know about: a deletion Telegram refuses, a reaction."""
        with self.database.session() as session:
            if (row := session.get(OutboxMessage, message_id)) is not None:
                session.delete(row)

    def retry_later(self, message_id: int, seconds: float, error: str, *, counts: bool = True) -> None:
        """Try again in `seconds`; `counts`: the try counts towards MAX_ATTEMPTS (Telegram's own
        "retry after" does not: it says when to come back)."""
        with self.database.session() as session:
            row = session.get(OutboxMessage, message_id)
            if row is None:
                return
            row.attempts += 1 if counts else 0
            row.last_error = error[:200]
            row.next_attempt_at = utcnow() + datetime.timedelta(seconds=seconds)

    def give_up(self, message_id: int, reason: str) -> bool:
        """Not delivered, finally: kept with `reason` (German) for the person's case page. Without
        a case no one would read it, so it is deleted. Whether it was kept."""
        with self.database.session() as session:
            row = session.get(OutboxMessage, message_id)
            if row is None:
                return False
            has_case = row.case_message_id is not None or (row.conversation_id is not None and session.scalar(
                select(exists().where(Case.conversation_id == row.conversation_id))))
            if not has_case:
                session.delete(row)
                return False
            row.failed_at, row.last_error, row.document = utcnow(), reason[:200], None
            return True

