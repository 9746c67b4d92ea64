"""Two Rasa servers and two action servers behind one gateway, on PostgreSQL and Redis (decision
16): the intake, handoff and relay tests of test_intake.py and test_handoff.py once more on this
stack, whole intakes on both servers, one conversation's messages at both Rasa servers at once,
and one Rasa server killed under load.

The stack starts once for the module (each Rasa server takes most of a minute), and the module
runs before the other end-to-end tests (tests/e2e/conftest.py), so it is stopped before the
SQLite stack starts: never both at once. The imported tests run first, as they are collected
from the imports; the kill comes last, since nothing restarts the killed server here (`lotse
run`'s supervisor would).
"""
from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
import os
import signal
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from bot.i18n import localise
from bot.messages import known_responses
from bot.stack import Stack
from tests.e2e.conftest import Harness, running_stack, scaled_out_settings
from tests.e2e.fake_telegram import TelegramUser, free_port
from tests.e2e.intake_driver import IntakeRun
from tests.e2e.test_handoff import (  # noqa: F401 - collected here
    test_a_completed_intake_is_handed_to_the_team_of_the_persons_town,
    test_asking_for_a_person_opens_a_case_and_relays_both_ways,
    test_delete_forgets_the_case_with_its_messages,
)
from tests.e2e.test_inbound import all_texts, asked, inbound_row, reach_first_name_question, wait_until
from tests.e2e.test_intake import (  # noqa: F401 - collected here
    test_bad_input_is_explained_and_asked_again,
    test_declined_consent_stores_nothing,
    test_english_intake_in_free_text,
    test_german_intake_by_buttons,
    test_language_switch_keeps_answers_and_question,
    test_nothing_personal_or_secret_is_logged,
)
from tests.services import PostgresServer, Server

WEBHOOK_SECRET = "one-secret-for-every-gateway"
RASA_UNAVAILABLE = localise(known_responses().get("gateway_rasa_unavailable").text, "en")


@pytest.fixture(scope="module")
def workers(tmp_path_factory: pytest.TempPathFactory, postgres_server: PostgresServer,
            redis_server: Server) -> Iterator[Harness]:
    with scaled_out_settings(postgres_server, redis_server, workers=2) as overrides, \
            running_stack(tmp_path_factory.mktemp("workers"), **overrides) as harness:
        yield harness


@pytest.fixture(scope="module")
def harness(workers: Harness) -> Harness:
    """The imported tests' stack: this module's, in place of the session's SQLite one. Imported
    are those that stop no process ("rasa" is one of two here) and restart none (that would
    start two Rasa servers again: another minute)."""
    return workers


def rasa_urls(harness: Harness) -> list[str]:
    return harness.stack.rasa_urls


def users_homed_at_each_worker(harness: Harness) -> list[TelegramUser]:
    """One new person per Rasa worker, each one's conversation at home on that worker."""
    found: dict[int, TelegramUser] = {}
    while len(found) < 2:
        user = harness.user()
        found.setdefault(zlib.crc32(f"telegram:{user.user_id}".encode()) % 2, user)
    return [found[0], found[1]]


def test_the_stack_runs_two_rasa_and_two_action_servers_each_pair_wired(workers: Harness) -> None:
    names = [service.name for service in workers.stack.services]
    assert {"rasa", "rasa-2", "actions", "actions-2", "gateway", "web"} <= set(names)
    endpoints = [(workers.settings.var_dir / "run" / f"endpoints-{name}.yml").read_text() for name in ("rasa", "rasa-2")]
    assert f":{workers.settings.action_port}/webhook" in endpoints[0]
    assert f":{workers.settings.action_port + 1}/webhook" in endpoints[1]


def test_whole_intakes_complete_on_both_workers_at_once(workers: Harness) -> None:
    runs = [IntakeRun(user, "en", name) for user, name in zip(users_homed_at_each_worker(workers), ("John", "Mary"), strict=True)]
    failures: list[BaseException] = []

    def complete(run: IntakeRun) -> None:
        try:
            run.complete()
        except BaseException as error:  # noqa: BLE001 - reported by the test's thread below
            failures.append(error)

    threads = [threading.Thread(target=complete, args=(run,)) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert not failures, failures
    for run, name in zip(runs, ("John", "Mary"), strict=True):
        intake = workers.intake_of(run.user)
        assert intake is not None and intake["first_name"] == name and intake["municipality"]["name"] == "Moers"
    # Both Rasa servers served turns, and the gateway's /health says both are up.
    health = httpx.get(workers.settings.gateway_health_url, timeout=5).json()
    assert health["status"] == "ok"
    assert health["rasa_workers"] == dict.fromkeys(rasa_urls(workers), "up")


async def _post(http: httpx.AsyncClient, url: str, sender: str, text: str) -> list[dict]:
    """One message straight to one Rasa server's REST channel; the items it answers."""
    response = await http.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text})
    response.raise_for_status()
    return response.json()


