"""Several gateways sharing the durable inbound table: a chat is worked on by one at a time, in
order; nothing is taken twice or lost; a dead gateway's chats are taken over."""
from __future__ import annotations

import datetime
import threading
import time

import pytest

from bot.db import Database, migrate
from bot.db.models import utcnow
from bot.telegram.inbound import CLAIM_SECONDS, InboundStore

CHATS, UPDATES_PER_CHAT, WORKERS = 12, 8, 2


@pytest.fixture()
def store(database_url: str) -> InboundStore:
    migrate(database_url)
    return InboundStore(Database(database_url))


def test_a_claimed_chat_is_nobody_elses_until_released_or_run_out(store: InboundStore) -> None:
    for update_id in (1, 2):
        store.add(update_id, "telegram:1", "{}")
    store.add(3, "telegram:2", "{}")
    now = utcnow()
    first = store.claim("telegram:1", now)
    assert first is not None and first.update_id == 1
    assert store.claim("telegram:1", now) is None  # neither the head again nor the update behind it
    assert store.due_chats(now) == ["telegram:2"]
    store.done(1)
    second = store.claim("telegram:1", now)
    assert second is not None and second.update_id == 2
    store.later(2, 0)  # waits for Rasa: let go
    assert store.claim("telegram:1", utcnow()) is not None
    # A gateway that died holds its claim until it runs out; then another takes the chat over.
    later = utcnow() + datetime.timedelta(seconds=CLAIM_SECONDS + 1)
    assert store.claim("telegram:1", later - datetime.timedelta(seconds=2)) is None
    assert store.claim("telegram:1", later) is not None


def test_release_lets_every_claim_go(store: InboundStore) -> None:
    store.add(1, "telegram:1", "{}")
    assert store.claim("telegram:1", utcnow()) is not None
    store.release()  # a restarted gateway on SQLite: the only one there is
    assert store.claim("telegram:1", utcnow()) is not None


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_gateways_at_once_take_each_update_once_and_each_chat_in_order(database_url: str) -> None:
    migrate(database_url)
    ids = {chat: [chat * 100 + n for n in range(UPDATES_PER_CHAT)] for chat in range(1, CHATS + 1)}
    setup = InboundStore(Database(database_url))
    for update_id in sorted(i for chat_ids in ids.values() for i in chat_ids):
        setup.add(update_id, f"telegram:{update_id // 100}", "{}")
    taken: list[tuple[str, int, int]] = []  # (chat, update, worker), in the order they were taken
    holding: dict[str, int] = {}  # chat → the worker working on it now
    overlaps: list[str] = []
    lock, start = threading.Lock(), threading.Barrier(WORKERS)

    def gateway(worker: int) -> None:
        store = InboundStore(Database(database_url))  # its own connections, as another process has
        start.wait()
        idle = 0
        while idle < 5:
            claimed = [p for chat in store.due_chats(utcnow()) if (p := store.claim(chat, utcnow())) is not None]
            for pending in claimed:
                with lock:
                    if pending.conversation_id in holding:
                        overlaps.append(pending.conversation_id)
                    holding[pending.conversation_id] = worker
                    taken.append((pending.conversation_id, pending.update_id, worker))
                time.sleep(0.002)  # the turn
                with lock:
                    del holding[pending.conversation_id]
                store.done(pending.update_id)
            idle = 0 if claimed else idle + 1
        store.database.engine.dispose()

    threads = [threading.Thread(target=gateway, args=(worker,)) for worker in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert overlaps == []
    assert sorted(update_id for _, update_id, _ in taken) == sorted(i for chat_ids in ids.values() for i in chat_ids)
    for chat, chat_ids in ids.items():
        assert [u for c, u, _ in taken if c == f"telegram:{chat}"] == chat_ids
    assert {worker for _, _, worker in taken} == set(range(WORKERS))  # both did share the work
    assert setup.due_chats(utcnow()) == []
