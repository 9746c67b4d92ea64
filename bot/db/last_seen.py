"""When each person last wrote: for welcoming them back after a long pause."""
from __future__ import annotations

import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from bot.db.models import Conversation, utcnow
from bot.db.session import Database

# Built once (decision 26): they run on every message.
_conversations = Conversation.__table__
_PREVIOUS = select(_conversations.c.last_seen_at).where(_conversations.c.id == bindparam("person"))
_SEEN_NOW = update(_conversations).where(_conversations.c.id == bindparam("person")).values(last_seen_at=bindparam("now"))


class LastSeen:
    def __init__(self, database: Database) -> None:
        self.database = database

    def touch(self, conversation_id: str, channel: str) -> datetime.datetime | None:
        """Record a message now; return when the person wrote before (None: never)."""
        with self.database.session() as session:
            return touch(session, conversation_id, channel)


def touch(session: Session, conversation_id: str, channel: str) -> datetime.datetime | None:
    """`LastSeen.touch` in the caller's transaction."""
    # Two plain statements, not the ORM's load and flush: this runs on every message.
    previous = session.scalar(_PREVIOUS, {"person": conversation_id})
    if previous is None:
        session.add(Conversation(id=conversation_id, channel=channel, last_seen_at=utcnow()))
        return None
    session.execute(_SEEN_NOW, {"person": conversation_id, "now": utcnow()})
    if previous.tzinfo is None:  # SQLite gives back naive datetimes; we store UTC
        previous = previous.replace(tzinfo=datetime.UTC)
    return previous
