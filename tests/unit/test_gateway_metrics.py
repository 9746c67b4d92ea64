"""The gateway's /metrics on real databases: turns and their latency counted by the inbound
worker, send results by the sender, the queue and the backlog read from the tables at scrape time."""
from __future__ import annotations

import asyncio
import datetime
import functools

import httpx
import pytest
from telegram import Bot, Update
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.conversation import AnswerLater
from bot.db import Database, InboundUpdate, OutboxMessage, migrate
from bot.db.models import utcnow
from bot.handoff.outbox import Outbox, enqueue
from bot.telegram.health import serve_health
from bot.telegram.inbound import Inbound
from bot.telegram.metrics import GatewayMetrics, send_result, turn_kind
from bot.telegram.sender import Sender
from tests.e2e.fake_telegram import free_port
from tests.unit.test_sending import ScriptedBot


@pytest.fixture
def database(database_url: str) -> Database:
    migrate(database_url)
    return Database(database_url)


def value(metrics: GatewayMetrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


def update(update_id: int, **content: object) -> Update:
    return Update.de_json({"update_id": update_id, **content}, None)


def text_update(update_id: int, text: str, chat: int = 1001) -> Update:
    return update(update_id, message={"message_id": update_id, "date": 0, "text": text,
                                      "chat": {"id": chat, "type": "private"},
                                      "from": {"id": chat, "is_bot": False, "first_name": "Amina"}})


def test_a_turn_is_of_a_kind_and_never_of_its_words() -> None:
    button = update(3, callback_query={"id": "q", "chat_instance": "c", "data": "x",
                                       "from": {"id": 1, "is_bot": False, "first_name": "A"}})
    photo = update(4, message={"message_id": 4, "date": 0, "chat": {"id": 1, "type": "private"},
                               "photo": [{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}]})
    voice = update(5, message={"message_id": 5, "date": 0, "chat": {"id": 1, "type": "private"},
                               "voice": {"file_id": "f", "file_unique_id": "u", "duration": 3}})
    kinds = [turn_kind(text_update(1, "Ich heiße Amina")), turn_kind(text_update(2, "/start")), turn_kind(button),
             turn_kind(photo), turn_kind(voice)]
    assert kinds == ["text", "command", "button", "other", "voice"]


def _from_httpx() -> NetworkError:
    try:
        raise NetworkError("httpx.ConnectError: refused") from OSError("refused")
    except NetworkError as error:
        return error


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # RetryAfter's own, in PTB 22
def test_a_send_result_tells_telegrams_side_from_ours() -> None:
    errors: list[TelegramError | None] = [None, RetryAfter(datetime.timedelta(seconds=3)), NetworkError("Bad Gateway"),
                                          TimedOut(), _from_httpx(), BadRequest("Chat not found")]
    assert [send_result(error) for error in errors] == ["ok", "retry_after", "server_error", "timeout", "network",
                                                        "refused"]


class Turns:
    """The gateway's side of the inbound worker: texts in `later` raise AnswerLater once."""

    def __init__(self) -> None:
        self.handled: list[str] = []
        self.later = {"wait"}

    async def process(self, update: Update) -> None:
        text = update.effective_message.text or ""
        if text in self.later:
            self.later.discard(text)
            raise AnswerLater
        self.handled.append(text)

    async def tell_to_wait(self, update: Update) -> None:
        return None


async def test_the_inbound_worker_counts_turns_their_time_and_rasas_outages(database: Database,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.telegram.inbound.RETRY_BASE_SECONDS", 0.05)
    metrics = GatewayMetrics(database)
    turns = Turns()
    inbound = Inbound(database, turns.process, turns.tell_to_wait, metrics)
    inbound.bot = Bot("1:x")
    await inbound.accept(text_update(1, "Amina"))
    await inbound.accept(text_update(2, "/start", chat=1002))
    await inbound.accept(text_update(3, "wait", chat=1003))
    stop = asyncio.Event()
    worker = asyncio.create_task(inbound.run(stop))
    try:
        for _ in range(500):
            if len(turns.handled) == 3:
                break
            await asyncio.sleep(0.02)
    finally:
        stop.set()
        await worker
    assert sorted(turns.handled) == ["/start", "Amina", "wait"]
    assert value(metrics, "lotse_gateway_turns_total", kind="text") == 2
    assert value(metrics, "lotse_gateway_turns_total", kind="command") == 1
    assert value(metrics, "lotse_gateway_turns_total", kind="button") == 0
    assert value(metrics, "lotse_gateway_turn_seconds_count") == 3
    assert value(metrics, "lotse_gateway_rasa_unavailable_total") == 1
    assert value(metrics, "lotse_gateway_turn_errors_total") == 0


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_the_sender_counts_each_calls_result_and_what_it_gave_up(database: Database) -> None:
    metrics = GatewayMetrics(database)
    bot = ScriptedBot(errors=[RetryAfter(datetime.timedelta(milliseconds=10)), NetworkError("Bad Gateway"),
                              BadRequest("Chat not found")])
    with database.session() as session:
        for text in ("one", "two"):
            enqueue(session, "7", text, conversation_id="telegram:7")
    sender = Sender(bot, Outbox(database), metrics)
    stop = asyncio.Event()
    loop = asyncio.create_task(sender.run(stop))
    try:
        for _ in range(500):
            if bot.sent:
                break
            await asyncio.sleep(0.02)
    finally:
        stop.set()
        await loop
    # "one": 429, 502, then refused for good (no case: given up and deleted); "two" goes.
    assert bot.sent == [("7", "two")]
    counts = {result: value(metrics, "lotse_gateway_sends_total", result=result)
              for result in ("ok", "retry_after", "server_error", "refused", "timeout")}
    assert counts == {"ok": 1, "retry_after": 1, "server_error": 1, "refused": 1, "timeout": 0}
    assert value(metrics, "lotse_gateway_sends_given_up_total") == 1


def test_the_queue_and_the_backlog_are_read_from_the_database_at_scrape_time(database: Database) -> None:
    metrics = GatewayMetrics(database)
    assert value(metrics, "lotse_gateway_inbound_open") == 0
    assert value(metrics, "lotse_outbox_oldest_seconds") == 0
    an_hour_ago = utcnow() - datetime.timedelta(hours=1)
    with database.session() as session:
        session.add(InboundUpdate(update_id=1, conversation_id="telegram:1", content="{}", received_at=an_hour_ago))
        session.add(InboundUpdate(update_id=2, conversation_id="telegram:1", content=None, done_at=utcnow()))
        session.add(OutboxMessage(chat_id="1", text="waits", created_at=an_hour_ago))
        session.add(OutboxMessage(chat_id="1", text="newer"))
        session.add(OutboxMessage(chat_id="2", text="given up", created_at=an_hour_ago - datetime.timedelta(hours=1),
                                  failed_at=utcnow()))
    assert value(metrics, "lotse_gateway_inbound_open") == 1
    assert 3590 < (value(metrics, "lotse_gateway_inbound_oldest_seconds") or 0) < 3700
    assert value(metrics, "lotse_outbox_waiting") == 2
    assert 3590 < (value(metrics, "lotse_outbox_oldest_seconds") or 0) < 3700  # the given-up one does not wait
    assert value(metrics, "lotse_outbox_given_up") == 1


async def test_metrics_are_served_beside_health_with_the_loops_alive(database: Database) -> None:
    metrics = GatewayMetrics(database)
    alive = {"sender": True, "inbound": False}
    loops = {name: functools.partial(alive.__getitem__, name) for name in alive}
    metrics.watch_loops(loops)
    port = free_port()
    server = await serve_health("127.0.0.1", port, loops, metrics=metrics.scrape)
    try:
        async with httpx.AsyncClient() as http:
            response = await http.get(f"http://127.0.0.1:{port}/metrics")
    finally:
        server.close()
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    assert 'lotse_gateway_loop_alive{loop="sender"} 1.0' in response.text
    assert 'lotse_gateway_loop_alive{loop="inbound"} 0.0' in response.text
    assert "process_resident_memory_bytes" in response.text
