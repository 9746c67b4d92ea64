"""`lotse retention run [--dry-run]`: delete what has been kept long enough, and say how much."""
from __future__ import annotations

import argparse

from bot.config import load_settings
from bot.db import migrate
from bot.privacy.retention import run_retention

KIND_LABELS = {
    "closed_case": "people whose case was closed long enough ago",
    "incomplete_intake": "people with an intake never completed",
    "no_consent": "conversations without consent",
}


def _run(args: argparse.Namespace) -> int:
    settings = load_settings()
    migrate(settings.app_database_url)
    report = run_retention(settings, dry_run=args.dry_run)
    verb = "due" if report.dry_run else "deleted"
    for kind, count in report.people.items():
        print(f"{KIND_LABELS[kind]}: {count} {verb}")
    print(f"audit log entries: {report.audit_entries} {verb}")
    for table, count in sorted(report.rows.items()):
        if count:
            print(f"  rows of {table}: {count}")
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    retention = commands.add_parser("retention", help="delete personal data past its retention period")
    actions = retention.add_subparsers(dest="retention_command", required=True)
    run = actions.add_parser("run", help="delete what is due now (the periods are in the deployment file)")
    run.add_argument("--dry-run", action="store_true", help="only count what is due; delete nothing")
    run.set_defaults(func=_run)
