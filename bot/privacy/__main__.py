"""`python -m bot.privacy`: the daily retention run as its own process (started by `lotse run`)."""
from __future__ import annotations

import logging
import signal
import threading

from bot.config import load_settings
from bot.privacy.retention import run_daily


def main() -> None:
    settings = load_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s retention %(levelname)s %(name)s: %(message)s")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    run_daily(settings, stop)


if __name__ == "__main__":
    main()
