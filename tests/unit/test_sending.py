"""The one sender (bot/telegram/sender.py), the outbox it reads, the gateway's /health and the
restart policy of `lotse run`, on a real SQLite database."""
from __future__ import annotations

import asyncio
import datetime
import functools
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, select, update
from telegram.error import Forbidden, NetworkError, RetryAfter

from bot.db import Database, OutboxMessage, migrate
from bot.db.models import utcnow
from bot.handoff.cases import CaseDesk
from bot.handoff.outbox import MAX_ATTEMPTS, Outbox, enqueue, enqueue_voice, split_text, undelivered
from bot.rasa_client import Document, Reply
from bot.stack import MAX_RESTARTS, GaveUp, Supervisor
from bot.telegram.health import serve_health
from bot.telegram.sender import Sender, queue_replies
from tests.e2e.fake_telegram import free_port
from tests.unit.test_handoff import DEPLOYMENT, _open


@pytest.fixture
def database(database_url: str) -> Database:
    migrate(database_url)
    return Database(database_url)


def words(text: str) -> list[str]:
    return text.split()


# --- splitting -----------------------------------------------------------------------------------

def test_a_text_within_telegrams_limit_stays_whole() -> None:
    text = "x" * 4096
    assert split_text(text) == [text]


def test_a_long_text_is_cut_at_lines_or_words_and_loses_nothing() -> None:
    lines = [" ".join(f"w{line}.{n}" for n in range(60)) for line in range(30)]  # about 16,000 characters
    text = "\n".join(lines)
    parts = split_text(text)
    assert len(parts) == 4 and all(len(p) <= 4096 for p in parts)
    assert all(set(p.split("\n")) <= set(lines) for p in parts)  # cut between lines, not within one
    assert words(" ".join(parts)) == words(text)


def test_without_a_line_break_a_text_is_cut_between_words() -> None:
    text = " ".join(f"word{n}" for n in range(1200))  # 9,689 characters
    parts = split_text(text)
    assert len(parts) == 3 and words(" ".join(parts)) == words(text)
    assert all(p.split()[-1].startswith("word") and not p.endswith(" ") for p in parts)


def test_characters_outside_the_basic_plane_count_twice_as_telegram_counts_them() -> None:
    text = "👤" * 2100  # 4,200 UTF-16 code units, no space to cut at
    first, second = split_text(text)
    assert (len(first), len(second)) == (2048, 52)


def test_a_long_message_is_queued_in_parts_with_the_buttons_on_the_last(database: Database) -> None:
    text = "a " * 5000
    with database.session() as session:
        enqueue(session, "5", text, [{"title": "OK", "payload": "/affirm"}], conversation_id="telegram:5")
    parts = Outbox(database).due()
    assert len(parts) == 3 and [bool(p.buttons) for p in parts] == [False, False, True]


# --- order per chat ------------------------------------------------------------------------------

def test_a_message_waiting_for_its_retry_holds_back_its_chat_only(database: Database) -> None:
    outbox = Outbox(database)
    with database.session() as session:
        for chat, text in (("1", "first"), ("2", "other chat"), ("1", "second")):
            enqueue(session, chat, text, conversation_id=f"telegram:{chat}")
    first = outbox.due()[0]
    outbox.retry_later(first.id, 60, "NetworkError")
    assert [m.text for m in outbox.due()] == ["other chat"]
    assert [m.text for m in outbox.due(busy={"2"})] == []


def test_a_turns_replies_are_queued_with_reaction_and_file(database: Database) -> None:
    replies = [Reply("hello", ({"title": "Yes", "payload": "/affirm"},)), Reply("", reaction="✍"),
               Reply("", document=Document("data.json", b"{}"))]
    with database.session() as session:
        queue_replies(session, "5", "telegram:5", replies, reply_to=77)
        queue_replies(session, "5", "telegram:5", [Reply("", reaction="✍")], reply_to=None)  # a button press
    text, reaction, document = Outbox(database).due()
    assert (text.text, text.buttons) == ("hello", [{"title": "Yes", "payload": "/affirm"}])
    assert (reaction.reaction_to, reaction.text) == (77, "✍")
    assert (document.text, document.document) == ("data.json", b"{}")


