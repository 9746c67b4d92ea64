"""The 🔊 button under a message, and the person's choice to hear every message (/listen).

The 🔊 button carries its callback data itself (`listen:<lang>`, the language the message was
written in), not a stored payload: it names no one, and needs no row that forgetting a person
would have to remove. A tap reads the message it is under (its text and choices, as Telegram
sends them back with the tap); it answers nothing, so the question's buttons stay.
"""
from __future__ import annotations

import json

from sqlalchemy import select, update

from bot.db import Conversation, Database

LISTEN_TITLE = "🔊"
LISTEN_DATA_PREFIX = "listen:"
ALWAYS_PREFIX = "/listen_always"  # the /listen offer's button: {"on": true|false}


def listen_button(language: str) -> dict[str, str]:
    """A button whose `data` is sent as the callback data as it is (bot/telegram/keyboards.py)."""
    return {"title": LISTEN_TITLE, "data": f"{LISTEN_DATA_PREFIX}{language}"}


def listened_language(data: str) -> str | None:
    """The language of a 🔊 tap's callback data; None for any other button."""
    return data.removeprefix(LISTEN_DATA_PREFIX) if data.startswith(LISTEN_DATA_PREFIX) else None


def is_always_choice(payload: str) -> bool:
    return payload.startswith(ALWAYS_PREFIX)


def chosen_always(payload: str) -> bool:
    try:
        return json.loads(payload[len(ALWAYS_PREFIX):]).get("on") is True
    except (ValueError, AttributeError):
        return False


class AlwaysAudio:
    """Per conversation, on the person's `conversations` row (forgotten with it)."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def get(self, conversation_id: str) -> bool:
        with self.database.session() as session:
            return bool(session.scalar(select(Conversation.always_audio).where(Conversation.id == conversation_id)))

    def set(self, conversation_id: str, on: bool) -> None:
        with self.database.session() as session:
            session.execute(update(Conversation).where(Conversation.id == conversation_id).values(always_audio=on))
