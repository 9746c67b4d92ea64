"""The Bot API rate limiter counts messages, as Telegram's limit does: with the limit used up, a
message waits while an edit, "typing…" or a reaction to a person's chat goes out; every call to
a staff group waits, as python-telegram-bot's own limiter has it."""
from __future__ import annotations

import asyncio

import pytest

from bot.telegram.rate_limit import MessageRateLimiter, is_message

PERSON, STAFF_GROUP = 4242, -100777


async def call(limiter: MessageRateLimiter, endpoint: str, chat_id: int) -> bool:
    """Whether the call got through within a moment (the limit allows one an hour here)."""
    async def send() -> bool:
        return True
    try:
        return await asyncio.wait_for(
            limiter.process_request(send, (), {}, endpoint, {"chat_id": chat_id}, None), timeout=0.5)
    except TimeoutError:
        return False


@pytest.mark.parametrize(("endpoint", "chat_id", "passes"), [
    ("sendMessage", PERSON, False),
    ("sendVoice", PERSON, False),
    ("editMessageText", PERSON, True),
    ("sendChatAction", PERSON, True),
    ("setMessageReaction", PERSON, True),
    ("editMessageText", STAFF_GROUP, False),
])
def test_only_messages_wait_for_the_overall_limit(endpoint: str, chat_id: int, passes: bool) -> None:
    async def scenario() -> tuple[bool, bool]:
        limiter = MessageRateLimiter(overall_max_rate=1, overall_time_period=3600)  # one message an hour
        await limiter.initialize()
        used_up = await call(limiter, "sendMessage", PERSON)
        return used_up, await call(limiter, endpoint, chat_id)
    used_up, passed = asyncio.run(scenario())
    assert used_up
    assert passed is passes


def test_what_counts_as_a_message() -> None:
    assert [e for e in ("sendMessage", "sendDocument", "sendChatAction", "editMessageText", "deleteMessage")
            if is_message(e)] == ["sendMessage", "sendDocument"]