def texts_of(items: list[dict]) -> list[str]:
    """The texts of Rasa's REST output; the items that only carry a text's `custom` part (its
    language) are not messages."""
    return [item.get("text") or "" for item in items if "custom" not in item or item.get("text")]


def tracker_turns(harness: Harness, sender: str) -> list[tuple[str, list[str]]]:
    """Each user message in the tracker, with the bot's messages that followed it."""
    response = httpx.get(f"{rasa_urls(harness)[1]}/conversations/{sender}/tracker",
                         params={"include_events": "ALL", "token": harness.settings.rasa_token}, timeout=30)
    response.raise_for_status()
    turns: list[tuple[str, list[str]]] = []
    for event in response.json()["events"]:
        if event["event"] == "user":
            turns.append((event["text"], []))
        elif event["event"] == "bot" and turns:
            turns[-1][1].append(event.get("text") or "")
    return turns


def test_one_conversations_messages_at_both_rasa_servers_at_once_are_processed_one_after_another(
        workers: Harness) -> None:
    """Rounds of two messages, one to each Rasa server within a millisecond; round after round.
    Each message is a turn of its own (its replies follow it in the tracker, as its server
    answered them), none is lost or doubled, and rounds keep their order."""
    sender = "workers:1"
    rounds = [(f"hallo {n}a", f"hallo {n}b") for n in range(6)]

    async def send_all() -> dict[str, list[str]]:
        answered: dict[str, list[str]] = {}
        async with httpx.AsyncClient(timeout=120) as http:
            for first, second in rounds:
                replies = await asyncio.gather(_post(http, rasa_urls(workers)[0], sender, first),
                                               _post(http, rasa_urls(workers)[1], sender, second))
                answered.update({first: texts_of(replies[0]), second: texts_of(replies[1])})
        return answered

    answered = asyncio.run(send_all())
    turns = tracker_turns(workers, sender)
    assert sorted(text for text, _ in turns) == sorted(answered)
    for text, bot in turns:
        assert bot and bot == answered[text], f"{text!r}: its turn was mixed with another"
    positions = {text: index for index, (text, _) in enumerate(turns)}
    assert all(max(positions[m] for m in rounds[n]) < min(positions[m] for m in rounds[n + 1])
               for n in range(len(rounds) - 1))


def test_turns_of_one_conversation_alternating_between_servers_build_on_each_other(workers: Harness) -> None:
    """Each server keeps trackers in memory between turns; the other's turn in between must be
    seen (the newest event id in the database, nlu_data/tracker_store.py), or the intake would
    go back a question."""
    sender = "workers:2"

    async def talk() -> list[list[str]]:
        async with httpx.AsyncClient(timeout=120) as http:
            said: list[list[str]] = []
            items: list[dict] = []
            # As reach_first_name_question does through Telegram: a greeting, three buttons, two answers.
            for index, step in enumerate(["hi", "English", "Yes, I agree", "Yes, count it", "Sara", "17.04.2001"]):
                buttons = {b["title"]: b["payload"] for item in items for b in item.get("buttons") or ()}
                items = await _post(http, rasa_urls(workers)[index % 2], sender, buttons.get(step, step))
                said.append(texts_of(items))
            return said

    said = asyncio.run(talk())
    assert any("What is your first name?" in text for text in said[3])
    assert any("When were you born?" in text for text in said[4])
    assert any("What is your gender?" in text for text in said[5])


