"""The staff inbox's app factory: routes from each area, middleware, and the shared services.

The areas: bot/web/auth.py (signing in, sessions, roles), cases.py (the case list and pages),
dashboard.py (figures and exports), audit.py (the audit log); services.py holds what they share.
"""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.config import Settings
from bot.inbox.sessions import ABSOLUTE_LIFETIME
from bot.web import audit, auth, cases, dashboard
from bot.web.metrics import RequestMetrics, metrics_page
from bot.web.security import SecurityHeaders, session_secret
from bot.web.services import TEMPLATES, InboxServices

STATIC = TEMPLATES.parent / "static"


async def health(request: Request) -> Response:
    return PlainTextResponse("ok")


async def not_found(request: Request, exc: Exception) -> Response:
    return PlainTextResponse("Nicht gefunden.", status_code=exc.status_code if isinstance(exc, HTTPException) else 404)


def build_app(settings: Settings) -> Starlette:
    routes: list[BaseRoute] = [
        Route("/health", health),
        Route("/metrics", metrics_page),
        *auth.ROUTES,
        *cases.ROUTES,
        *dashboard.ROUTES,
        *audit.ROUTES,
        Mount("/static", StaticFiles(directory=str(STATIC)), name="static"),
    ]
    services = InboxServices(settings)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        await services.rasa.close()  # its connections to Rasa

    app = Starlette(
        lifespan=lifespan,
        routes=routes,
        middleware=[
            Middleware(RequestMetrics, metrics=services.metrics),  # outermost: the time of everything inside
            Middleware(SecurityHeaders),
            # The cookie holds only the session's token; the session itself, its idle timeout and
            # its absolute lifetime are on the server (bot/inbox/sessions.py).
            Middleware(SessionMiddleware, secret_key=session_secret(settings), session_cookie="lotse_session",
                       max_age=int(ABSOLUTE_LIFETIME.total_seconds()), same_site="strict",
                       https_only=settings.web_url.startswith("https://")),
        ],
        exception_handlers={404: not_found},
    )
    app.state.services = services
    return app
