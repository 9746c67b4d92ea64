"""Benchmark the coordinators' dashboard: 100,000 demo intakes on SQLite, page render time.

    .venvs/app/bin/python -m benchmarks.bench_dashboard [--intakes N] [--renders N]

A fresh SQLite database in a temporary directory is filled by `lotse demo-data`'s generator
(timed), then /dashboard is requested through the real Starlette app, signed in as a
coordinator, with the default filters (the last 12 months). The first render is reported on
its own; p50/p95 are over the renders after it.
"""
from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from pathlib import Path

from starlette.testclient import TestClient

from bot.config import PROJECT_ROOT, Settings
from bot.db import Database, migrate
from bot.deployment import load_deployment
from bot.inbox.accounts import Accounts
from bot.stats.demo import DemoData
from bot.web.app import build_app

PASSWORD = "benchmark password"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--intakes", type=int, default=100_000)
    parser.add_argument("--renders", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(var_dir=Path(directory), database_url=f"sqlite:///{directory}/bench.db",
                            deployment_file=PROJECT_ROOT / "config" / "deployment.yml")
        migrate(settings.app_database_url)
        database = Database(settings.app_database_url)
        started = time.perf_counter()
        DemoData(database, load_deployment(settings.deployment_file), seed=1).generate(args.intakes)
        generated = time.perf_counter() - started
        Accounts(database).add("coordinator", "Koordination", "coordinator", PASSWORD)
        client = TestClient(build_app(settings))
        found = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
        assert found is not None, "no CSRF field on the login page"
        token = found.group(1)
        client.post("/login", data={"login": "coordinator", "password": PASSWORD, "csrf": token})
        timings = []
        for _ in range(args.renders + 1):
            started = time.perf_counter()
            response = client.get("/dashboard")
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200 and "<svg" in response.text
    first, rest = timings[0], sorted(timings[1:])
    p95 = rest[min(len(rest) - 1, round(0.95 * (len(rest) - 1)))]
    print(f"demo-data: {args.intakes} intakes in {generated:.1f} s")
    print(f"dashboard: first render {first:.0f} ms; over {len(rest)} renders p50 {statistics.median(rest):.0f} ms, "
          f"p95 {p95:.0f} ms (budget 500 ms)")


if __name__ == "__main__":
    main()
