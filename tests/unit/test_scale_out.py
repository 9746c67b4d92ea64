"""`lotse run` refuses several workers on SQLite, and several Rasa servers without a lock store,
in one line, before it starts anything (decision 16)."""
from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import Settings
from bot.scale_out import refusal

PG = "postgresql+psycopg://lotse@db/lotse"
REDIS = "redis://cache:6379/0"


def settings(tmp_path: Path, **values: object) -> Settings:
    return dataclasses.replace(Settings(var_dir=tmp_path), **values)


def test_one_worker_of_each_runs_on_sqlite(tmp_path: Path) -> None:
    assert refusal(settings(tmp_path)) is None


@pytest.mark.parametrize(("values", "reason"), [
    ({"rasa_workers": 2}, "DATABASE_URL is SQLite"),
    ({"action_workers": 2}, "DATABASE_URL is SQLite"),
    ({"rasa_workers": 2, "database_url": PG, "lock_store_url": REDIS}, "LOTSE_TRACKER_STORE_URL is SQLite"),
    ({"action_workers": 3, "database_url": PG}, "LOTSE_TRACKER_STORE_URL is SQLite"),
    ({"rasa_workers": 2, "database_url": PG, "tracker_store_url": PG}, "needs a lock store"),
])
def test_several_workers_need_postgresql_and_several_rasa_servers_a_lock_store(
        tmp_path: Path, values: dict[str, object], reason: str) -> None:
    why = refusal(settings(tmp_path, **values))
    assert why is not None and reason in why and "\n" not in why


def test_action_servers_on_other_machines_are_named_by_url_and_not_started_by_lotse_run(tmp_path: Path) -> None:
    elsewhere = settings(tmp_path, action_urls="http://actions-0.lotse:5055/, http://actions-1.lotse:5055")
    assert elsewhere.action_server_urls == ["http://actions-0.lotse:5055", "http://actions-1.lotse:5055"]
    why = refusal(elsewhere)
    assert why is not None and "LOTSE_ACTION_URLS" in why
    assert settings(tmp_path, action_workers=2).action_server_urls == ["http://127.0.0.1:5055", "http://127.0.0.1:5056"]


def test_several_workers_run_on_postgresql_with_a_lock_store(tmp_path: Path) -> None:
    assert refusal(settings(tmp_path, rasa_workers=3, action_workers=2, database_url=PG, tracker_store_url=PG,
                            lock_store_url=REDIS)) is None
    # Several action servers, one Rasa: no lock store needed (one Rasa orders its own turns).
    assert refusal(settings(tmp_path, action_workers=2, database_url=PG, tracker_store_url=PG)) is None


def test_lotse_run_says_why_in_one_line_and_starts_nothing(tmp_path: Path) -> None:
    env = {**os.environ, "LOTSE_VAR_DIR": str(tmp_path), "TELEGRAM_BOT_TOKEN": "123:abc", "LOTSE_RASA_WORKERS": "2",
           "DATABASE_URL": "", "LOTSE_TRACKER_STORE_URL": "", "LOTSE_LOCK_STORE_URL": ""}
    result = subprocess.run([sys.executable, "-m", "bot.cli", "run"], env=env, capture_output=True, text=True,
                            stdin=subprocess.DEVNULL, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "lotse: LOTSE_RASA_WORKERS=2 LOTSE_ACTION_WORKERS=1 needs PostgreSQL: DATABASE_URL is SQLite, which takes one "
        "writer at a time; set DATABASE_URL=postgresql+psycopg://… or run one worker of each"]
    assert not (tmp_path / "lotse.db").exists()  # not even migrated


def test_a_number_of_workers_must_be_a_number(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOTSE_ACTION_WORKERS", "two")
    with pytest.raises(ValueError, match="LOTSE_ACTION_WORKERS"):
        Settings()
