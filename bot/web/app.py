"""The staff inbox: log in, see the team's cases, claim, note, reply, hand back to the bot.

Every page and change is written to the audit log. Nothing personal goes to the application
log: uvicorn's access log is off (search terms are names), and our own lines carry ids only.
"""
from __future__ import annotations

import asyncio
import datetime
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from bot.config import Settings
from bot.db import Case, Database
from bot.deployment import load_deployment
from bot.handoff.outbox import enqueue, telegram_chat_of
from bot.i18n import SUPPORTED_LANGUAGES, language_name
from bot.inbox.accounts import Account, Accounts, LoginRefused, login_key
from bot.inbox.audit import AuditLog, AuditQuery
from bot.inbox.casework import (
    AGE_GROUPS,
    STATE_LABELS,
    STATES,
    TRANSITIONS,
    CaseView,
    Casework,
    Filters,
    Forbidden,
    NotFound,
    Refused,
)
from bot.inbox.sessions import ABSOLUTE_LIFETIME, Sessions
from bot.messages import render
from bot.privacy import Eraser
from bot.rasa_client import RasaClient, RasaUnavailable, Reply
from bot.web.metrics import InboxMetrics, RequestMetrics, metrics_page
from bot.web.security import (
    CSRF_FIELD,
    SECURITY_HEADERS,
    client_of,
    csrf_token,
    csrf_valid,
    session_secret,
)
from bot.web.timeline import Entry, timeline

logger = logging.getLogger(__name__)
HERE = Path(__file__).parent
Endpoint = Callable[[Request], Awaitable[Response]]


STAFF_TIMEZONE = ZoneInfo("Europe/Berlin")
SESSION_TOKEN = "session"  # the cookie's one field besides the CSRF token and notices


