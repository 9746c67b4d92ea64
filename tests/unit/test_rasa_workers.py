"""Several Rasa servers behind one client (decision 16): each conversation's home worker, the
next one when a worker refuses connections, a failing worker tried last for a while; real HTTP
to fake Rasa servers on loopback."""
from __future__ import annotations

import zlib
from collections.abc import Iterator

import pytest

from bot.rasa_client import RasaClient, RasaUnavailable
from bot.rasa_workers import COOL_OFF_SECONDS, RasaWorkers
from tests.e2e.fake_telegram import free_port
from tests.unit.fake_rasa import FakeRasa

URLS = ["http://a", "http://b", "http://c"]


def conversation_homed_at(index: int, workers: int) -> str:
    return next(f"telegram:{n}" for n in range(1000) if zlib.crc32(f"telegram:{n}".encode()) % workers == index)


class Clock:
    now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_conversation_has_one_home_worker_and_the_others_follow_in_ring_order() -> None:
    workers = RasaWorkers(URLS)
    assert workers.order(conversation_homed_at(1, 3)) == ["http://b", "http://c", "http://a"]
    assert workers.order(conversation_homed_at(2, 3)) == ["http://c", "http://a", "http://b"]
    # Every process computes the same home (no salted hash()): the gateway and the inbox agree.
    homes = {workers.home(f"telegram:{n}") for n in range(30)}
    assert homes == {0, 1, 2}


def test_a_failed_worker_is_tried_last_until_its_cool_off_ends_or_it_answers() -> None:
    clock = Clock()
    workers = RasaWorkers(URLS, clock=clock)
    conversation = conversation_homed_at(0, 3)
    workers.failed("http://a")
    assert workers.order(conversation) == ["http://b", "http://c", "http://a"]
    assert workers.status() == {"http://a": "down", "http://b": "unknown", "http://c": "unknown"}
    clock.now += COOL_OFF_SECONDS + 1
    assert workers.order(conversation) == ["http://a", "http://b", "http://c"]
    workers.failed("http://a")
    workers.answered("http://a")  # another conversation's request got through: it is back
    assert workers.order(conversation)[0] == "http://a"
    assert workers.status()["http://a"] == "up"


@pytest.fixture
def two_rasas() -> Iterator[tuple[FakeRasa, FakeRasa]]:
    first, second = FakeRasa(replies=[{"text": "from the first"}]), FakeRasa(replies=[{"text": "from the second"}])
    first.start()
    second.start()
    yield first, second
    first.stop()
    second.stop()


async def send(client: RasaClient, conversation: str) -> list[str]:
    return [reply.text for reply in (await client.send(conversation, "hallo", {"message_id": "1"})).replies]


async def test_turns_go_to_the_home_worker_and_to_the_next_when_it_refuses_connections(
        two_rasas: tuple[FakeRasa, FakeRasa]) -> None:
    first, second = two_rasas
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there: a killed Rasa
    client = RasaClient(f"{first.url},{dead}, {second.url}", "token")
    assert await send(client, conversation_homed_at(0, 3)) == ["from the first"]
    assert await send(client, conversation_homed_at(2, 3)) == ["from the second"]
    assert await send(client, conversation_homed_at(1, 3)) == ["from the second"]  # its home is dead
    assert len(second.received) == 2 and len(first.received) == 1
    assert client.workers.status() == {first.url: "up", dead: "down", second.url: "up"}
    await client.close()


async def test_a_worker_answering_500_fails_the_turn_and_the_retry_goes_to_the_next(
        two_rasas: tuple[FakeRasa, FakeRasa]) -> None:
    first, second = two_rasas
    first.failing = True
    client = RasaClient([first.url, second.url])
    conversation = conversation_homed_at(0, 2)
    # The failed turn may have reached Rasa's stores: not sent elsewhere at once (the gateway's
    # retry reads the tracker first, decision 10) …
    with pytest.raises(RasaUnavailable):
        await send(client, conversation)
    assert second.received == []
    # … and the retry goes to a worker that did not fail.
    assert await send(client, conversation) == ["from the second"]
    assert [r["message"] for r in first.received] == ["hallo"]
    await client.close()
