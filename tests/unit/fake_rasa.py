"""A fake Rasa server on loopback: the REST channel and the tracker endpoint the bot uses, over
real HTTP, answering what a test sets."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.e2e.fake_telegram import free_port


@dataclass
class FakeRasa:
    port: int = field(default_factory=free_port)
    replies: list[dict[str, Any]] = field(default_factory=list)  # the REST channel's answer to every turn
    slots: dict[str, Any] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)
    failing: bool = False  # every turn answers 500, as a Rasa whose stores fail
    active_loop: str | None = None  # the form Rasa is in

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _webhook(self, request: Request) -> JSONResponse:
        self.received.append(await request.json())
        return JSONResponse({"error": "failing"}, status_code=500) if self.failing else JSONResponse(self.replies)

    async def _tracker(self, request: Request) -> JSONResponse:
        return JSONResponse({"sender_id": request.path_params["sender"], "slots": self.slots, "events": self.events,
                             "active_loop": {"name": self.active_loop} if self.active_loop else {}})

    def start(self) -> None:
        app = Starlette(routes=[Route("/webhooks/rest/webhook", self._webhook, methods=["POST"]),
                                Route("/conversations/{sender}/tracker", self._tracker)])
        self._server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                     lifespan="off", ws="none"))
        threading.Thread(target=self._server.run, daemon=True).start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the fake Rasa server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self._server.should_exit = True
