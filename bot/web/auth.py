"""Signing in and out, who may see a page, and admins' view of the open sessions.

Sessions live on the server (bot/inbox/sessions.py); the cookie holds only a session's token.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.inbox.accounts import LoginRefused, login_key
from bot.inbox.casework import Forbidden, NotFound
from bot.web.security import CSRF_FIELD, client_of, csrf_valid
from bot.web.services import InboxServices, services_of

logger = logging.getLogger(__name__)

SESSION_TOKEN = "session"  # the cookie's one field besides the CSRF token and notices
ADMIN_ROLES = ("admin",)
ONLY_ADMINS = "Diese Seite sehen nur Administratorinnen und Administratoren."
CSRF_FAILED = "Sicherheitsprüfung fehlgeschlagen: bitte die Seite neu laden."

Endpoint = Callable[[Request], Awaitable[Response]]
PageHandler = Callable[[InboxServices, Request], Awaitable[Response]]  # gets the services and the request


def signed_in(handler: PageHandler) -> Endpoint:
    """Only for a signed-in, enabled account in an open session; POSTs also need a valid CSRF token."""
    return _signed_in(handler, activity=True)


def signed_in_background(handler: PageHandler) -> Endpoint:
    """As signed_in, for what a page fetches by itself: it does not keep an idle session alive."""
    return _signed_in(handler, activity=False)


def _signed_in(handler: PageHandler, activity: bool) -> Endpoint:
    async def wrapped(request: Request) -> Response:
        services = services_of(request)
        check = await services.run(services.sessions.check, request.session.get(SESSION_TOKEN), activity)
        if check.expired:
            request.session.clear()
            return RedirectResponse("/login?expired=1", status_code=303)
        account = await services.run(services.accounts.active, check.login) if check.login else None
        if account is None:
            request.session.pop(SESSION_TOKEN, None)
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        request.state.account = account
        if request.method == "POST":
            form = await request.form()
            if not csrf_valid(request, form.get(CSRF_FIELD)):  # type: ignore[arg-type]
                return PlainTextResponse(CSRF_FAILED, status_code=403)
            request.state.form = form
        try:
            return await handler(services, request)
        except Forbidden:
            await services.run(services.audit.record, account.login, "forbidden", request.path_params.get("case_id"))
            return services.page(request, "error.html", 403, message="Dieser Fall gehört nicht zu Ihrem Team.")
        except NotFound:
            return services.page(request, "error.html", 404, message="Diesen Fall gibt es nicht (mehr).")

    return wrapped


def requires_role(*roles: str, refusal: str) -> Callable[[PageHandler], PageHandler]:
    """Only for accounts with one of `roles`; anyone else gets `refusal` (German), and the attempt
    is audited. Goes under @signed_in, which finds the account."""

    def decorate(handler: PageHandler) -> PageHandler:
        async def checked(services: InboxServices, request: Request) -> Response:
            account = request.state.account
            if account.role not in roles:
                await services.run(services.audit.record, account.login, "forbidden",
                                   request.path_params.get("case_id"), request.url.path)
                return services.page(request, "error.html", 403, message=refusal)
            return await handler(services, request)

        return checked

    return decorate


async def login_page(request: Request) -> Response:
    services = services_of(request)
    request.state.account = None
    error = "Sie waren zu lange inaktiv und wurden abgemeldet." if request.query_params.get("expired") else None
    return services.page(request, "login.html", error=error, next=request.query_params.get("next", "/cases"))


async def login(request: Request) -> Response:
    services = services_of(request)
    request.state.account = None
    form = await request.form()
    if not csrf_valid(request, form.get(CSRF_FIELD)):  # type: ignore[arg-type]
        return PlainTextResponse(CSRF_FAILED, status_code=403)
    login_name, password = str(form.get("login", "")), str(form.get("password", ""))
    next_path = str(form.get("next") or "/cases")
    client = client_of(request, services.settings.trusted_proxies)
    # Slowed, not locked: failures against an account (from anyone) make every try wait longer.
    await asyncio.sleep(await services.run(services.accounts.delay_before, login_name))
    try:
        account = await services.run(services.accounts.authenticate, login_name, password, client)
    except LoginRefused as refused:
        services.metrics.login_failures.labels(refused.reason).inc()
        # Never what was typed (people type passwords into the login field): its hash.
        typed = f"#{login_key(login_name)[:12]}"
        await services.run(services.audit.record, typed, f"login_{refused.reason}", None, client)
        if refused.burst:
            logger.warning("many failed logins for one account (%s) within 15 minutes", typed)
            await services.run(services.audit.record, "system", "login_burst", None, typed)
        message = ("Zu viele Fehlversuche. Bitte warten Sie 15 Minuten." if refused.reason == "throttled"
                   else "Anmeldename oder Passwort stimmt nicht, oder das Konto ist gesperrt.")
        return services.page(request, "login.html", 401, error=message, next=next_path)
    request.session.clear()  # a fresh session (and CSRF token) after login
    request.session[SESSION_TOKEN] = await services.run(services.sessions.start, account.login, client)
    await services.run(services.audit.record, account.login, "login")
    default = "/cases" if services.casework.may_see_cases(account) else "/dashboard"
    return RedirectResponse(next_path if next_path.startswith("/") and not next_path.startswith("//") else default,
                            status_code=303)


@signed_in
async def logout(services: InboxServices, request: Request) -> Response:
    await services.run(services.audit.record, request.state.account.login, "logout")
    await services.run(services.sessions.end, request.session.get(SESSION_TOKEN))
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@signed_in
@requires_role(*ADMIN_ROLES, refusal=ONLY_ADMINS)
async def sessions_page(services: InboxServices, request: Request) -> Response:
    sessions = await services.run(services.sessions.listing)
    return services.page(request, "sessions.html", sessions=sessions, notice=request.session.pop("notice", None))


@signed_in
@requires_role(*ADMIN_ROLES, refusal=ONLY_ADMINS)
async def end_sessions(services: InboxServices, request: Request) -> Response:
    """End every session of one account (a lost laptop, a colleague who left)."""
    account = request.state.account
    login_name = str(request.state.form.get("login", "")).strip()[:64]
    ended = await services.run(services.sessions.end_all, login_name)
    await services.run(services.audit.record, account.login, "end_sessions", None, login_name)
    request.session["notice"] = f"{ended} Sitzung(en) von {login_name} beendet."
    return RedirectResponse("/sessions", status_code=303)


ROUTES = [
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/sessions", sessions_page),
    Route("/sessions/end", end_sessions, methods=["POST"]),
]
