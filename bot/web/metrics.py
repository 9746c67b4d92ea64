"""The staff inbox's /metrics (docs/operations.md): requests by route template and status class,
their time, failed logins, open sessions.

The inbox faces the internet (through a reverse proxy), so /metrics answers only a request
carrying LOTSE_METRICS_TOKEN as a bearer token, or, without a token set, one from this machine
that came through no proxy. Labels are route templates (`/cases/{case_id}`), never a path with
an id or a search term in it.
"""
from __future__ import annotations

import ipaddress
import secrets
import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import Counter, Histogram
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from bot.config import Settings
from bot.inbox.sessions import Sessions
from bot.metrics import CONTENT_TYPE, REQUEST_BUCKETS, ScrapeTime, exposition, new_registry
from bot.web.security import client_of

UNMATCHED = "unmatched"  # scanners' paths: one label, not one per path tried
FORWARDING_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip")


class InboxMetrics:
    def __init__(self, sessions: Sessions) -> None:
        self.sessions = sessions
        self.registry = new_registry()
        self.requests = Counter("lotse_web_requests", "Requests by route template and status class (2xx … 5xx)",
                                ["route", "status"], registry=self.registry)
        self.seconds = Histogram("lotse_web_request_seconds", "Time to answer a request, by route template",
                                 ["route"], buckets=REQUEST_BUCKETS, registry=self.registry)
        self.login_failures = Counter("lotse_web_login_failures", "Failed logins, by reason (invalid, throttled)",
                                      ["reason"], registry=self.registry)
        for reason in ("invalid", "throttled"):
            self.login_failures.labels(reason)
        self.registry.register(ScrapeTime("inbox sessions", self._sessions))

    def observe(self, route: str, status: int, seconds: float) -> None:
        self.requests.labels(route, f"{status // 100}xx").inc()
        self.seconds.labels(route).observe(seconds)

    def _sessions(self) -> Iterator[tuple[str, str, float]]:
        yield "lotse_web_sessions_active", "Staff sessions open and not idle past the timeout", float(self.sessions.active())


def may_scrape(request: Request, settings: Settings) -> bool:
    """The token, when one is set; else only a client on this machine, not through a proxy (a
    proxy on this machine would make every internet client look local)."""
    if settings.metrics_token:
        offered = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        return secrets.compare_digest(offered.encode(), settings.metrics_token.encode())
    if any(header in request.headers for header in FORWARDING_HEADERS):
        return False
    try:
        return ipaddress.ip_address(client_of(request, settings.trusted_proxies)).is_loopback
    except ValueError:  # "unknown", a test client's name
        return False


async def metrics_page(request: Request) -> Response:
    services = request.app.state.services  # bot/web/services.py, which imports this module
    if not may_scrape(request, services.settings):
        return PlainTextResponse("Nicht erlaubt.", status_code=403)
    return Response(await services.run(exposition, services.metrics.registry), media_type=CONTENT_TYPE)


class RequestMetrics:
    """ASGI middleware: counts and times every request under the template of the route that took it."""

    def __init__(self, app: Any, metrics: InboxMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # unless a response starts

        async def recording(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording)
        finally:
            route = scope.get("route")  # set by Starlette's router on the scope it was given
            self.metrics.observe(getattr(route, "path", None) or UNMATCHED, status, time.perf_counter() - started)