# --- the sender ----------------------------------------------------------------------------------

@dataclass
class SentMessage:
    message_id: int


@dataclass
class ScriptedBot:
    """Stands in for python-telegram-bot's Bot: records what is sent, raises what it is told to."""

    errors: list[Exception] = field(default_factory=list)  # raised by the next calls, in turn
    sent: list[tuple[str, str]] = field(default_factory=list)
    voices: list[tuple[str, bytes, str | None]] = field(default_factory=list)

    async def send_message(self, chat_id: str, text: str, reply_markup: Any = None) -> SentMessage:
        if self.errors:
            raise self.errors.pop(0)
        self.sent.append((chat_id, text))
        return SentMessage(len(self.sent))

    async def send_voice(self, chat_id: str, voice: bytes, caption: str | None = None) -> SentMessage:
        if self.errors:
            raise self.errors.pop(0)
        self.voices.append((chat_id, voice, caption))
        self.sent.append((chat_id, f"voice:{caption or ''}"))
        return SentMessage(len(self.sent))


async def until(condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        await asyncio.sleep(0.02)


async def run_sender(database: Database, bot: ScriptedBot, work: Callable[[Sender], Any]) -> Sender:
    sender = Sender(bot, Outbox(database))
    stop = asyncio.Event()
    loop = asyncio.create_task(sender.run(stop))
    try:
        await work(sender)
        assert not loop.done(), "the sender's loop ended"
        assert sender.alive(within=5.0)
    finally:
        stop.set()
        await loop
    return sender


def queue(database: Database, *texts: str, chat: str = "7") -> None:
    with database.session() as session:
        for text in texts:
            enqueue(session, chat, text, conversation_id=f"telegram:{chat}")


def pending_rows(database: Database) -> list[OutboxMessage]:
    with database.session() as session:
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.failed_at.is_(None))))


