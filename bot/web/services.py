"""What every page of the staff inbox needs, built once per process from the settings."""
from __future__ import annotations

import asyncio
import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from bot.config import Settings
from bot.db import Database
from bot.db.case_states import CaseState
from bot.deployment import load_deployment
from bot.i18n import SUPPORTED_LANGUAGES, language_name
from bot.inbox.accounts import Accounts
from bot.inbox.audit import AuditLog
from bot.inbox.casework import AGE_GROUPS, Casework
from bot.inbox.sessions import Sessions
from bot.privacy import Eraser
from bot.rasa_client import RasaClient
from bot.web.metrics import InboxMetrics
from bot.web.security import CSRF_FIELD, csrf_token

TEMPLATES = Path(__file__).parent / "templates"
STAFF_TIMEZONE = ZoneInfo("Europe/Berlin")


def local_time(value: datetime.datetime, pattern: str = "%d.%m.%Y %H:%M") -> str:
    """A stored UTC time as staff read it (SQLite hands back naive datetimes: they are UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return value.astimezone(STAFF_TIMEZONE).strftime(pattern)


class InboxServices:
    """The inbox's parts over the process's one database: accounts, sessions, casework, audit,
    the Rasa client (for the conversation on a case page), and the page templates."""

    def __init__(self, settings: Settings) -> None:
        database = Database(settings.app_database_url)
        self.settings = settings
        self.database = database
        self.deployment = load_deployment(settings.deployment_file)
        self.accounts = Accounts(database)
        self.audit = AuditLog(database)
        self.sessions = Sessions(database, datetime.timedelta(minutes=settings.session_minutes))
        self.metrics = InboxMetrics(self.sessions)
        self.casework = Casework(database, self.deployment)
        self.rasa = RasaClient(settings.rasa_url, settings.rasa_token)
        self.eraser = Eraser(database, settings.tracker_database_url)
        self.templates = Jinja2Templates(directory=str(TEMPLATES))
        self.templates.env.filters["local"] = local_time
        self.templates.env.filters["state_label"] = lambda state: CaseState(state).label
        self.templates.env.globals.update(
            CaseState=CaseState, language_name=lambda code: language_name(code, "de"),
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
        """Blocking work (SQL) off the event loop."""
        return await asyncio.to_thread(function, *args)


def services_of(request: Request) -> InboxServices:
    services: InboxServices = request.app.state.services
    return services
