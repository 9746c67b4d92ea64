"""Rasa's buttons as Telegram inline keyboards.

Telegram limits callback_data to 64 bytes; Rasa payloads such as
`/inform{"slot":"residence_status","value":"duldung_ausbildung"}` are longer. A button carries
only a short, stable id; the payload it stands for is stored in the database.
"""
from __future__ import annotations

import base64
import hashlib

from sqlalchemy import select

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.db import CallbackPayload, Database

CALLBACK_PREFIX = "p:"
ROW_WIDTH_CHARS = 30
MAX_BUTTONS_PER_ROW = 3


def callback_id(payload: str) -> str:
    digest = hashlib.sha256(payload.encode("utf-8")).digest()
    return CALLBACK_PREFIX + base64.urlsafe_b64encode(digest[:12]).decode("ascii")


def remember_payloads(database: Database, payloads: list[str]) -> None:
    with database.session() as session:
        known = set(session.scalars(select(CallbackPayload.id).where(CallbackPayload.id.in_([callback_id(p) for p in payloads]))))
        for payload in payloads:
            identifier = callback_id(payload)
            if identifier not in known:
                session.add(CallbackPayload(id=identifier, payload=payload))
                known.add(identifier)


def payload_for(database: Database, data: str) -> str | None:
    """The payload behind a button's callback data; None for data we never sent."""
    if not data.startswith(CALLBACK_PREFIX):
        return None
    with database.session() as session:
        row = session.get(CallbackPayload, data)
        return row.payload if row else None


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


def inline_keyboard(buttons: list[dict[str, str]]) -> InlineKeyboardMarkup:
    titles = [b["title"] for b in buttons]
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(titles[i], callback_data=callback_id(buttons[i]["payload"])) for i in row] for row in rows(titles)]
    )
