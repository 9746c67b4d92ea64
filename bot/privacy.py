"""Forgetting a person: their intake, their cases and their conversation, on request (/delete)."""
from __future__ import annotations

import asyncio

from sqlalchemy import text

from bot.config import Settings
from bot.db import Database
from bot.db.session import make_engine
from bot.deployment import load_deployment
from bot.handoff.cases import CaseDesk
from bot.intake.store import IntakeStore


def _forget(settings: Settings, conversation_id: str) -> None:
    database = Database(settings.app_database_url)
    IntakeStore(database).delete(conversation_id)
    # Cases go with their relayed messages and notes (ON DELETE CASCADE).
    CaseDesk(database, load_deployment(settings.deployment_file), settings.web_url).forget(conversation_id)
    # Rasa keeps every turn in its tracker store; Rasa reads it afresh on each message, so
    # deleting the rows is enough for the conversation to start over, empty.
    engine = make_engine(settings.tracker_database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM events WHERE sender_id = :sender"), {"sender": conversation_id})
    finally:
        engine.dispose()


async def forget_conversation(settings: Settings, conversation_id: str) -> None:
    await asyncio.to_thread(_forget, settings, conversation_id)
