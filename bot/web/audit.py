"""The audit log for admins: who looked at or changed what, when, and on which case."""
from __future__ import annotations

import datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.inbox.audit import AuditQuery
from bot.web.auth import ADMIN_ROLES, ONLY_ADMINS, requires_role, signed_in
from bot.web.services import InboxServices


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
@requires_role(*ADMIN_ROLES, refusal=ONLY_ADMINS)
async def audit_page(services: InboxServices, request: Request) -> Response:
    query = query_of(request)
    entries = await services.run(services.audit.search, query)
    await services.run(services.audit.record, request.state.account.login, "view_audit", query.case_id or None)
    return services.page(request, "audit.html", entries=entries, query=query)


ROUTES = [Route("/audit", audit_page)]
