"""The 🔊 button under a message, and the person's choice to hear every message (/listen).

The 🔊 button carries its callback data itself (`listen:<lang>`, the language the message was
written in), not a stored payload: it names no one, and needs no row that forgetting a person
would have to remove. A tap reads the message it is under (its text and choices, as Telegram
sends them back with the tap); it answers nothing, so the question's buttons stay.
"""
from __future__ import annotations

import dataclasses
import json

from sqlalchemy import bindparam, select, update

from bot.audio.speaker import Speaker
from bot.db import Conversation, Database
from bot.rasa_client import Reply

LISTEN_TITLE = "🔊"
LISTEN_DATA_PREFIX = "listen:"
ALWAYS_PREFIX = "/listen_always"  # the /listen offer's button: {"on": true|false}


def listen_button(language: str) -> dict[str, str]:
    """A button whose `data` is sent as the callback data as it is (bot/telegram/keyboards.py)."""
    return {"title": LISTEN_TITLE, "data": f"{LISTEN_DATA_PREFIX}{language}"}


def said(reply: Reply) -> bool:
    """A message with words (not a reaction, not a file)."""
    return bool(reply.text) and reply.reaction is None and reply.document is None


def choice_titles(buttons: tuple[dict[str, str], ...]) -> list[str]:
    """The titles of a message's answer buttons (not the 🔊), which are read after its text."""
    return [b["title"] for b in buttons if "payload" in b]


def with_listen_button(speaker: Speaker, reply: Reply, language: str) -> Reply:
    """The message with a 🔊 under its buttons, when it can be heard in `language`."""
    if not said(reply) or not speaker.can_speak(language, reply.text, choice_titles(reply.buttons)):
        return reply
    return dataclasses.replace(reply, buttons=(*reply.buttons, listen_button(language)))


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


# Built once (decision 26): read on every turn.
_ALWAYS = select(Conversation.__table__.c.always_audio).where(Conversation.__table__.c.id == bindparam("person"))


class AlwaysAudio:
    """Per conversation, on the person's `conversations` row (forgotten with it)."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def get(self, conversation_id: str) -> bool:
        with self.database.session() as session:
            return bool(session.scalar(_ALWAYS, {"person": conversation_id}))

    def set(self, conversation_id: str, on: bool) -> None:
        with self.database.session() as session:
            session.execute(update(Conversation).where(Conversation.id == conversation_id).values(always_audio=on))
