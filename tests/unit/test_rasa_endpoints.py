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
# Our stores (nlu_data/) importable, as `python -m nlu_data.launcher` from the project makes them.
RASA_ENV = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}


TRACKER_STORE = "nlu_data.tracker_store.LotseTrackerStore"
LOCK_STORE = "nlu_data.lock_store.LotseLockStore"


def endpoints(tmp_path: Path, rasa_worker: int = 0, **settings: object) -> dict:
    written = write_endpoints(dataclasses.replace(Settings(var_dir=tmp_path), **settings), tmp_path / "endpoints.yml",
                              rasa_worker)
    return yaml.safe_load(written.read_text(encoding="utf-8"))


def test_sqlite_and_no_lock_store_by_default(tmp_path: Path) -> None:
    written = endpoints(tmp_path)
    assert written["tracker_store"] == {"type": TRACKER_STORE, "dialect": "sqlite", "db": str(tmp_path / "rasa-tracker.db")}
    assert "lock_store" not in written


def test_postgresql_tracker_store_and_redis_lock_store(tmp_path: Path) -> None:
    written = endpoints(tmp_path, tracker_store_url="postgresql+psycopg://rasa:s%40cret@db.example:5433/tracker?sslmode=require",
                        lock_store_url="redis://:p%40ss@redis.example:6380/2")
    assert written["tracker_store"] == {"type": TRACKER_STORE, "dialect": "postgresql", "db": "tracker", "url": "db.example",
                                        "port": 5433, "username": "rasa", "password": "s@cret",
                                        "query": {"sslmode": "require"}}
    assert written["lock_store"] == {"type": LOCK_STORE, "url": "redis.example", "port": 6380, "db": 2, "use_ssl": False,
                                     "password": "p@ss"}


def test_lock_store_defaults_and_tls() -> None:
    assert lock_store_config("rediss://cache") == {"type": LOCK_STORE, "url": "cache", "port": 6379, "db": 0, "use_ssl": True}
    with pytest.raises(ValueError, match="redis://"):
        lock_store_config("http://cache:6379")


def test_each_rasa_worker_calls_its_action_server_and_all_share_the_stores(tmp_path: Path) -> None:
    shared = {"tracker_store_url": "postgresql+psycopg://rasa@db/tracker", "lock_store_url": "redis://cache:6379/1",
              "rasa_workers": 3, "action_workers": 2, "action_port": 6000}
    written = [endpoints(tmp_path, worker, **shared) for worker in range(3)]
    assert [(w["action_endpoint"]["url"], w["nlg"]["url"]) for w in written] == [
        ("http://127.0.0.1:6000/webhook", "http://127.0.0.1:6000/nlg"),
        ("http://127.0.0.1:6001/webhook", "http://127.0.0.1:6001/nlg"),
        ("http://127.0.0.1:6000/webhook", "http://127.0.0.1:6000/nlg"),  # worker i → action server i mod M
    ]
    assert all(w["tracker_store"] == written[0]["tracker_store"] and w["lock_store"] == written[0]["lock_store"]
               for w in written)


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
        script = tmp_path / "check.py"
        script.write_text(RASA_CHECK, encoding="utf-8")
        result = subprocess.run([str(RASA_PYTHON), str(script), str(written)], capture_output=True, text=True, timeout=300,
                                env=RASA_ENV)
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen == {"store": "LotseTrackerStore", "texts": ["hallo"], "lock_store": "LotseLockStore", "ticket": 0}


# Eight threads, as eight Rasa servers, each take one conversation's lock 25 times and, holding
# it, read a counter, wait a moment and write it back: a lost update or two holders at once show.
LOCK_RACE = """
import asyncio, json, sys, threading, time, yaml
from rasa.core.lock_store import LockStore
from rasa.utils.endpoints import EndpointConfig
config = EndpointConfig.from_dict(yaml.safe_load(open(sys.argv[1]))["lock_store"])
state = {"counter": 0, "holding": 0, "most": 0}
def server():
    store = LockStore.create(config)  # a connection of its own, as a separate Rasa process has
    async def turns():
        for _ in range(25):
            async with store.lock("telegram:1", wait_time_in_seconds=0.001):
                state["holding"] += 1
                state["most"] = max(state["most"], state["holding"])
                seen = state["counter"]
                time.sleep(0.001)
                state["counter"] = seen + 1
                state["holding"] -= 1
    asyncio.run(turns())
threads = [threading.Thread(target=server) for _ in range(8)]
[t.start() for t in threads]
[t.join() for t in threads]
print(json.dumps({"counter": state["counter"], "most": state["most"],
                  "left": LockStore.create(config).get_lock("telegram:1") is not None}))
"""


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="the Rasa environment is not set up (make setup)")
def test_one_conversations_lock_is_held_by_one_server_at_a_time(tmp_path: Path, redis_server: Server) -> None:
    """Rasa's own RedisLockStore fails this (two servers get the same ticket); ours must not."""
    written = tmp_path / "endpoints.yml"
    write_endpoints(dataclasses.replace(Settings(var_dir=tmp_path), lock_store_url=f"redis://127.0.0.1:{redis_server.port}/2"),
                    written)
    script = tmp_path / "race.py"
    script.write_text(LOCK_RACE, encoding="utf-8")
    result = subprocess.run([str(RASA_PYTHON), str(script), str(written)], capture_output=True, text=True, timeout=300,
                            env=RASA_ENV)
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"counter": 200, "most": 1, "left": False}


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
    print(json.dumps({"store": type(one).__name__, "kept": kept, "after_other": after_other,
                      "after_delete": after_delete, "journal": journal}))
asyncio.run(main())
"""


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="the Rasa environment is not set up (make setup)")
def test_rasa_keeps_trackers_only_while_the_database_has_nothing_newer(tmp_path: Path) -> None:
    written = write_endpoints(Settings(var_dir=tmp_path), tmp_path / "endpoints.yml")
    script = tmp_path / "kept.py"
    script.write_text(KEPT_TRACKERS_CHECK, encoding="utf-8")
    result = subprocess.run([str(RASA_PYTHON), str(script), str(written)], capture_output=True, text=True, timeout=300,
                            env=RASA_ENV)
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "store": "LotseTrackerStore", "kept": True, "after_other": ["eins", "zwei"], "after_delete": None, "journal": "wal"}
