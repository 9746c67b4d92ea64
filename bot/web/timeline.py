"""The whole conversation of a case for staff: the bot's questions, the person's answers as they
were written, and the relayed messages, in the order they happened."""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from bot.db import CaseMessage


@dataclass(frozen=True)
class Entry:
    at: datetime.datetime
    who: str  # "person" | "bot" | "staff"
    text: str
    author: str | None = None
    pending: bool = False  # a staff message not yet delivered


def _utc(timestamp: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(timestamp, tz=datetime.timezone.utc)


def _aware(value: datetime.datetime) -> datetime.datetime:
    return value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)


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


def relay_entries(messages: list[CaseMessage]) -> list[Entry]:
    return [Entry(_aware(m.created_at), "person" if m.direction == "in" else "staff", m.text, m.author,
                  pending=m.direction == "out" and m.delivered_at is None) for m in messages]


def timeline(events: list[dict[str, Any]] | None, messages: list[CaseMessage]) -> list[Entry]:
    return sorted([*bot_entries(events or []), *relay_entries(messages)], key=lambda e: e.at)
