"""The dashboard in a real browser (Debian's chromium via Playwright): a coordinator signs in
and sees the charts with their tables. Needs no Rasa: only the web app runs, with uvicorn in a
thread, on a temporary SQLite database filled with demo data.

The screenshot it saves, docs/screenshots/dashboard.png, is the one the docs show.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from bot.config import PROJECT_ROOT, Settings
from bot.db import Database, migrate
from bot.deployment import load_deployment
from bot.inbox.accounts import Accounts
from bot.stats.demo import DemoData
from bot.web.app import build_app
from tests.e2e.browser import chromium
from tests.e2e.fake_telegram import free_port

PASSWORD = "coordinator password"
SCREENSHOT = PROJECT_ROOT / "docs" / "screenshots" / "dashboard.png"


@pytest.fixture()
def web_url(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    settings = Settings(var_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'app.db'}",
                        deployment_file=PROJECT_ROOT / "config" / "deployment.yml", web_port=port)
    migrate(settings.app_database_url)
    database = Database(settings.app_database_url)
    DemoData(database, load_deployment(settings.deployment_file), seed=7).generate(2000)
    Accounts(database).add("cora", "Cora Koordination", "coordinator", PASSWORD)
    server = uvicorn.Server(uvicorn.Config(build_app(settings), host="127.0.0.1", port=port,
                                           log_level="warning", ws="none"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the web app did not start"
    yield settings.web_url
    server.should_exit = True
    thread.join(timeout=10)


def test_coordinator_sees_charts_and_tables(web_url: str) -> None:
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        page.goto(f"{web_url}/login?next=/dashboard")
        page.fill("input[name=login]", "cora")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{web_url}/dashboard")
        panels = page.locator("section.panel")
        assert panels.count() >= 12
        for index in range(panels.count()):
            panel = panels.nth(index)
            assert panel.locator("svg title").count() == 1
            assert panel.locator("table th[scope=col]").count() >= 2
        # The charts are drawn: the monthly bars have a width, the weekly lines have points.
        widths = page.locator("#volume_month svg rect").evaluate_all("rects => rects.map(r => r.getBBox().width)")
        assert max(widths) > 100
        assert page.locator("#volume_week polyline").count() == 3
        funnel = page.locator("#funnel table tbody tr")
        assert funnel.count() == 7 and funnel.first.locator("th").inner_text() == "erste Nachricht"
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)
