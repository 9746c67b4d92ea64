"""`lotse stats` (the dashboard's figures in the terminal) and `lotse demo-data`."""
from __future__ import annotations

import argparse
import datetime
import json
import sys
import time
from typing import Any

from bot.config import load_settings
from bot.db import Database, migrate
from bot.deployment import load_deployment
from bot.stats.demo import DemoData, RealDataPresent
from bot.stats.export import aggregates_csv
from bot.stats.report import ReportFilters, Statistics
from bot.stats.tables import Table, tables


def _rows(table: Table, suppressed: bool) -> list[list[Any]]:
    return table.suppressed() if suppressed else table.rows


def _print_table(table: Table, suppressed: bool) -> None:
    cells = [table.headers, *([("–" if c is None else str(c)) for c in row] for row in _rows(table, suppressed))]
    widths = [max(len(str(row[i])) for row in cells) for i in range(len(table.headers))]
    print(f"\n{table.title}")
    for row in cells:
        print("  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))))


def _stats(args: argparse.Namespace) -> int:
    settings = load_settings()
    migrate(settings.app_database_url)
    deployment = load_deployment(settings.deployment_file)
    default = ReportFilters.default()
    filters = ReportFilters(args.date_from or default.date_from, args.date_to or default.date_to,
                      team=args.team, programme=args.programme, language=args.language)
    figures = tables(Statistics(Database(settings.app_database_url), deployment).report(filters), deployment)
    if args.format == "json":
        json.dump({t.key: {"title": t.title, "headers": t.headers, "rows": _rows(t, args.suppress)} for t in figures},
                  sys.stdout, ensure_ascii=False, indent=1)
        print()
    elif args.format == "csv":
        sys.stdout.write(aggregates_csv(figures, suppressed=args.suppress))
    else:
        for table in figures:
            _print_table(table, args.suppress)
    return 0


def _demo(args: argparse.Namespace) -> int:
    settings = load_settings()
    migrate(settings.app_database_url)
    started = time.perf_counter()
    try:
        DemoData(Database(settings.app_database_url), load_deployment(settings.deployment_file), args.seed) \
            .generate(args.intakes, force=args.force)
    except RealDataPresent as refused:
        print(f"refused: {refused}", file=sys.stderr)
        return 1
    print(f"{args.intakes} demo intakes in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    stats = commands.add_parser("stats", help="intake volumes, funnel, drop-off and time to first contact")
    stats.add_argument("--from", dest="date_from", type=datetime.date.fromisoformat, help="YYYY-MM-DD (default: a year ago)")
    stats.add_argument("--to", dest="date_to", type=datetime.date.fromisoformat, help="YYYY-MM-DD, inclusive (default: today)")
    stats.add_argument("--format", choices=("table", "csv", "json"), default="table")
    stats.add_argument("--team", default="")
    stats.add_argument("--programme", default="")
    stats.add_argument("--language", default="")
    stats.add_argument("--suppress", action="store_true", help='show counts of 1 to 4 as "<5", as the exports do')
    stats.set_defaults(func=_stats)
    demo = commands.add_parser("demo-data", help="fill the database with generated intakes (channel 'demo')")
    demo.add_argument("--intakes", type=int, default=100_000)
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--force", action="store_true", help="also when the database holds real intakes")
    demo.set_defaults(func=_demo)
