"""The endpoints Lotse writes for Rasa: SQLite or PostgreSQL as the tracker store, Redis as the
lock store when set. Checked as written and, for the PostgreSQL and Redis parts, as Rasa 3.6's
own stores read them (SQLAlchemy 1.4 with psycopg2, redis-py), against the throwaway servers."""
from __future__ import annotations

import dataclasses
import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.config import PROJECT_ROOT, Settings
from bot.rasa_model import lock_store_config, write_endpoints
from tests.services import PostgresServer, Server

RASA_PYTHON = PROJECT_ROOT / ".venvs" / "rasa" / "bin" / "python"
STORE = "nlu_data.tracker_store.LotseTrackerStore"


def run_in_rasa(script: str, tmp_path: Path, *args: str) -> dict:
    """Run `script` with the Rasa environment's Python, as Rasa runs: from the project root, where
    the endpoints' tracker store class is found (else Rasa would quietly keep trackers in memory)."""
    path = tmp_path / "check.py"
    path.write_text(script, encoding="utf-8")
    result = subprocess.run([str(RASA_PYTHON), str(path), *args], capture_output=True, text=True, timeout=300,
                            cwd=PROJECT_ROOT, env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def endpoints(tmp_path: Path, **settings: str) -> dict:
    written = write_endpoints(dataclasses.replace(Settings(var_dir=tmp_path), **settings), tmp_path / "endpoints.yml")
    return yaml.safe_load(written.read_text(encoding="utf-8"))


def test_sqlite_and_no_lock_store_by_default(tmp_path: Path) -> None:
    written = endpoints(tmp_path)
    assert written["tracker_store"] == {"type": STORE, "dialect": "sqlite", "db": str(tmp_path / "rasa-tracker.db")}
    assert "lock_store" not in written


def test_postgresql_tracker_store_and_redis_lock_store(tmp_path: Path) -> None:
    written = endpoints(tmp_path, tracker_store_url="postgresql+psycopg://rasa:s%40cret@db.example:5433/tracker?sslmode=require",
                        lock_store_url="redis://:p%40ss@redis.example:6380/2")
    assert written["tracker_store"] == {"type": STORE, "dialect": "postgresql", "db": "tracker", "url": "db.example",
                                        "port": 5433, "username": "rasa", "password": "s@cret",
                                        "query": {"sslmode": "require"}}
    assert written["lock_store"] == {"type": "redis", "url": "redis.example", "port": 6380, "db": 2, "use_ssl": False,
                                     "password": "p@ss"}


def test_lock_store_defaults_and_tls() -> None:
    assert lock_store_config("rediss://cache") == {"type": "redis", "url": "cache", "port": 6379, "db": 0, "use_ssl": True}
    with pytest.raises(ValueError, match="redis://"):
        lock_store_config("http://cache:6379")


RASA_CHECK = """
import asyncio, json, sys, yaml
from rasa.core.lock_store import LockStore
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.core.events import UserUttered
from rasa.utils.endpoints import EndpointConfig
config = yaml.safe_load(open(sys.argv[1]))
async def main():
    store = TrackerStore.create(EndpointConfig.from_dict(config["tracker_store"]), Domain.empty())
    tracker = DialogueStateTracker("telegram:1", [])
    tracker.update(UserUttered("hallo"))
    await store.save(tracker)
    events = (await store.retrieve("telegram:1")).events
    lock_store = LockStore.create(EndpointConfig.from_dict(config["lock_store"]))
    lock = lock_store.issue_ticket("telegram:1")
    print(json.dumps({"store": type(store).__name__, "texts": [e.text for e in events if isinstance(e, UserUttered)],
                      "lock_store": type(lock_store).__name__, "ticket": lock}))
asyncio.run(main())
"""


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="the Rasa environment is not set up (make setup)")
def test_rasa_reads_the_stores_it_is_given(tmp_path: Path, postgres_server: PostgresServer, redis_server: Server) -> None:
    with postgres_server.fresh_database() as url:
        written = tmp_path / "endpoints.yml"
        settings = dataclasses.replace(Settings(var_dir=tmp_path), tracker_store_url=url,
                                       lock_store_url=f"redis://127.0.0.1:{redis_server.port}/1")
        write_endpoints(settings, written)
        seen = run_in_rasa(RASA_CHECK, tmp_path, str(written))
    assert seen == {"store": "LotseTrackerStore", "texts": ["hallo"], "lock_store": "RedisLockStore", "ticket": 0}


KEPT_TRACKERS_CHECK = """
import asyncio, json, sys, yaml
import sqlalchemy as sa
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
config = EndpointConfig.from_dict(yaml.safe_load(open(sys.argv[1]))["tracker_store"])
def texts(tracker):
    return None if tracker is None else [e.text for e in tracker.events if isinstance(e, UserUttered)]
async def main():
    one, other = TrackerStore.create(config, Domain.empty()), TrackerStore.create(config, Domain.empty())
    tracker = DialogueStateTracker("telegram:1", [])
    tracker.update(UserUttered("eins"))
    await one.save(tracker)
    kept = (await one.retrieve("telegram:1")) is tracker
    await one.save(tracker)
    changed = await other.retrieve("telegram:1")  # another Rasa process adds a turn
    changed.update(UserUttered("zwei"))
    await other.save(changed)
    after_other = texts(await one.retrieve("telegram:1"))
    with one.engine.begin() as connection:  # /delete or the retention job
        connection.execute(sa.text("DELETE FROM events"))
    after_delete = texts(await one.retrieve("telegram:1"))
    journal = one.engine.connect().exec_driver_sql("PRAGMA journal_mode").scalar()
    print(json.dumps({"kept": kept, "after_other": after_other, "after_delete": after_delete, "journal": journal}))
asyncio.run(main())
"""


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="the Rasa environment is not set up (make setup)")
def test_rasa_keeps_trackers_only_while_the_database_has_nothing_newer(tmp_path: Path) -> None:
    written = write_endpoints(Settings(var_dir=tmp_path), tmp_path / "endpoints.yml")
    seen = run_in_rasa(KEPT_TRACKERS_CHECK, tmp_path, str(written))
    assert seen == {"kept": True, "after_other": ["eins", "zwei"], "after_delete": None, "journal": "wal"}
