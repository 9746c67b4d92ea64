"""The audit log for admins: who looked at or changed what, when, filterable."""
from __future__ import annotations

import datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.inbox.audit import AuditQuery
from bot.web.app import Inbox, signed_in

AUDIT_ROLES = ("admin",)


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
    if account.role not in AUDIT_ROLES:
        return inbox.page(request, "error.html", 403, message="Das Protokoll sehen nur Administratorinnen und Administratoren.")
    query = query_of(request)
    entries = await inbox.run(inbox.audit.search, query)
    await inbox.run(inbox.audit.record, account.login, "view_audit", query.case_id or None)
    return inbox.page(request, "audit.html", entries=entries, query=query)


ROUTES = [Route("/audit", audit_page)]
