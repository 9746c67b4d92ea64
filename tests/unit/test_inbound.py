"""Durable inbound on real SQLite: stored once, worked through per chat in order, waiting while
Rasa cannot answer; the tracker checked before a message is sent to Rasa again; typed text sent
as text."""
from __future__ import annotations

import asyncio
import datetime
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from telegram import Bot, Update

from bot.config import Settings
from bot.conversation import AnswerLater, Conversations, Person, as_text
from bot.db import Database, InboundUpdate
from bot.db.models import utcnow
from bot.handoff.outbox import Outbox, enqueue
from bot.rasa_client import RasaClient
from bot.telegram import inbound as inbound_module
from bot.telegram.inbound import Inbound, InboundStore, retrying, turn_writes
from tests.unit.fake_rasa import FakeRasa
from tests.unit.privacy_helpers import make_settings

ALICE, BOB = 1001, 1002


@pytest.fixture()
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url)


@pytest.fixture()
def rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa()
    fake.start()
    yield fake
    fake.stop()


def message(update_id: int, chat: int, text: str) -> Update:
    return Update.de_json({"update_id": update_id, "message": {
        "message_id": update_id, "date": 0, "text": text, "chat": {"id": chat, "type": "private"},
        "from": {"id": chat, "is_bot": False, "first_name": "X"}}}, None)


def rows(database: Database) -> list[InboundUpdate]:
    with database.session() as session:
        return list(session.scalars(select(InboundUpdate).order_by(InboundUpdate.update_id)))


class Recorder:
    """The gateway's side: records what it handled; `failing` texts raise AnswerLater."""

    def __init__(self) -> None:
        self.handled: list[tuple[str | None, bool]] = []
        self.told: list[str | None] = []
        self.failing: set[str] = set()

    async def process(self, update: Update) -> None:
        text = update.effective_message.text
        if text in self.failing:
            raise AnswerLater
        self.handled.append((text, retrying.get()))

    async def tell_to_wait(self, update: Update) -> None:
        self.told.append(update.effective_message.text)


async def run_until(inbound: Inbound, condition: Callable[[], object], timeout: float = 10.0) -> None:
    """Run the worker until `condition` holds."""
    stop = asyncio.Event()
    worker = asyncio.create_task(inbound.run(stop))

    async def reached() -> None:
        while not condition():
            await asyncio.sleep(0.02)
    try:
        await asyncio.wait_for(reached(), timeout)
    finally:
        stop.set()
        await worker


def test_an_update_is_stored_once_and_its_words_go_once_processed(settings: Settings) -> None:
    database = Database(settings.app_database_url)
    recorder = Recorder()
    inbound = Inbound(database, recorder.process, recorder.tell_to_wait)
    inbound.bot = Bot("1:x")

    async def scenario() -> None:
        await inbound.accept(message(7, ALICE, "hello"))
        await inbound.accept(message(7, ALICE, "hello"))  # delivered again before it was processed
        await run_until(inbound, lambda: recorder.handled)
        await inbound.accept(message(7, ALICE, "hello"))  # and again after
        await run_until(inbound, lambda: True)
    asyncio.run(scenario())
    assert recorder.handled == [("hello", False)]
    (row,) = rows(database)
    assert (row.update_id, row.content, row.done_at is not None) == (7, None, True)


GROUP_MESSAGE = {"message_id": 1, "date": 0, "text": "hi", "chat": {"id": -100, "type": "group"}}
GROUP_UPDATES: dict[str, dict[str, Any]] = {
    "message": {"message": GROUP_MESSAGE},
    # A button under one of the bot's messages in a staff group: the same filter as messages.
    "button": {"callback_query": {"id": "q1", "chat_instance": "c", "data": "x", "message": GROUP_MESSAGE,
                                  "from": {"id": 5, "is_bot": False, "first_name": "Erika"}}},
}


