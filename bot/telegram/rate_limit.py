"""The gateway's Bot API rate limiter: TELEGRAM_RATE_LIMIT messages a second over all chats.

Telegram's limit is on messages: "the API will not allow more than 30 messages per second or so"
for notifications to many people (Bot FAQ, "My bot is hitting limits"). python-telegram-bot's
AIORateLimiter counts every call that names a chat against it, so the edit that marks a tapped
button's answer, "typing…" and reactions queued behind, and ahead of, the messages people wait
for: with the default limit, about 1.5 of those calls a turn, 20 turns a second were the
limiter's whole capacity and p95 waited 2.2 s (decision 27).

Here the overall limit counts messages (`send…` but "typing…"). Other calls to a person's chat
pass at once. Staff groups keep python-telegram-bot's 20 calls a minute for everything. Should
Telegram answer 429 to an edit or a reaction anyway, the sender and the gateway already handle it:
a reaction is retried after `retry_after`, a missed edit leaves the keyboard as it was.
"""
from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram._utils.types import JSONDict
from telegram.ext import AIORateLimiter

NOT_A_MESSAGE = "sendChatAction"


def is_message(endpoint: str) -> bool:
    """Whether a Bot API method sends a message (text, voice, file…) to the chat."""
    return endpoint.startswith("send") and endpoint != NOT_A_MESSAGE


def _to_group(data: dict[str, Any]) -> bool:
    # As AIORateLimiter tells a group: a negative id, or a string (a channel's @name).
    chat_id = data.get("chat_id")
    try:
        return int(chat_id) < 0  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return isinstance(chat_id, str)


class MessageRateLimiter(AIORateLimiter):
    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        if is_message(endpoint) or _to_group(data):
            return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        return await callback(*args, **kwargs)