@contextmanager
def webhook_gateways(harness: Harness, count: int) -> Iterator[list[str]]:
    """`count` more gateways in webhook mode beside the stack's own (which polls), with one shared
    secret, as behind a load balancer (decision 22); their webhook URLs."""
    stacks: list[Stack] = []
    try:
        for _ in range(count):
            settings = dataclasses.replace(harness.settings, webhook_url="https://lotse.example.org",
                                           webhook_secret=WEBHOOK_SECRET, webhook_port=free_port(),
                                           gateway_health_port=free_port())
            stacks.append(Stack(settings, harness.model))
            stacks[-1].start_gateway()
        yield [f"http://127.0.0.1:{stack.settings.webhook_port}/telegram" for stack in stacks]
    finally:
        for stack in stacks:
            stack.stop()


def test_three_gateways_answer_every_message_once_and_each_chat_in_order(workers: Harness) -> None:
    """A chat's messages arrive at two webhook gateways in turn; whichever gateway claims the chat
    works on it and whichever claims it in the outbox sends: each question once, in order."""
    users = [workers.user() for _ in range(3)]
    for user in users:
        reach_first_name_question(user)
    update_ids = itertools.count(5_000_001)
    with webhook_gateways(workers, 2) as urls:
        for user in users:  # each person's two answers, one through each gateway, as Telegram sends them
            for url, text in zip(urls, ("Sara", "17.04.2001"), strict=True):
                update = {"update_id": next(update_ids), "message": user._message(text=text)}
                response = httpx.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
                                      timeout=30)
                assert response.status_code == 200
        wait_until(lambda: all(any("What is your gender?" in text for text in all_texts(workers, user))
                               for user in users), "every person's two answers were answered", timeout=120)
        time.sleep(1.0)  # a reply sent twice would arrive now
    questions = ("What is your first name?", "When were you born?", "What is your gender?")
    for user in users:
        assert asked(workers, user, questions) == list(questions), f"user {user.user_id}"
        intake = workers.intake_of(user)
        assert intake is not None and (intake["first_name"], intake["birth_date"]) == ("Sara", "2001-04-17")
    assert {call["secret_token"] for call in workers.telegram.calls_of("setWebhook")} == {WEBHOOK_SECRET}


def test_one_rasa_server_killed_under_load_the_other_carries_on_and_nothing_is_lost(workers: Harness) -> None:
    users = [user for _ in range(3) for user in users_homed_at_each_worker(workers)]
    for user in users:
        reach_first_name_question(user)
    killed = workers.stack.service("rasa").process
    os.killpg(killed.pid, signal.SIGSTOP)  # the first server hangs with turns under way, then dies
    try:
        first_turns = []
        for user in users:  # every person answers two questions at once: turns queue up on both servers
            first_turns.append(user.write_update("Sara"))
            user.write_update("17.04.2001")
        homed_at_killed = first_turns[0]  # users alternate: the first one's home is the first server
        wait_until(lambda: (row := inbound_row(workers, homed_at_killed)) is not None and row.attempts >= 1,
                   "a turn went to the first server")
    finally:
        os.killpg(killed.pid, signal.SIGKILL)
        os.killpg(killed.pid, signal.SIGCONT)
    killed.wait(timeout=30)

    # A turn the killed server was working on holds its conversation's lock until the lock's
    # lifetime (60 s) ends; then the other server takes it up.
    wait_until(lambda: all(any("What is your gender?" in text for text in all_texts(workers, user)) for user in users),
               "every person's two answers were answered", timeout=240)
    questions = ("What is your first name?", "When were you born?", "What is your gender?")
    for user in users:
        asked = [next(q for q in questions if q in text) for text in all_texts(workers, user)
                 if any(q in text for q in questions)]
        assert asked == list(questions), f"user {user.user_id}: {asked}"  # each once, in order
        assert RASA_UNAVAILABLE not in all_texts(workers, user)  # waited, never apologised
        intake = workers.intake_of(user)
        assert intake is not None and (intake["first_name"], intake["birth_date"]) == ("Sara", "2001-04-17")
    health = json.loads(httpx.get(workers.settings.gateway_health_url, timeout=5).text)
    assert health["status"] == "ok"
    assert health["rasa_workers"] == {rasa_urls(workers)[0]: "down", rasa_urls(workers)[1]: "up"}


def test_the_workers_logs_name_no_one(workers: Harness) -> None:
    for name in ("rasa", "rasa-2", "actions", "actions-2"):
        log = Path(workers.stack.service(name).log_path).read_text(errors="replace")
        assert '"text": "Sara"' not in log
