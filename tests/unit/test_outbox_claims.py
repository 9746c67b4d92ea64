"""Several gateways sharing the outbox (bot/handoff/outbox_claims.py): a chat is sent to by one
of them at a time, every message leaves once and each chat's in order; a dead gateway's chats
are taken over. On SQLite and on PostgreSQL."""
from __future__ import annotations

import asyncio
import collections
import datetime
from dataclasses import dataclass
from typing import Any

import pytest

from bot.db import Database, migrate
from bot.db.models import utcnow
from bot.handoff.outbox import Outbox, enqueue
from bot.handoff.outbox_claims import CLAIM_SECONDS, SendClaims
from bot.telegram.sender import Sender
from tests.unit.test_sending import ScriptedBot, SentMessage, until

CHATS, MESSAGES_PER_CHAT = 8, 6


@pytest.fixture
def database(database_url: str) -> Database:
    migrate(database_url)
    return Database(database_url)


def queue(database: Database, chat: int, text: str) -> None:
    with database.session() as session:
        enqueue(session, str(chat), text, conversation_id=f"telegram:{chat}")


def test_a_claimed_chat_is_nobody_elses_until_released_or_run_out(database: Database) -> None:
    first, second = SendClaims(database, "gateway-1"), SendClaims(database, "gateway-2")
    assert first.claim("7")
    assert not second.claim("7")
    assert first.claim("7")  # its own claim, left behind by a release that failed
    first.release("7")
    assert second.claim("7")
    # A gateway that died holds its chat until the claim runs out; then another takes it over.
    later = utcnow() + datetime.timedelta(seconds=CLAIM_SECONDS + 1)
    assert not first.claim("7", later - datetime.timedelta(seconds=2))
    assert first.claim("7", later)
    second.release("7")  # not its claim any more: nothing happens
    assert not second.claim("7")


def test_chats_another_gateway_sends_to_are_not_due_except_to_it(database: Database) -> None:
    queue(database, 1, "to one")
    queue(database, 2, "to two")
    SendClaims(database, "gateway-1").claim("1")
    outbox = Outbox(database)
    assert [m.text for m in outbox.due()] == ["to two"]
    assert [m.text for m in outbox.due(chat_id="1")] == ["to one"]
    # One gateway alone (SQLite) takes no claims and looks for none.
    assert [m.text for m in outbox.due(shared=False)] == ["to one", "to two"]


def test_release_all_lets_every_claim_go(database: Database) -> None:
    SendClaims(database, "dead gateway").claim("1")
    SendClaims(database, "new gateway").release_all()  # a restarted gateway on SQLite: the only one there is
    assert SendClaims(database, "new gateway").claim("1")


@dataclass
class SlowBot(ScriptedBot):
    """Takes a moment per message, so that two senders' work overlaps."""

    async def send_message(self, chat_id: str, text: str, reply_markup: Any = None) -> SentMessage:
        await asyncio.sleep(0.002)
        return await super().send_message(chat_id, text, reply_markup)


async def test_two_gateways_send_every_message_once_and_each_chat_in_order(database: Database) -> None:
    bot = SlowBot()  # both senders' Telegram: it records what arrives, in order
    for n in range(MESSAGES_PER_CHAT // 2):
        for chat in range(1, CHATS + 1):
            queue(database, chat, f"{chat}:{n}")
    senders = [Sender(bot, Outbox(database), claims=SendClaims(database, f"gateway-{i}")) for i in (1, 2)]
    stop = asyncio.Event()
    loops = [asyncio.create_task(sender.run(stop)) for sender in senders]
    try:
        for n in range(MESSAGES_PER_CHAT // 2, MESSAGES_PER_CHAT):  # more is queued while both send
            await asyncio.sleep(0.05)
            for chat in range(1, CHATS + 1):
                await asyncio.to_thread(queue, database, chat, f"{chat}:{n}")
            for sender in senders:
                sender.wake()
        await until(lambda: len(bot.sent) >= CHATS * MESSAGES_PER_CHAT, "every message sent", timeout=30)
        await asyncio.sleep(0.5)  # a message sent twice would arrive now
    finally:
        stop.set()
        await asyncio.gather(*loops)
    counts = collections.Counter(text for _, text in bot.sent)
    assert [text for text, count in counts.items() if count > 1] == []
    assert len(counts) == CHATS * MESSAGES_PER_CHAT
    for chat in range(1, CHATS + 1):
        order = [text for chat_id, text in bot.sent if chat_id == str(chat)]
        assert order == [f"{chat}:{n}" for n in range(MESSAGES_PER_CHAT)]
    assert Outbox(database).due() == []
