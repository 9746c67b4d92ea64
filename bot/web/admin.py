"""Admins' pages: the audit log (who looked at or changed what, when) and the open sessions."""
from __future__ import annotations

import datetime

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.inbox.audit import AuditQuery
from bot.web.app import Inbox, signed_in

ADMIN_ROLES = ("admin",)
ONLY_ADMINS = "Diese Seite sehen nur Administratorinnen und Administratoren."


def _day(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def query_of(request: Request) -> AuditQuery:
    params = request.query_params
    return AuditQuery(actor=params.get("who", "").strip()[:64], action=params.get("what", "").strip()[:32],
                      case_id=params.get("case", "").strip()[:36], date_from=_day(params.get("from", "")),
                      date_to=_day(params.get("to", "")))


@signed_in
async def audit_page(inbox: Inbox, request: Request) -> Response:
    account = request.state.account
    if account.role not in ADMIN_ROLES:
        return inbox.page(request, "error.html", 403, message=ONLY_ADMINS)
    query = query_of(request)
    entries = await inbox.run(inbox.audit.search, query)
    await inbox.run(inbox.audit.record, account.login, "view_audit", query.case_id or None)
    return inbox.page(request, "audit.html", entries=entries, query=query)


@signed_in
async def sessions_page(inbox: Inbox, request: Request) -> Response:
    account = request.state.account
    if account.role not in ADMIN_ROLES:
        return inbox.page(request, "error.html", 403, message=ONLY_ADMINS)
    sessions = await inbox.run(inbox.sessions.listing)
    return inbox.page(request, "sessions.html", sessions=sessions, notice=request.session.pop("notice", None))


@signed_in
async def end_sessions(inbox: Inbox, request: Request) -> Response:
    """End every session of one account (a lost laptop, a colleague who left)."""
    account = request.state.account
    if account.role not in ADMIN_ROLES:
        return inbox.page(request, "error.html", 403, message=ONLY_ADMINS)
    login = str(request.state.form.get("login", "")).strip()[:64]
    ended = await inbox.run(inbox.sessions.end_all, login)
    await inbox.run(inbox.audit.record, account.login, "end_sessions", None, login)
    request.session["notice"] = f"{ended} Sitzung(en) von {login} beendet."
    return RedirectResponse("/sessions", status_code=303)


ROUTES = [Route("/audit", audit_page), Route("/sessions", sessions_page),
          Route("/sessions/end", end_sessions, methods=["POST"])]
