"""Exports for a date range: aggregate counts (CSV, XLSX) with small counts suppressed, and
the per-case list for the roles that may see cases."""
from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select

from bot.db import Case, Database
from bot.stats.cells import csv_cell, is_formula_like
from bot.stats.report import ReportFilters, Statistics
from bot.stats.tables import Table

CASE_COLUMNS = ("reference", "team", "state", "reason", "language", "municipality_ags", "age", "programmes",
                "created_at", "claimed_at", "first_contact_at", "closed_at")


def aggregates_csv(tables: Sequence[Table], suppressed: bool = True) -> str:
    """Long format, one figure a line (table, row, column, value): easy to pivot for a report."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["tabelle", "zeile", "spalte", "wert"])
    for table in tables:
        for row in table.suppressed() if suppressed else table.rows:
            for header, cell in zip(table.headers[1:], row[1:], strict=True):
                writer.writerow([csv_cell(value) for value in (table.title, row[0], header, "" if cell is None else cell)])
    return out.getvalue()


def aggregates_xlsx(tables: Sequence[Table], filters: ReportFilters) -> bytes:
    """One sheet per table, as on the dashboard."""
    workbook = Workbook()
    if workbook.active is not None:  # a new workbook has one empty sheet
        workbook.remove(workbook.active)
    for table in tables:
        sheet = workbook.create_sheet(table.key[:31])
        sheet.append([table.title])
        sheet.append([f"Zeitraum {filters.date_from:%d.%m.%Y} – {filters.date_to:%d.%m.%Y}; "
                      "Werte von 1 bis 4 als „<5“ angegeben"])
        sheet.append(table.headers)
        for cell in (sheet["A1"], *sheet[3]):
            cell.font = Font(bold=True)
        for row in table.suppressed():
            sheet.append(row)
        for sheet_row in sheet.iter_rows():
            for cell in sheet_row:
                if is_formula_like(cell.value):
                    cell.data_type = "s"  # the text as typed, not a formula (bot/stats/cells.py)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def cases_csv(database: Database, statistics: Statistics, filters: ReportFilters) -> str:
    """The cases opened in the range, without names or the handoff text (not needed for reports)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CASE_COLUMNS)
    query = (select(*(getattr(Case, column) for column in CASE_COLUMNS))
             .where(statistics.case_conditions(filters)).order_by(Case.created_at))
    with database.session() as session:
        for row in session.execute(query):
            writer.writerow([csv_cell("|".join(cell) if isinstance(cell, list) else "" if cell is None else cell)
                             for cell in row])
    return out.getvalue()
