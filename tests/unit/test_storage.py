"""The application database: migrations match the models; intakes export in the record format."""
from __future__ import annotations

import csv
import datetime
import io
import json
import subprocess
import sys

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.db import Base, Database, migrate
from bot.intake.consent import consent_record
from bot.intake.store import IntakeStore

CONSENTED = consent_record({"consent": "yes", "consent_statistics": "yes"}, "ar", datetime.datetime(2026, 11, 22))


def test_migrations_create_exactly_the_models(database_url: str) -> None:
    database = Database(database_url)
    migrate(database.url)
    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == [], f"models and migrations differ; add a migration: {differences}"


def _store_two_intakes(url: str) -> None:
    migrate(url)
    store = IntakeStore(Database(url))
    store.save_answers("telegram:1", "telegram", {"language": "ar", "first_name": "Amal", "birth_date": "2001",
                                                   "municipality": {"ags": "05170024", "name": "Moers"}}, CONSENTED)
    store.complete("telegram:1")
    store.save_answers("console:2", "console", {"language": "de", "first_name": "Jonas",
                                                 "residence_status": "unknown"}, CONSENTED)
    store.save_answers("console:3", "console", {"language": "de", "first_name": "Never"}, None)


def _export(url: str, fmt: str) -> str:
    result = subprocess.run([sys.executable, "-m", "bot.cli", "intakes", "export", "--format", fmt],
                            env={"DATABASE_URL": url, "PATH": "/usr/bin:/bin"}, capture_output=True, text=True, check=True)
    return result.stdout


def test_export_jsonl_in_the_intake_record_format(database_url: str) -> None:
    url = database_url
    _store_two_intakes(url)
    records = [json.loads(line) for line in _export(url, "jsonl").splitlines()]
    assert len(records) == 2  # nothing was stored without consent
    amal = next(r for r in records if r["first_name"] == "Amal")
    assert amal["status"] == "completed" and amal["completed_at"].endswith("Z")
    assert amal["municipality"] == {"ags": "05170024", "name": "Moers"}
    assert amal["birth_date"] == "2001" and amal["language"] == "ar" and amal["channel"] == "telegram"
    assert amal["consent"]["processing"] is True and amal["consent"]["version"]
    assert amal["id"] != "telegram:1"  # a stable id of its own, not the Telegram id
    jonas = next(r for r in records if r["first_name"] == "Jonas")
    assert jonas["residence_status"] == "unknown" and jonas["status"] == "started" and jonas["municipality"] is None


def test_export_csv_has_one_row_per_intake_and_flat_columns(database_url: str) -> None:
    url = database_url
    _store_two_intakes(url)
    rows = list(csv.DictReader(io.StringIO(_export(url, "csv"))))
    assert len(rows) == 2
    assert {"id", "municipality.ags", "consent.processing", "birth_date"} <= set(rows[0])
    assert {row["municipality.ags"] for row in rows} == {"05170024", ""}