async def test_the_sender_survives_an_error_that_is_no_telegram_error(database: Database,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    bot = ScriptedBot(errors=[sqlite3.OperationalError("database is locked")])
    queue(database, "one", "two")

    async def work(sender: Sender) -> None:
        await until(lambda: len(bot.sent) == 2, "both messages sent")
        queue(database, "three")
        sender.wake()
        await until(lambda: len(bot.sent) == 3, "a later message sent too")

    await run_sender(database, bot, work)
    assert [text for _, text in bot.sent] == ["one", "two", "three"]
    assert pending_rows(database) == []
    assert "OperationalError" in caplog.text and "database is locked" not in caplog.text  # the type, not the text


async def test_a_voice_message_goes_as_a_voice_in_its_place_in_the_chats_order(database: Database) -> None:
    bot = ScriptedBot(errors=[NetworkError("Bad Gateway")])
    queue(database, "question")
    with database.session() as session:
        enqueue_voice(session, "7", b"OggS-audio", "caption", conversation_id="telegram:7")
    queue(database, "next")

    async def work(_: Sender) -> None:
        await until(lambda: len(bot.sent) == 3, "all three sent")

    await run_sender(database, bot, work)
    assert [text for _, text in bot.sent] == ["question", "voice:caption", "next"]
    assert bot.voices == [("7", b"OggS-audio", "caption")]
    assert pending_rows(database) == []


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # RetryAfter's own, in PTB 22
async def test_after_429_and_network_errors_every_message_arrives_once_and_in_order(database: Database) -> None:
    bot = ScriptedBot(errors=[RetryAfter(datetime.timedelta(seconds=1)), NetworkError("Bad Gateway"), NetworkError("Timed out")])
    queue(database, "1", "2", "3")
    queue(database, "elsewhere", chat="8")

    async def work(_: Sender) -> None:
        await until(lambda: len(bot.sent) == 4, "all messages sent")

    await run_sender(database, bot, work)
    assert [text for chat, text in bot.sent if chat == "7"] == ["1", "2", "3"]
    assert pending_rows(database) == []


async def test_a_message_telegram_refuses_is_kept_for_the_case_and_does_not_block_the_next(database: Database) -> None:
    _open(CaseDesk(database, DEPLOYMENT, "http://inbox"), conversation="telegram:7")
    with database.session() as session:
        session.execute(delete(OutboxMessage))  # the new-case notice is not this test's
    bot = ScriptedBot(errors=[Forbidden("Forbidden: bot was blocked by the user")])
    queue(database, "refused", "next")

    async def work(_: Sender) -> None:
        await until(lambda: len(bot.sent) == 1, "the next message sent")

    await run_sender(database, bot, work)
    with database.session() as session:
        (failed,) = undelivered(session, "telegram:7", [])
        assert (failed.text, failed.last_error) == ("refused", "die Person hat den Bot blockiert")


async def test_a_message_still_failing_after_the_retries_counts_as_not_delivered(database: Database) -> None:
    _open(CaseDesk(database, DEPLOYMENT, "http://inbox"), conversation="telegram:7")
    with database.session() as session:
        session.execute(delete(OutboxMessage))
    queue(database, "lost")
    with database.session() as session:  # the earlier attempts have failed already
        session.execute(update(OutboxMessage).values(attempts=MAX_ATTEMPTS - 1, next_attempt_at=utcnow()))
    bot = ScriptedBot(errors=[NetworkError("Bad Gateway")])

    async def work(_: Sender) -> None:
        await until(lambda: pending_rows(database) == [], "given up")

    await run_sender(database, bot, work)
    with database.session() as session:
        (failed,) = undelivered(session, "telegram:7", [])
        assert failed.last_error == f"Telegram war nach {MAX_ATTEMPTS} Versuchen nicht erreichbar"


# --- health and restarts -------------------------------------------------------------------------

async def test_health_names_a_loop_that_is_not_alive() -> None:
    port = free_port()
    alive = {"sender": True, "crisis_watch": True}
    server = await serve_health("127.0.0.1", port, {name: functools.partial(alive.__getitem__, name) for name in alive})
    try:
        async with httpx.AsyncClient() as http:
            ok = await http.get(f"http://127.0.0.1:{port}/health")
            alive["sender"] = False
            failing = await http.get(f"http://127.0.0.1:{port}/health")
    finally:
        server.close()
    assert (ok.status_code, ok.json()) == (200, {"status": "ok", "loops": {"sender": True, "crisis_watch": True}})
    assert (failing.status_code, failing.json()["loops"]["sender"]) == (503, False)


@dataclass
class Process:
    returncode: int | None = None

    def poll(self) -> int | None:
        return self.returncode


@dataclass
class Service:
    name: str
    process: Process
    log_path: Path = Path("var/log/gateway.log")


@dataclass
class WatchedStack:
    """Stands in for bot.stack.Stack: one gateway that dies or hangs when told to."""

    healthy: bool = True
    started: int = 1
    services: list[Service] = field(default_factory=lambda: [Service("gateway", Process())])

    def check(self) -> Service | None:
        return next((s for s in self.services if s.process.poll() is not None), None)

    def gateway_healthy(self) -> bool:
        return self.healthy

    def restart(self, service: Service) -> None:
        self.services = [Service(service.name, Process())]
        self.healthy = True
        self.started += 1


def test_a_dead_process_is_restarted_until_it_keeps_dying() -> None:
    now = [0.0]
    stack = WatchedStack()
    supervisor = Supervisor(stack, clock=lambda: now[0])
    for _ in range(MAX_RESTARTS):
        stack.services[0].process.returncode = -9
        supervisor.tick()
        now[0] += 60
    assert stack.started == 1 + MAX_RESTARTS
    stack.services[0].process.returncode = 1
    with pytest.raises(GaveUp, match="gateway stopped unexpectedly"):
        supervisor.tick()
    now[0] += 600  # later, an occasional death is restarted again
    supervisor.tick()
    assert stack.started == 2 + MAX_RESTARTS


def test_a_gateway_whose_loops_stopped_is_restarted_after_failed_health_checks() -> None:
    now = [0.0]
    stack = WatchedStack()
    supervisor = Supervisor(stack, clock=lambda: now[0])
    stack.healthy = False
    for _ in range(2):
        now[0] += 5
        supervisor.tick()
    assert stack.started == 1  # one bad answer is not yet a hanging gateway
    now[0] += 5
    supervisor.tick()
    assert stack.started == 2 and stack.healthy
