"""The coordinators' dashboard and the exports: `/dashboard`, `/exports/aggregates.{csv,xlsx}`
and `/exports/cases.csv`. Every view and export is written to the audit log."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from markupsafe import Markup
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.i18n import SUPPORTED_LANGUAGES
from bot.stats.export import aggregates_csv, aggregates_xlsx, cases_csv
from bot.stats.report import ReportFilters, Statistics
from bot.stats.tables import Table, tables
from bot.web.app import Inbox, signed_in
from bot.web.charts import bars, lines

FIGURE_ROLES = ("coordinator", "admin")
CASE_ROLES = ("admin",)  # the role that may see cases across teams
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Panel:
    table: Table
    chart: Markup
    folded: bool = False  # long tables (one row a day) start folded


def filters_of(inbox: Inbox, request: Request) -> ReportFilters:
    """The filters from the query string; anything unknown or malformed falls back to the default."""
    params, default = request.query_params, ReportFilters.default()

    def day(name: str, fallback: datetime.date) -> datetime.date:
        try:
            return datetime.date.fromisoformat(params.get(name, ""))
        except ValueError:
            return fallback

    date_from, date_to = day("from", default.date_from), day("to", default.date_to)
    deployment = inbox.deployment
    return ReportFilters(
        min(date_from, date_to), max(date_from, date_to),
        team=params.get("team", "") if deployment.team(params.get("team", "")) else "",
        programme=params.get("programme", "") if params.get("programme") in deployment.programmes else "",
        language=params.get("language", "") if params.get("language") in SUPPORTED_LANGUAGES else "",
    )


def chart_of(table: Table) -> Markup:
    labels = [str(row[0]) for row in table.rows]
    if table.key in ("volume_week", "volume_day"):
        return lines(table.title, labels, {h: [row[i + 1] for row in table.rows] for i, h in enumerate(table.headers[1:])})
    if table.key == "first_contact":
        return bars(f"{table.title}: Median", labels, [row[3] for row in table.rows])
    return bars(table.title, labels, [row[1] for row in table.rows])


async def _refuse(inbox: Inbox, request: Request, message: str) -> Response:
    await inbox.run(inbox.audit.record, request.state.account.login, "forbidden", None, request.url.path)
    return inbox.page(request, "error.html", 403, message=message)


async def _figures(inbox: Inbox, request: Request) -> tuple[ReportFilters, list[Table]]:
    filters = filters_of(inbox, request)
    report = await inbox.run(Statistics(inbox.database, inbox.deployment).report, filters)
    return filters, tables(report, inbox.deployment)


@signed_in
async def dashboard(inbox: Inbox, request: Request) -> Response:
    if request.state.account.role not in FIGURE_ROLES:
        return await _refuse(inbox, request, "Die Übersicht ist für die Koordination.")
    filters, figures = await _figures(inbox, request)
    await inbox.run(inbox.audit.record, request.state.account.login, "view_dashboard", None, filters.describe())
    panels = [Panel(table, chart_of(table), folded=table.key in ("volume_week", "volume_day")) for table in figures]
    return inbox.page(request, "dashboard.html", panels=panels, filters=filters, query=request.url.query,
                      may_export_cases=request.state.account.role in CASE_ROLES)


@signed_in
async def export_aggregates(inbox: Inbox, request: Request) -> Response:
    if request.state.account.role not in FIGURE_ROLES:
        return await _refuse(inbox, request, "Die Auswertungen sind für die Koordination.")
    kind = request.path_params["kind"]
    if kind not in ("csv", "xlsx"):
        raise HTTPException(404)
    filters, figures = await _figures(inbox, request)
    await inbox.run(inbox.audit.record, request.state.account.login, f"export_aggregates_{kind}", None,
                    filters.describe())
    name = f"lotse-auswertung-{filters.date_from}-{filters.date_to}.{kind}"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    if kind == "xlsx":
        return Response(aggregates_xlsx(figures, filters), media_type=XLSX, headers=disposition)
    return Response(aggregates_csv(figures), media_type="text/csv; charset=utf-8", headers=disposition)


@signed_in
async def export_cases(inbox: Inbox, request: Request) -> Response:
    if request.state.account.role not in CASE_ROLES:
        return await _refuse(inbox, request, "Die Fallliste dürfen nur Administratorinnen und Administratoren laden.")
    filters = filters_of(inbox, request)
    text = await inbox.run(cases_csv, inbox.database, Statistics(inbox.database, inbox.deployment), filters)
    await inbox.run(inbox.audit.record, request.state.account.login, "export_cases", None, filters.describe())
    name = f"lotse-faelle-{filters.date_from}-{filters.date_to}.csv"
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


ROUTES = [
    Route("/dashboard", dashboard),
    Route("/exports/aggregates.{kind:str}", export_aggregates),
    Route("/exports/cases.csv", export_cases),
]
