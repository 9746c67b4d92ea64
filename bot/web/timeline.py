"""The whole conversation of a case for staff: the bot's questions, the person's answers as they
were written, and the relayed messages, in the order they happened."""
from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.db import CaseMessage, CaseVoice, OutboxMessage
from bot.handoff.outbox import telegram_chat_of
from bot.handoff.voice import duration_label


@dataclass(frozen=True)
class Entry:
    at: datetime.datetime
    who: str  # "person" | "bot" | "staff" | "notice" (the bot's message to the team's chat)
    text: str
    author: str | None = None
    pending: bool = False  # a staff message not yet delivered
    undelivered: str | None = None  # why Telegram finally did not take it (German)
    audio: str | None = None  # a voice message: where the page plays it from


def _utc(timestamp: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC)


def _aware(value: datetime.datetime) -> datetime.datetime:
    return value if value.tzinfo else value.replace(tzinfo=datetime.UTC)


def bot_entries(events: list[dict[str, Any]]) -> list[Entry]:
    """Rasa's events as entries; a button press shows the button's title, not its payload."""
    entries: list[Entry] = []
    buttons: dict[str, str] = {}
    for event in events:
        kind = event.get("event")
        if kind == "bot" and (event.get("text") or (event.get("data") or {}).get("buttons")):
            offered = (event.get("data") or {}).get("buttons") or []
            buttons = {b.get("payload", ""): b.get("title", "") for b in offered}
            entries.append(Entry(_utc(event["timestamp"]), "bot", event.get("text") or ""))
        elif kind == "user":
            text = event.get("text") or ""
            if text.startswith("/"):
                if text not in buttons:
                    continue  # a command or a message the gateway sent on the person's behalf
                text = f"[{buttons[text]}]"
            entries.append(Entry(_utc(event["timestamp"]), "person", text))
    return entries


def relay_entries(messages: list[CaseMessage], undelivered: Sequence[OutboxMessage] = ()) -> list[Entry]:
    failed = {row.case_message_id: row.last_error for row in undelivered if row.case_message_id is not None}
    return [Entry(_aware(m.created_at), "person" if m.direction == "in" else "staff", m.text, m.author,
                  pending=m.direction == "out" and m.delivered_at is None and m.id not in failed,
                  undelivered=failed.get(m.id)) for m in messages]


def voice_entries(case_id: str, voices: Sequence[CaseVoice]) -> list[Entry]:
    """The person's voice messages, among their messages; the audio is fetched when played."""
    return [Entry(_aware(v.created_at), "person",
                  f"🎤 Sprachnachricht{f' ({duration_label(v.duration_seconds)})' if v.duration_seconds else ''}",
                  audio=f"/cases/{case_id}/voice/{v.id}") for v in voices]


def undelivered_entries(undelivered: Sequence[OutboxMessage]) -> list[Entry]:
    """The bot's own messages Telegram did not take (staff replies show on their entry)."""
    return [Entry(_aware(row.created_at),
                  "bot" if row.conversation_id and telegram_chat_of(row.conversation_id) == row.chat_id else "notice",
                  row.text, undelivered=row.last_error or "unbekannter Fehler")
            for row in undelivered if row.case_message_id is None]


def timeline(events: list[dict[str, Any]] | None, messages: list[CaseMessage],
             undelivered: Sequence[OutboxMessage] = (), voices: Sequence[CaseVoice] = (),
             case_id: str = "") -> list[Entry]:
    return sorted([*bot_entries(events or []), *relay_entries(messages, undelivered), *undelivered_entries(undelivered),
                   *voice_entries(case_id, voices)], key=lambda e: e.at)
