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
from bot.web.auth import ADMIN_ROLES, requires_role, signed_in
from bot.web.charts import bars, lines
from bot.web.services import InboxServices

FIGURE_ROLES = ("coordinator", "admin")
CASE_ROLES = ADMIN_ROLES  # the role that may see cases across teams
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Panel:
    table: Table
    chart: Markup
    folded: bool = False  # long tables (one row a day) start folded


def filters_of(services: InboxServices, request: Request) -> ReportFilters:
    """The filters from the query string; anything unknown or malformed falls back to the default."""
    params, default = request.query_params, ReportFilters.default()

    def day(name: str, fallback: datetime.date) -> datetime.date:
        try:
            return datetime.date.fromisoformat(params.get(name, ""))
        except ValueError:
            return fallback

    date_from, date_to = day("from", default.date_from), day("to", default.date_to)
    deployment = services.deployment
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


async def _figures(services: InboxServices, request: Request) -> tuple[ReportFilters, list[Table]]:
    filters = filters_of(services, request)
    report = await services.run(Statistics(services.database, services.deployment).report, filters)
    return filters, tables(report, services.deployment)


@signed_in
@requires_role(*FIGURE_ROLES, refusal="Die Übersicht ist für die Koordination.")
async def dashboard(services: InboxServices, request: Request) -> Response:
    filters, figures = await _figures(services, request)
    await services.run(services.audit.record, request.state.account.login, "view_dashboard", None, filters.describe())
    panels = [Panel(table, chart_of(table), folded=table.key in ("volume_week", "volume_day")) for table in figures]
    return services.page(request, "dashboard.html", panels=panels, filters=filters, query=request.url.query,
                      may_export_cases=request.state.account.role in CASE_ROLES)


@signed_in
@requires_role(*FIGURE_ROLES, refusal="Die Auswertungen sind für die Koordination.")
async def export_aggregates(services: InboxServices, request: Request) -> Response:
    kind = request.path_params["kind"]
    if kind not in ("csv", "xlsx"):
        raise HTTPException(404)
    filters, figures = await _figures(services, request)
    await services.run(services.audit.record, request.state.account.login, f"export_aggregates_{kind}", None,
                    filters.describe())
    name = f"lotse-auswertung-{filters.date_from}-{filters.date_to}.{kind}"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    if kind == "xlsx":
        return Response(aggregates_xlsx(figures, filters), media_type=XLSX, headers=disposition)
    return Response(aggregates_csv(figures), media_type="text/csv; charset=utf-8", headers=disposition)


@signed_in
@requires_role(*CASE_ROLES, refusal="Die Fallliste dürfen nur Administratorinnen und Administratoren laden.")
async def export_cases(services: InboxServices, request: Request) -> Response:
    filters = filters_of(services, request)
    text = await services.run(cases_csv, services.database, Statistics(services.database, services.deployment), filters)
    await services.run(services.audit.record, request.state.account.login, "export_cases", None, filters.describe())
    name = f"lotse-faelle-{filters.date_from}-{filters.date_to}.csv"
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


ROUTES = [
    Route("/dashboard", dashboard),
    Route("/exports/aggregates.{kind:str}", export_aggregates),
    Route("/exports/cases.csv", export_cases),
]
