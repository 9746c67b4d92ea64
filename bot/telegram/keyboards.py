"""Rasa's buttons as Telegram inline keyboards.

Telegram limits callback_data to 64 bytes; Rasa payloads such as
`/inform{"slot":"residence_status","value":"duldung_ausbildung"}` are longer. A button carries
only a short, stable id; the payload it stands for is stored in the database, per conversation
(the id hashes both), so forgetting a person removes their buttons' rows too.

A button with `data` instead of a payload (the 🔊 of bot/audio/listening.py) carries that data
itself: short, naming no one, nothing stored. It goes on a row of its own, below the answers.
"""
from __future__ import annotations

import base64
import hashlib

from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.db import CallbackPayload, Database

CALLBACK_PREFIX = "p:"
ROW_WIDTH_CHARS = 30
MAX_BUTTONS_PER_ROW = 3

# Built once (decision 26): every question with buttons, every tap.
_payloads = CallbackPayload.__table__
_KNOWN = select(_payloads.c.id).where(_payloads.c.id.in_(bindparam("ids", expanding=True)))
_REMEMBER = insert(_payloads)
_PAYLOAD = select(_payloads.c.payload, _payloads.c.conversation_id).where(_payloads.c.id == bindparam("id"))


def callback_id(conversation_id: str, payload: str) -> str:
    """18 ASCII characters, far below the 64-byte limit."""
    digest = hashlib.sha256(f"{conversation_id}\n{payload}".encode()).digest()
    return CALLBACK_PREFIX + base64.urlsafe_b64encode(digest[:12]).decode("ascii")


def remember_payloads(session: Session, conversation_id: str, payloads: list[str]) -> None:
    """Store what the buttons stand for, in the transaction that queues their message: a press
    always finds its payload, and sending costs no transaction of its own."""
    ids = {callback_id(conversation_id, p): p for p in payloads}
    if not ids:
        return
    known = set(session.scalars(_KNOWN, {"ids": list(ids)}))
    new = [{"id": identifier, "payload": payload, "conversation_id": conversation_id}
           for identifier, payload in ids.items() if identifier not in known]
    if new:
        session.execute(_REMEMBER, new)


def payload_for(database: Database, conversation_id: str, data: str) -> str | None:
    """The payload behind a button's callback data; None for data we never sent to this chat."""
    if not data.startswith(CALLBACK_PREFIX):
        return None
    with database.session() as session:
        row = session.execute(_PAYLOAD, {"id": data}).first()
        # Rows from before ids were per conversation have none; their payloads name no one.
        if row is None or row.conversation_id not in (None, conversation_id):
            return None
        return row.payload


def rows(titles: list[str]) -> list[list[int]]:
    """Indices of buttons per row: short titles share a row, long ones stand alone."""
    layout: list[list[int]] = []
    width = 0
    for index, title in enumerate(titles):
        if layout and len(layout[-1]) < MAX_BUTTONS_PER_ROW and width + len(title) <= ROW_WIDTH_CHARS:
            layout[-1].append(index)
            width += len(title)
        else:
            layout.append([index])
            width = len(title)
    return layout


def stored_payloads(buttons: list[dict[str, str]]) -> list[str]:
    """The payloads to remember for a keyboard (buttons that carry their own data have none)."""
    return [b["payload"] for b in buttons if "payload" in b]


def inline_keyboard(conversation_id: str, buttons: list[dict[str, str]]) -> InlineKeyboardMarkup:
    answers = [b for b in buttons if "payload" in b]
    titles = [b["title"] for b in answers]
    keyboard = [[InlineKeyboardButton(titles[i], callback_data=callback_id(conversation_id, answers[i]["payload"]))
                 for i in row] for row in rows(titles)]
    keyboard += [[InlineKeyboardButton(b["title"], callback_data=b["data"])] for b in buttons if "payload" not in b]
    return InlineKeyboardMarkup(keyboard)
