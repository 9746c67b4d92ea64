"""Reminders through the whole stack, on a clock the test moves (LOTSE_CLOCK_FILE): sent at 24
and 72 hours, the night waited out, none after /stop or "No more reminders", none twice across a
restart, and each button (go on, start again, no more reminders) doing what it says."""
from __future__ import annotations

import datetime
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import Harness, running_stack
from tests.e2e.fake_telegram import BotMessage, TelegramUser

# A Monday, 10:00 in Berlin (winter time, UTC+1).
T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
REMINDER = "You stopped at this question"
LAST = "for the last time"
POLL_WAIT = 8.0  # longer than the reminder loop's poll (5 s)


def texts(replies: list[BotMessage]) -> str:
    return "\n".join(m.text for m in replies)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    tmp = tmp_path_factory.mktemp("reminders")
    (tmp / "clock").write_text(T0.isoformat(), encoding="utf-8")
    with running_stack(tmp, clock_file=str(tmp / "clock")) as harness:
        yield harness


def set_clock(harness: Harness, hours: float) -> None:
    Path(harness.settings.clock_file).write_text((T0 + datetime.timedelta(hours=hours)).isoformat(), encoding="utf-8")


def stop_at_birth_date(user: TelegramUser) -> None:
    replies = user.say("hi")
    replies = user.press("English", replies)
    replies = user.press("Yes, I agree", replies)
    replies = user.press("Yes, count it", replies)
    assert "When were you born?" in texts(user.say("Sara"))


def nothing_new(harness: Harness, *users: TelegramUser) -> None:
    """No message reaches these people within a round of the reminder loop."""
    before = [len(harness.telegram.messages_to(user.user_id)) for user in users]
    time.sleep(POLL_WAIT)
    assert [len(harness.telegram.messages_to(user.user_id)) for user in users] == before


def reminders_to(harness: Harness, user: TelegramUser) -> list[BotMessage]:
    return [m for m in harness.telegram.messages_to(user.user_id) if REMINDER in m.text]


def test_reminders_at_24_and_72_hours_never_at_night_never_twice(stack: Harness) -> None:
    goes_on, stops, stops_by_button, starts_again = (stack.user() for _ in range(4))
    for user in (goes_on, stops, stops_by_button):
        stop_at_birth_date(user)
    assert "I will not remind you again" in texts(stops.say("/stop"))
    set_clock(stack, 12.5)  # Monday 22:30
    stop_at_birth_date(starts_again)

    set_clock(stack, 23)
    nothing_new(stack, goes_on, stops, stops_by_button, starts_again)

    set_clock(stack, 24)  # Tuesday 10:00
    for user in (goes_on, stops_by_button):
        (reminder,) = user.wait_for_replies(timeout=30)
        assert REMINDER in reminder.text and "When were you born?" in reminder.text and LAST not in reminder.text
        assert [b["text"] for b in reminder.buttons] == ["Go on", "Start again", "No more reminders", "🔊"]
    assert "I will not remind you again" in texts(stops_by_button.press("No more reminders", [reminder]))

    set_clock(stack, 36.5)  # Tuesday 22:30: due for the one who wrote at 22:30, but it is night
    nothing_new(stack, starts_again)
    set_clock(stack, 47)  # Wednesday 09:00
    (reminder,) = starts_again.wait_for_replies(timeout=30)
    assert REMINDER in reminder.text
    assert "we start again from the beginning" in texts(starts_again.press("Start again", [reminder]))

    stack.restart()  # what was sent stays sent
    set_clock(stack, 72)  # Thursday 10:00
    (last,) = goes_on.wait_for_replies(timeout=60)
    assert LAST in last.text and "When were you born?" in last.text
    nothing_new(stack, goes_on, stops, stops_by_button)
    assert [len(reminders_to(stack, user)) for user in (goes_on, stops, stops_by_button)] == [2, 0, 1]

    # Going on asks the open question again: the reminders did not move the conversation on.
    assert "When were you born?" in texts(goes_on.press("Go on", [last]))
    assert "What is your gender?" in texts(goes_on.say("17/4/2001"))
    intake = stack.intake_of(goes_on)
    assert intake is not None and intake["birth_date"] == "2001-04-17"
