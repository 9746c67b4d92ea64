"""The one sender through the whole stack: Telegram answering 429, 502 or not at all, texts over
Telegram's limit, a message Telegram refuses for good, and the gateway's /health and restart."""
from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import func, select

from bot.db import Database, OutboxMessage
from bot.stack import Supervisor
from tests.e2e.conftest import STAFF_PASSWORD, TEAM_CHATS, TEAM_MEMBERS, Harness
from tests.e2e.fake_telegram import BotMessage, TelegramUser
from tests.e2e.staff import StaffClient
from tests.e2e.test_handoff import case_of


def until(condition: Callable[[], Any], what: str, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(0.05)
    return result


def queued_for(harness: Harness, chat_id: int) -> int:
    with Database(harness.settings.app_database_url).session() as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage)
                              .where(OutboxMessage.chat_id == str(chat_id), OutboxMessage.failed_at.is_(None))) or 0


def conversation(harness: Harness, user: TelegramUser) -> list[tuple[str, list[str]]]:
    """/start, then the first button of each turn's last message twice; every message the bot sent,
    once everything queued for the chat has left."""
    def turn(update: dict[str, Any], seen: int) -> list[BotMessage]:
        harness.telegram.push_update(update)
        until(lambda: len(harness.telegram.messages_to(user.user_id)) > seen and queued_for(harness, user.user_id) == 0,
              "the turn's replies")
        return harness.telegram.messages_to(user.user_id)

    start = {"text": "/start", "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}
    messages = turn({"message": user._message(**start)}, 0)
    for _ in range(2):
        keyboard = next(m for m in reversed(messages) if m.buttons)
        query = {"id": f"q{time.monotonic_ns()}", "from": user.sender, "chat_instance": str(user.user_id),
                 "data": keyboard.buttons[0]["callback_data"], "message": harness.telegram._message_json(keyboard)}
        messages = turn({"callback_query": query}, len(messages))
    return [(m.text, [b["text"] for b in m.buttons]) for m in messages]


def test_under_429_502_and_timeouts_every_message_arrives_once_and_in_order(harness: Harness) -> None:
    expected = conversation(harness, harness.user(language_code="en"))
    user = harness.user(language_code="en")
    for kind, times in (("429", 1), ("502", 2), ("hang", 1), ("429", 1)):
        harness.telegram.fail("sendMessage", kind, times=times, chat_id=user.user_id)
    harness.telegram.fail("sendMessage", "502", times=1, chat_id=user.user_id)
    got = conversation(harness, user)
    assert harness.telegram.faults == []  # every fault was met
    assert got == expected


def test_long_messages_arrive_whole_in_parts_and_in_order(harness: Harness) -> None:
    user = harness.user(language_code="de", first_name="Dana")
    user.say("/human")
    case = case_of(harness, user)
    staff = StaffClient(harness.settings.web_url, TEAM_MEMBERS["erstberatung"], STAFF_PASSWORD)
    try:
        for length in (4090, 9000):
            text = " ".join(f"{length}w{n}" for n in range(length))[:length - 1] + "."
            seen = len(harness.telegram.messages_to(user.user_id))
            staff.act(case.id, "reply", text=text)
            # until() calls the lambda only within this iteration, so the current `seen` is the one meant
            parts = until(lambda: [m.text for m in harness.telegram.messages_to(user.user_id)[seen:]]  # noqa: B023
                          if queued_for(harness, user.user_id) == 0 else None, f"the reply of {length} characters")
            assert len(parts) == (2 if length == 4090 else 3)  # with "👤 Erika: " before it
            assert all(len(p.encode("utf-16-le")) // 2 <= 4096 for p in parts)
            assert " ".join(parts).split() == f"👤 Erika: {text}".split()
        assert "wird zugestellt" not in staff.case_page(case.id)
    finally:
        staff.close()

    # The person's long message reaches the team's chat too.
    chat = TEAM_CHATS["erstberatung"]
    seen = len(harness.telegram.messages_to(chat))
    said = " ".join(f"d{n}" for n in range(1200))[:4090]
    user.write(said)
    relayed = until(lambda: [m.text for m in harness.telegram.messages_to(chat)[seen:]]
                    if queued_for(harness, chat) == 0 and len(harness.telegram.messages_to(chat)) > seen else None,
                    "the relayed message")
    arrived = " ".join(relayed).split()
    start = arrived.index("d0")  # after "💬 L-… · Person:", and the link to the case after it
    assert len(relayed) == 2 and arrived[start:start + len(said.split())] == said.split()


def test_a_message_telegram_refuses_is_shown_to_staff_on_the_case(harness: Harness) -> None:
    user = harness.user(language_code="de", first_name="Bo")
    user.say("/human")
    case = case_of(harness, user)
    harness.telegram.fail("sendMessage", "403", times=1, chat_id=user.user_id)  # the person blocked the bot
    staff = StaffClient(harness.settings.web_url, TEAM_MEMBERS["erstberatung"], STAFF_PASSWORD)
    try:
        staff.act(case.id, "reply", text="Wir rufen Sie morgen an.")
        page = until(lambda: next((p for p in [staff.case_page(case.id)] if "nicht zugestellt" in p), None),
                     "the failure shown")
    finally:
        staff.close()
    assert "nicht zugestellt: die Person hat den Bot blockiert" in page and "Wir rufen Sie morgen an." in page
    assert not any("Wir rufen Sie" in m.text for m in harness.telegram.messages_to(user.user_id))


def test_the_gateways_health_tells_its_loops_alive_and_a_killed_gateway_is_restarted(harness: Harness) -> None:
    health = httpx.get(harness.settings.gateway_health_url, timeout=5)
    assert health.status_code == 200
    body = health.json()
    assert (body["status"], body["loops"]) == ("ok", {"updates": True, "inbound": True, "sender": True,
                                                      "crisis_watch": True, "reminders": True})
    # The one Rasa server, as the last request to it found it (none yet: unknown).
    assert body["rasa_workers"] in ({harness.settings.rasa_url: "up"}, {harness.settings.rasa_url: "unknown"})

    gateway = next(s for s in harness.stack.services if s.name == "gateway")
    os.killpg(gateway.process.pid, signal.SIGKILL)
    gateway.process.wait()
    Supervisor(harness.stack).tick()  # what `lotse run` does every half second
    restarted = next(s for s in harness.stack.services if s.name == "gateway")
    assert restarted.process.poll() is None and restarted.process.pid != gateway.process.pid
    assert httpx.get(harness.settings.gateway_health_url, timeout=5).status_code == 200
    assert "Which language" in harness.user(language_code="en").say("/start")[0].text
