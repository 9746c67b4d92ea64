"""The action server's /metrics (docs/operations.md): action calls by action and result, their
time, and the NLG texts rendered. Measured around rasa-sdk's own /webhook route, which we do
not own; an action's name is a label, nothing from the tracker (slots are personal data)."""
from __future__ import annotations

import json
import time
import zlib
from collections.abc import Collection
from typing import Any

from prometheus_client import Counter, Histogram
from sanic import Sanic, response
from sanic.request import Request

from bot.metrics import CONTENT_TYPE, REQUEST_BUCKETS, exposition, new_registry

RESULTS = {200: "ok", 400: "rejected", 404: "not_found"}  # rasa-sdk's answers; anything else: "error"
UNKNOWN = "unknown"  # a name we do not have: not a label of its own, so labels stay few


def action_name(request: Request) -> str | None:
    """The action Rasa asks for (rasa-sdk reads the same body; Rasa may deflate it)."""
    try:
        if request.headers.get("Content-Encoding") == "deflate":
            call = json.loads(zlib.decompress(request.body))
        else:
            call = request.json
    except Exception:  # noqa: BLE001 - a body rasa-sdk refuses too: counted without a name
        return None
    name = call.get("next_action") if isinstance(call, dict) else None
    return name if isinstance(name, str) else None


class ActionMetrics:
    def __init__(self, actions: Collection[str]) -> None:
        self.actions = set(actions)
        self.registry = new_registry()
        self.calls = Counter("lotse_actions_calls", "Action calls from Rasa, by action and result "
                             "(ok, rejected: a form's validation refused, not_found, error)",
                             ["action", "result"], registry=self.registry)
        self.seconds = Histogram("lotse_actions_seconds", "Time to run an action, by action", ["action"],
                                 buckets=REQUEST_BUCKETS, registry=self.registry)
        self.texts = Counter("lotse_actions_nlg_texts", "Texts rendered for Rasa (/nlg), by result (ok, unknown)",
                             ["result"], registry=self.registry)
        self.text_seconds = Histogram("lotse_actions_nlg_seconds", "Time to render a text", buckets=REQUEST_BUCKETS,
                                      registry=self.registry)
        for result in ("ok", UNKNOWN):
            self.texts.labels(result)

    def observe_call(self, name: str | None, status: int, seconds: float) -> None:
        action = name if name in self.actions else UNKNOWN
        self.calls.labels(action, RESULTS.get(status, "error")).inc()
        self.seconds.labels(action).observe(seconds)

    def observe_text(self, status: int, seconds: float) -> None:
        self.texts.labels("ok" if status == 200 else UNKNOWN).inc()
        self.text_seconds.observe(seconds)

    def install(self, app: Sanic) -> None:
        """Time /webhook and /nlg, and serve GET /metrics (the server listens on loopback only)."""

        @app.middleware("request")
        async def started(request: Request) -> None:
            request.ctx.started = time.perf_counter()

        @app.middleware("response")
        async def finished(request: Request, answer: Any) -> None:
            seconds = time.perf_counter() - getattr(request.ctx, "started", time.perf_counter())
            if request.path == "/webhook":
                self.observe_call(action_name(request), answer.status, seconds)
            elif request.path == "/nlg":
                self.observe_text(answer.status, seconds)

        @app.get("/metrics")
        async def metrics(_: Request) -> response.HTTPResponse:
            return response.raw(exposition(self.registry), content_type=CONTENT_TYPE)