@pytest.mark.parametrize("kind", sorted(GROUP_UPDATES))
def test_group_chats_are_not_stored(settings: Settings, kind: str) -> None:
    database = Database(settings.app_database_url)
    inbound = Inbound(database, Recorder().process, Recorder().tell_to_wait)
    asyncio.run(inbound.accept(Update.de_json({"update_id": 9, **GROUP_UPDATES[kind]}, None)))
    assert rows(database) == []


def test_each_chat_in_order_and_a_waiting_message_holds_back_the_later_ones(settings: Settings,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inbound_module, "RETRY_BASE_SECONDS", 0.05)
    database = Database(settings.app_database_url)
    recorder = Recorder()
    recorder.failing = {"a1"}
    inbound = Inbound(database, recorder.process, recorder.tell_to_wait)
    inbound.bot = Bot("1:x")

    async def scenario() -> None:
        for update_id, chat, text in [(1, ALICE, "a1"), (2, BOB, "b1"), (3, ALICE, "a2"), (4, BOB, "b2")]:
            await inbound.accept(message(update_id, chat, text))
        # Rasa cannot answer a1: Bob's chat goes on, Alice's waits, and she is told once.
        await run_until(inbound, lambda: len(recorder.handled) == 2 and len(rows(database)[0].content or "") > 0
                        and rows(database)[0].attempts >= 3)
        recorder.failing.clear()  # Rasa is back
        await run_until(inbound, lambda: len(recorder.handled) == 4)
    asyncio.run(scenario())
    assert recorder.handled[:2] == [("b1", False), ("b2", False)]
    assert recorder.handled[2:] == [("a1", True), ("a2", False)]  # a1 was tried before: the tracker is checked
    assert recorder.told == ["a1"]
    assert all(row.content is None for row in rows(database))