def local_time(value: datetime.datetime, pattern: str = "%d.%m.%Y %H:%M") -> str:
    """A stored UTC time as staff read it (SQLite hands back naive datetimes: they are UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    return value.astimezone(STAFF_TIMEZONE).strftime(pattern)


class Inbox:
    """The app's parts, built once from the settings."""

    def __init__(self, settings: Settings) -> None:
        database = Database(settings.app_database_url)
        self.settings = settings
        self.deployment = load_deployment(settings.deployment_file)
        self.accounts = Accounts(database)
        self.audit = AuditLog(database)
        self.sessions = Sessions(database, datetime.timedelta(minutes=settings.session_minutes))
        self.metrics = InboxMetrics(self.sessions)
        self.casework = Casework(database, self.deployment)
        self.database = database
        self.rasa = RasaClient(settings.rasa_url, settings.rasa_token)
        self.eraser = Eraser(database, settings.tracker_database_url)
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))
        self.templates.env.filters["local"] = local_time
        self.templates.env.globals.update(
            state_labels=STATE_LABELS, language_name=lambda code: language_name(code, "de"),
            deployment=self.deployment, csrf_field=CSRF_FIELD,
            # the filters' choices, as (value, text) for templates/_macros.html
            programme_options=[(p, p) for p in self.deployment.programmes],
            language_options=[(code, language_name(code, "de")) for code in SUPPORTED_LANGUAGES],
            municipality_options=[(m.ags, m.name) for m in self.deployment.municipalities],
            team_options=[(t.id, t.name) for t in self.deployment.teams],
            age_options=[(group, group) for group in AGE_GROUPS],
        )

    def page(self, request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
        context.update(request=request, account=request.state.account, csrf=csrf_token(request))
        return self.templates.TemplateResponse(request, template, context, status_code=status_code)

    async def run(self, function: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.to_thread(function, *args)


PageHandler = Callable[[Inbox, Request], Awaitable[Response]]  # gets the services and the request


def signed_in(handler: PageHandler) -> Endpoint:
    """Only for a signed-in, enabled account in an open session; POSTs also need a valid CSRF token."""
    return _signed_in(handler, activity=True)


def signed_in_background(handler: PageHandler) -> Endpoint:
    """As signed_in, for what a page fetches by itself: it does not keep an idle session alive."""
    return _signed_in(handler, activity=False)


def _signed_in(handler: PageHandler, activity: bool) -> Endpoint:
    async def wrapped(request: Request) -> Response:
        inbox: Inbox = request.app.state.inbox
        check = await inbox.run(inbox.sessions.check, request.session.get(SESSION_TOKEN), activity)
        if check.expired:
            request.session.clear()
            return RedirectResponse("/login?expired=1", status_code=303)
        account = await inbox.run(inbox.accounts.active, check.login) if check.login else None
        if account is None:
            request.session.pop(SESSION_TOKEN, None)
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        request.state.account = account
        if request.method == "POST":
            form = await request.form()
            if not csrf_valid(request, form.get(CSRF_FIELD)):  # type: ignore[arg-type]
                return PlainTextResponse("Sicherheitsprüfung fehlgeschlagen: bitte die Seite neu laden.", status_code=403)
            request.state.form = form
        try:
            return await handler(inbox, request)
        except Forbidden:
            await inbox.run(inbox.audit.record, account.login, "forbidden", request.path_params.get("case_id"))
            return inbox.page(request, "error.html", 403, message="Dieser Fall gehört nicht zu Ihrem Team.")
        except NotFound:
            return inbox.page(request, "error.html", 404, message="Diesen Fall gibt es nicht (mehr).")

    return wrapped


# --- signing in ----------------------------------------------------------------------------------

async def login_page(request: Request) -> Response:
    inbox: Inbox = request.app.state.inbox
    request.state.account = None
    error = "Sie waren zu lange inaktiv und wurden abgemeldet." if request.query_params.get("expired") else None
    return inbox.page(request, "login.html", error=error, next=request.query_params.get("next", "/cases"))


async def login(request: Request) -> Response:
    inbox: Inbox = request.app.state.inbox
    request.state.account = None
    form = await request.form()
    if not csrf_valid(request, form.get(CSRF_FIELD)):  # type: ignore[arg-type]
        return PlainTextResponse("Sicherheitsprüfung fehlgeschlagen: bitte die Seite neu laden.", status_code=403)
    login_name, password = str(form.get("login", "")), str(form.get("password", ""))
    next_path = str(form.get("next") or "/cases")
    client = client_of(request, inbox.settings.trusted_proxies)
    # Slowed, not locked: failures against an account (from anyone) make every try wait longer.
    await asyncio.sleep(await inbox.run(inbox.accounts.delay_before, login_name))
    try:
        account = await inbox.run(inbox.accounts.authenticate, login_name, password, client)
    except LoginRefused as refused:
        inbox.metrics.login_failures.labels(refused.reason).inc()
        # Never what was typed (people type passwords into the login field): its hash.
        typed = f"#{login_key(login_name)[:12]}"
        await inbox.run(inbox.audit.record, typed, f"login_{refused.reason}", None, client)
        if refused.burst:
            logger.warning("many failed logins for one account (%s) within 15 minutes", typed)
            await inbox.run(inbox.audit.record, "system", "login_burst", None, typed)
        message = ("Zu viele Fehlversuche. Bitte warten Sie 15 Minuten." if refused.reason == "throttled"
                   else "Anmeldename oder Passwort stimmt nicht, oder das Konto ist gesperrt.")
        return inbox.page(request, "login.html", 401, error=message, next=next_path)
    request.session.clear()  # a fresh session (and CSRF token) after login
    request.session[SESSION_TOKEN] = await inbox.run(inbox.sessions.start, account.login, client)
    await inbox.run(inbox.audit.record, account.login, "login")
    default = "/cases" if inbox.casework.may_see_cases(account) else "/dashboard"
    return RedirectResponse(next_path if next_path.startswith("/") and not next_path.startswith("//") else default,
                            status_code=303)


@signed_in
async def logout(inbox: Inbox, request: Request) -> Response:
    await inbox.run(inbox.audit.record, request.state.account.login, "logout")
    await inbox.run(inbox.sessions.end, request.session.get(SESSION_TOKEN))
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


# --- cases ---------------------------------------------------------------------------------------

CASE_HISTORY = 50  # who viewed and changed the case: the newest entries on its page

@signed_in
async def home(inbox: Inbox, request: Request) -> Response:
    account: Account = request.state.account
    return RedirectResponse("/cases" if inbox.casework.may_see_cases(account) else "/dashboard", status_code=303)


@signed_in
async def case_list(inbox: Inbox, request: Request) -> Response:
    account: Account = request.state.account
    params = request.query_params
    filters = Filters(state=params.get("state", "open"), programme=params.get("programme", ""),
                      municipality=params.get("municipality", ""), language=params.get("language", ""),
                      age_group=params.get("age", ""), search=params.get("q", "")[:64])
    try:
        number = int(params.get("page", "1"))
    except ValueError:
        number = 1
    page = await inbox.run(inbox.casework.list, account, filters, number)
    await inbox.run(inbox.audit.record, account.login, "view_list", None, ",".join(filters.active()))
    # The same filters on the other pages.
    query = {key: value for key, value in params.items() if key != "page"}
    return inbox.page(request, "cases.html", cases=page.cases, page=page, page_query=query, filters=filters,
                      states=STATES, notice=request.session.pop("notice", None))


@signed_in
async def case_page(inbox: Inbox, request: Request) -> Response:
    account: Account = request.state.account
    case_id = request.path_params["case_id"]
    view = await inbox.run(inbox.casework.view, account, case_id)
    events = await inbox.rasa.events(view.case.conversation_id)
    await inbox.run(inbox.audit.record, account.login, "view_case", case_id)
    history = await inbox.run(inbox.audit.search, AuditQuery(case_id=case_id), CASE_HISTORY)
    return inbox.page(request, "case.html", view=view, case=view.case, entries=case_timeline_of(view, events),
                      history=history,
                      bot_unreachable=events is None, transitions=TRANSITIONS[view.case.state],
                      members=inbox.casework.team_members(view.case), team=inbox.deployment.team(view.case.team),
                      phrases=inbox.casework.phrases(),
                      error=request.session.pop("refused", None))


@signed_in_background
async def case_timeline(inbox: Inbox, request: Request) -> Response:
    """The conversation alone, for the page to refresh it while staff are on it."""
    account: Account = request.state.account
    view = await inbox.run(inbox.casework.view, account, request.path_params["case_id"])
    events = await inbox.rasa.events(view.case.conversation_id)
    return inbox.page(request, "_timeline.html", entries=case_timeline_of(view, events))


def case_timeline_of(view: CaseView, events: list[dict[str, Any]] | None) -> list[Entry]:
    return timeline(events, view.messages, view.undelivered, view.voices, view.case.id)


@signed_in_background
async def case_voice(inbox: Inbox, request: Request) -> Response:
    """A voice message of the person, for the case page's <audio>: audited like a view of the
    case, never cached (Cache-Control: no-store comes with every response, bot/web/security.py)."""
    account: Account = request.state.account
    case_id = request.path_params["case_id"]
    mime_type, audio = await inbox.run(inbox.casework.voice, account, case_id, request.path_params["voice_id"])
    await inbox.run(inbox.audit.record, account.login, "play_voice", case_id, str(request.path_params["voice_id"]))
    return Response(audio, media_type=mime_type)


def _back(case_id: str) -> Response:
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


def case_change(action: str) -> Callable[[Request], Awaitable[Response]]:
    """POST /cases/{id}/<action>: one change, audited; refusals come back as a message on the page."""

    @signed_in
    async def change(inbox: Inbox, request: Request) -> Response:
        account: Account = request.state.account
        case_id = request.path_params["case_id"]
        form = request.state.form
        detail = None
        try:
            if action == "claim":
                await inbox.run(inbox.casework.claim, account, case_id)
            elif action == "assign":
                detail = str(form.get("login", ""))
                await inbox.run(inbox.casework.assign, account, case_id, detail)
            elif action == "state":
                detail = str(form.get("state", ""))
                ending = await inbox.run(inbox.casework.relay_ending, account, case_id, detail)
                replies = await resume_in_rasa(inbox, ending) if ending else None
                case, _ = await inbox.run(inbox.casework.set_state, account, case_id, detail)
                if replies is not None:
                    await tell_handed_back(inbox, case, replies)
            elif action == "note":
                await inbox.run(inbox.casework.add_note, account, case_id, str(form.get("text", "")))
            elif action == "reply":
                await inbox.run(inbox.casework.reply, account, case_id, str(form.get("text", "")))
            elif action == "phrase":
                detail = str(form.get("phrase", ""))
                await inbox.run(inbox.casework.reply_with_phrase, account, case_id, detail)
            elif action == "handback":
                ending = await inbox.run(inbox.casework.relay_ending, account, case_id, None)
                replies = await resume_in_rasa(inbox, ending)
                await tell_handed_back(inbox, await inbox.run(inbox.casework.hand_back, account, case_id), replies)
        except Refused as refused:
            # Shown once on the case page; kept in the session, so no link can put words there.
            request.session["refused"] = str(refused)
            return _back(case_id)
        await inbox.run(inbox.audit.record, account.login, action, case_id, detail)
        logger.info("case %s: %s by %s", case_id, action, account.login)
        return _back(case_id)

    return change


@signed_in
async def forget_person(inbox: Inbox, request: Request) -> Response:
    """An admin deletes everything about the case's person (GDPR Art. 17), as /delete does.

    The audit entry (admin, case, reference, time) is written by the deletion itself."""
    account: Account = request.state.account
    case_id = request.path_params["case_id"]
    if account.role != "admin":
        raise Forbidden
    case = (await inbox.run(inbox.casework.view, account, case_id)).case
    if request.state.form.get("confirm") != "yes":
        request.session["refused"] = "Bitte bestätigen Sie die Löschung."
        return _back(case_id)
    report = await inbox.run(inbox.eraser.forget, case.conversation_id, account.login)
    logger.info("case %s: person deleted by %s", case_id, account.login)
    request.session["notice"] = f"Gelöscht: alles über die Person von Fall {', '.join(report.references)}."
    return RedirectResponse("/cases", status_code=303)


async def resume_in_rasa(inbox: Inbox, case: Case) -> list[Reply]:
    """Resume Rasa's conversation of a case whose relay ends; what the bot says next.

    Refused when Rasa cannot be reached: the relay stays open, so the person keeps talking to
    the team rather than to a paused bot that cannot answer."""
    try:
        return await inbox.rasa.resume(case.conversation_id)
    except RasaUnavailable as error:
        logger.error("could not resume the conversation of a case in Rasa: %s", type(error.__cause__).__name__)
        raise Refused("Der Bot ist gerade nicht erreichbar. Die Person bleibt im Gespräch mit dem Team; "
                      "bitte in ein paar Minuten noch einmal versuchen.") from error


async def tell_handed_back(inbox: Inbox, case: Case, replies: list[Reply]) -> None:
    """Tell the person the bot talks again, and send what it says next."""
    chat_id = telegram_chat_of(case.conversation_id)
    if chat_id is None:
        return
    handed_back = render("handed_back", case.language, inbox.deployment)

    def queue() -> None:
        with inbox.database.session() as session:
            enqueue(session, chat_id, handed_back["text"], conversation_id=case.conversation_id)
            for reply in replies:
                enqueue(session, chat_id, reply.text or "…", list(reply.buttons) or None,
                        conversation_id=case.conversation_id)

    await inbox.run(queue)


# --- the app -------------------------------------------------------------------------------------

async def health(request: Request) -> Response:
    return PlainTextResponse("ok")


async def not_found(request: Request, exc: Exception) -> Response:
    return PlainTextResponse("Nicht gefunden.", status_code=exc.status_code if isinstance(exc, HTTPException) else 404)


class SecurityHeaders:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                headers.extend((k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items())
            await send(message)

        await self.app(scope, receive, with_headers if scope["type"] == "http" else send)


def build_app(settings: Settings, extra_routes: list[Route] | None = None) -> Starlette:
    from bot.web.admin import ROUTES as admin_routes  # these import this module: load them here
    from bot.web.dashboard import ROUTES as dashboard_routes

    extra_routes = [*dashboard_routes, *admin_routes, *(extra_routes or [])]
    routes = [
        Route("/health", health),
        Route("/metrics", metrics_page),
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/", home),
        Route("/cases", case_list),
        Route("/cases/{case_id}", case_page),
        Route("/cases/{case_id}/timeline", case_timeline),
        Route("/cases/{case_id}/voice/{voice_id:int}", case_voice),
        *(Route(f"/cases/{{case_id}}/{action}", case_change(action), methods=["POST"])
          for action in ("claim", "assign", "state", "note", "reply", "phrase", "handback")),
        Route("/cases/{case_id}/forget", forget_person, methods=["POST"]),
        *(extra_routes or []),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    secure = settings.web_url.startswith("https://")
    inbox = Inbox(settings)
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(RequestMetrics, metrics=inbox.metrics),  # outermost: the time of everything inside
            Middleware(SecurityHeaders),
            # The cookie holds only the session's token; the session itself, its idle timeout and
            # its absolute lifetime are on the server (bot/inbox/sessions.py).
            Middleware(SessionMiddleware, secret_key=session_secret(settings), session_cookie="lotse_session",
                       max_age=int(ABSOLUTE_LIFETIME.total_seconds()), same_site="strict", https_only=secure),
        ],
        exception_handlers={404: not_found},
    )
    app.state.inbox = inbox
    return app
