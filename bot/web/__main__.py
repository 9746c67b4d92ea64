"""`python -m bot.web`: the staff inbox on LOTSE_WEB_LISTEN:LOTSE_WEB_PORT (started by `lotse run`)."""
from __future__ import annotations

import logging

import uvicorn

from bot.config import load_settings
from bot.web.app import build_app


def main() -> None:
    settings = load_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s web %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its request lines carry the Rasa token
    # No access log: URLs carry search terms (names). The app logs case ids and actions itself.
    uvicorn.run(build_app(settings), host=settings.web_listen, port=settings.web_port, access_log=False,
                ws="none", log_level=settings.log_level.lower(), proxy_headers=False)


if __name__ == "__main__":
    main()