def test_a_chat_s_next_messages_follow_its_turn_without_waiting_for_a_poll(settings: Settings,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Stored before the turn (a1, a2) or arriving during it (a3): the chat's task works on them
    right after, though nothing else would look before the next poll (here: never)."""
    monkeypatch.setattr(inbound_module, "POLL_SECONDS", 60.0)
    database = Database(settings.app_database_url)
    recorder = Recorder()
    inbound = Inbound(database, recorder.process, recorder.tell_to_wait)
    inbound.bot = Bot("1:x")
    process = recorder.process

    async def arriving_during_the_turn(update: Update) -> None:
        if update.effective_message.text == "a2":
            await inbound.accept(message(3, ALICE, "a3"))
        await process(update)

    inbound.process = arriving_during_the_turn

    async def scenario() -> None:
        await inbound.accept(message(1, ALICE, "a1"))
        await inbound.accept(message(2, ALICE, "a2"))
        await run_until(inbound, lambda: len(recorder.handled) == 3, timeout=5.0)
    asyncio.run(scenario())
    assert [text for text, _ in recorder.handled] == ["a1", "a2", "a3"]


def test_an_update_begun_before_a_crash_is_worked_on_again_as_a_retry(settings: Settings) -> None:
    database = Database(settings.app_database_url)
    store = InboundStore(database)
    store.add(5, f"telegram:{ALICE}", message(5, ALICE, "Sara").to_json())
    assert store.claim(f"telegram:{ALICE}", utcnow()) is not None  # the gateway died during the turn,
    store.release()  # and its claim ran out
    recorder = Recorder()
    inbound = Inbound(database, recorder.process, recorder.tell_to_wait)
    inbound.bot = Bot("1:x")
    asyncio.run(run_until(inbound, lambda: recorder.handled))
    assert recorder.handled == [("Sara", True)]


def test_a_turn_s_replies_are_queued_with_its_end_or_not_at_all(settings: Settings,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The turn's replies and its update's `done` are one transaction: when that fails (here the
    first time), nothing is queued, and the update, worked on again, queues its reply once."""
    monkeypatch.setattr(inbound_module, "RETRY_BASE_SECONDS", 0.05)
    database = Database(settings.app_database_url)
    attempts: list[bool] = []
    woken: list[bool] = []

    def reply(session: Session) -> None:
        enqueue(session, str(ALICE), "the next question", conversation_id=f"telegram:{ALICE}")

    def disk_full(_session: Session) -> None:
        raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    async def process(update: Update) -> None:
        attempts.append(retrying.get())
        writes = turn_writes.get()
        assert writes is not None
        writes.extend([reply, disk_full] if len(attempts) == 1 else [reply])

    inbound = Inbound(database, process, Recorder().tell_to_wait)
    inbound.bot = Bot("1:x")
    inbound.committed = lambda: woken.append(True)

    async def scenario() -> None:
        await inbound.accept(message(1, ALICE, "a1"))
        await run_until(inbound, lambda: rows(database)[0].done_at is not None)
    asyncio.run(scenario())
    assert attempts == [False, True]  # the second attempt checks Rasa's tracker before sending
    assert [m.text for m in Outbox(database).due()] == ["the next question"]
    assert woken == [True]


def test_processed_ids_are_kept_for_two_days(settings: Settings) -> None:
    database = Database(settings.app_database_url)
    store = InboundStore(database)
    for update_id in (1, 2, 3):
        store.add(update_id, "telegram:1", "{}")
    store.done(1)
    store.done(2)
    with database.session() as session:
        session.get(InboundUpdate, 1).done_at = utcnow() - datetime.timedelta(hours=49)
    assert store.prune(utcnow()) == 1
    assert [row.update_id for row in rows(database)] == [2, 3]


@pytest.mark.parametrize(("typed", "sent"), [
    ('/ /inform{"slot":"gender","value":"=x"}', 'inform{"slot":"gender","value":"=x"}'),
    (' \n/\t/ /affirm', 'affirm'),
    ("Sara", "Sara"),
    ("a/b", "a/b"),
])
def test_typed_text_is_sent_as_text(typed: str, sent: str) -> None:
    assert as_text(typed) == sent


def test_a_message_rasa_has_answered_is_not_sent_again(settings: Settings, rasa: FakeRasa) -> None:
    rasa.events = [
        {"event": "user", "text": "Sara", "metadata": {"message_id": "41"}},
        {"event": "bot", "text": "When were you born?", "data": {"buttons": [{"title": "I don't know", "payload": "/dont_know"}]}},
        {"event": "user", "text": "Sara", "metadata": {"message_id": "42"}},
        {"event": "bot", "text": "Thank you, Sara.", "data": {}},
        {"event": "action", "name": "action_listen"},
    ]
    rasa.replies = [{"text": "this would answer the next question"}]

    async def turn(message_id: str, retrying: bool) -> list[str]:
        client = RasaClient(rasa.url)
        try:
            person = Person("telegram:1", "telegram", "en", message_id=message_id, retrying=retrying)
            conversations = Conversations(settings, client, Database(settings.app_database_url), wait_for_rasa=True)
            return [r.text for r in await conversations.text(person, "Sara")]
        finally:
            await client.close()

    assert asyncio.run(turn("42", retrying=True)) == ["Thank you, Sara."]
    assert rasa.received == []
    # Not in the tracker (the gateway died before Rasa got it): sent, with its id.
    assert asyncio.run(turn("43", retrying=True)) == ["this would answer the next question"]
    assert [(r["message"], r["metadata"]["message_id"]) for r in rasa.received] == [("Sara", "43")]


def test_rasa_down_means_answer_later_for_the_gateway(settings: Settings) -> None:
    async def turn() -> None:
        client = RasaClient("http://127.0.0.1:9")  # nothing listens there
        try:
            conversations = Conversations(settings, client, Database(settings.app_database_url), wait_for_rasa=True)
            await conversations.text(Person("telegram:1", "telegram", "en"), "hi")
        finally:
            await client.close()
    with pytest.raises(AnswerLater):
        asyncio.run(turn())
