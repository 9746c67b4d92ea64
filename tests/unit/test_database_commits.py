"""When commits wait for the disk (bot/db/session.py, decision 12): always, except the gateway's
many small ones; a durable session always does."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from bot.db import Database

FULL, NORMAL = 2, 1  # SQLite's values of PRAGMA synchronous


def synchronous(database: Database, durable: bool = False) -> int:
    with database.session(durable=durable) as session:
        return int(session.execute(text("PRAGMA synchronous")).scalar_one())


def test_commits_wait_for_the_disk_by_default(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'app.db'}")
    assert synchronous(database) == FULL
    assert synchronous(database, durable=True) == FULL


def test_the_gateways_commits_do_not_wait_but_durable_ones_do(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'app.db'}", commits_wait_for_disk=False)
    assert synchronous(database) == NORMAL
    assert synchronous(database, durable=True) == FULL
    assert synchronous(database) == NORMAL  # the durable engine's setting does not leak
