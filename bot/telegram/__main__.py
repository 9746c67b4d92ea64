"""`python -m bot.telegram`: the gateway as its own process (started by `lotse run`)."""
from __future__ import annotations

import asyncio
import logging
import signal

import uvloop

from bot.config import load_settings
from bot.telegram.gateway import run_gateway


async def _main() -> None:
    settings = load_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s gateway %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # It logs every 429 with a traceback; the sender waits as Telegram asks and logs it briefly.
    logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await run_gateway(settings, stop)


if __name__ == "__main__":
    # uvloop: the gateway is mostly event-loop work (Bot API calls, Rasa calls, hops to the database
    # thread), which uvloop does in C; decision 25.
    asyncio.run(_main(), loop_factory=uvloop.new_event_loop)
