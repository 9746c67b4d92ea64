"""Which gateway sends to which chat (decision 22): several gateways share the outbox, and a
chat is sent to by one of them at a time, so that no message goes twice and each chat's messages
leave in the order they were queued.

A claim is one row per chat, taken by one INSERT … ON CONFLICT DO UPDATE that overwrites only a
claim that ran out: on PostgreSQL a second gateway claiming the same chat waits for the first's
commit and finds the claim held; on SQLite the statement takes the write lock at once. The holder
renews it while it sends and deletes it when done; a gateway that died holds its chats at most
CLAIM_SECONDS.
"""
from __future__ import annotations

import datetime
import os
import secrets
import socket

from sqlalchemy import delete, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.db import Database, OutboxClaim
from bot.db.models import utcnow

CLAIM_SECONDS = 60.0
RENEW_SECONDS = 20.0


def holder_name() -> str:
    """This process among the gateways: host, process id, and a random part (process ids repeat)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


class SendClaims:
    def __init__(self, database: Database, holder: str) -> None:
        self.database = database
        self.holder = holder

    def claim(self, chat_id: str, now: datetime.datetime | None = None) -> bool:
        """Whether this holder now sends to the chat (False: another one does). Its own claim it
        takes again: one left behind when a release failed must not hold its chat up."""
        now = now or utcnow()
        until = now + datetime.timedelta(seconds=CLAIM_SECONDS)
        dialect = postgresql if self.database.engine.dialect.name == "postgresql" else sqlite
        statement = (
            dialect.insert(OutboxClaim).values(chat_id=chat_id, holder=self.holder, claimed_until=until)
            .on_conflict_do_update(index_elements=[OutboxClaim.chat_id],
                                   set_={"holder": self.holder, "claimed_until": until},
                                   where=(OutboxClaim.claimed_until <= now) | (OutboxClaim.holder == self.holder))
            .returning(OutboxClaim.chat_id)
        )
        with self.database.session() as session:
            return session.execute(statement).first() is not None

    def renew(self, chat_id: str) -> None:
        with self.database.session() as session:
            session.execute(update(OutboxClaim).where(OutboxClaim.chat_id == chat_id, OutboxClaim.holder == self.holder)
                            .values(claimed_until=utcnow() + datetime.timedelta(seconds=CLAIM_SECONDS)))

    def release(self, chat_id: str) -> None:
        with self.database.session() as session:
            session.execute(delete(OutboxClaim).where(OutboxClaim.chat_id == chat_id, OutboxClaim.holder == self.holder))

    def release_all(self) -> None:
        """Every claim, whoever holds it: at start on SQLite, where only one gateway runs, so any
        claim found is a dead predecessor's."""
        with self.database.session() as session:
            session.execute(delete(OutboxClaim))
