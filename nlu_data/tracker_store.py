"""Rasa's SQL tracker store, made fit for many conversations at once (decision 12).

- **SQLite in write-ahead-log mode.** Rasa opens an SQLite tracker database in its default
  rollback-journal mode, where a commit waits for several writes to reach the disk (about 18 ms
  on our machine), and Rasa's SQL tracker store commits on its event loop: every conversation
  waited for every other one's save. In WAL mode a commit costs about 1 ms with the same
  durability (`synchronous=FULL`: a saved turn survives a crash of the process or the machine).
  SQLAlchemy 1.4 also opened and closed a connection per session for SQLite files, and closing
  the last one checkpoints the log every time; here connections stay in a pool.
- **Trackers kept between turns.** Rasa loads a conversation's events and replays them into a
  tracker on every turn. Here the tracker as last saved is kept in memory (the most recently
  active conversations) and used again while the database holds no newer event for that
  conversation: one indexed `max(id)` instead of loading and replaying everything. Another Rasa
  process, a deletion or the retention job changes that id, and the tracker is loaded afresh.
- **New events known, not counted.** To find a turn's new events, Rasa counts the conversation's
  stored events on every save (a query over all of them). A tracker handed out from memory
  knows how many of its events are stored: the ones it had when it was last saved. They are
  stored in one INSERT, and the newest id is read in the same transaction (decision 25).

Runs in the Rasa environment (`type: nlu_data.tracker_store.LotseTrackerStore` in the endpoints,
written by bot/rasa_model.py); imports only rasa and SQLAlchemy.
"""
from __future__ import annotations

import collections
import itertools
import json
import os
from collections.abc import Iterator
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy import bindparam, create_engine, event, func, select
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import QueuePool

# How many conversations' trackers stay in memory (a long intake's tracker is a few hundred kB).
CACHE_SIZE = int(os.environ.get("LOTSE_TRACKER_CACHE_SIZE", "500"))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    # Another Rasa process or `lotse` command writing at the same moment: wait, do not fail.
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _event_row(sender_id: str, event: Event) -> dict[str, Any]:
    """An event as Rasa's SQLTrackerStore.save stores it."""
    data = event.as_dict()
    return {"sender_id": sender_id, "type_name": event.type_name, "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"), "data": json.dumps(data)}


class LotseTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            url = self.engine.url
            self.engine.dispose()
            # Rasa's sessions run on its event loop's thread; a pooled connection may be handed
            # to another thread only when the previous one has returned it.
            self.engine = create_engine(url, poolclass=QueuePool, connect_args={"check_same_thread": False})
            event.listen(self.engine, "connect", _sqlite_pragmas)
            self.sessionmaker = sessionmaker(bind=self.engine)
        # Run twice a turn: built once, a Core statement on a connection (building it and running
        # it through an ORM session cost several times more than the query, decision 26).
        events = self.SQLEvent.__table__
        self._newest = select(func.max(events.c.id)).where(events.c.sender_id == bindparam("sender"))
        self._insert = events.insert()
        # sender id -> (tracker as saved, id of the sender's newest stored event then)
        self._kept: collections.OrderedDict[str, tuple[DialogueStateTracker, int | None]] = collections.OrderedDict()
        # sender id -> (tracker handed out from memory, how many of its events are stored)
        self._lent: dict[str, tuple[DialogueStateTracker, int]] = {}

    def _newest_event_id(self, connection: Any, sender_id: str) -> int | None:
        return connection.execute(self._newest, {"sender": sender_id}).scalar()

    def _is_current(self, kept: tuple[DialogueStateTracker, int | None], sender_id: str) -> bool:
        """Whether a kept tracker still holds every stored event of its conversation."""
        if kept[1] is None:
            return False
        with self.engine.connect() as connection:
            return kept[1] == self._newest_event_id(connection, sender_id)

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        # Taken out while in use: a turn that fails before saving leaves nothing half-changed here.
        kept = self._kept.pop(sender_id, None)
        self._lent.pop(sender_id, None)
        if kept is not None and self._is_current(kept, sender_id):
            self._lent[sender_id] = (kept[0], len(kept[0].events))
            return kept[0]
        return await super().retrieve(sender_id)

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator[Event]:
        lent = self._lent.pop(tracker.sender_id, None)
        if lent is not None and lent[0] is tracker:
            return itertools.islice(tracker.events, lent[1], None)
        return super()._additional_events(session, tracker)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Rasa 3.6's save (the same rows), with the turn's new events in one INSERT instead of an
        ORM flush per event, and the conversation's newest event id read in the same transaction
        instead of one of its own."""
        await self.stream_events(tracker)
        with self.session_scope() as session:
            rows = [_event_row(tracker.sender_id, e) for e in self._additional_events(session, tracker)]
            if rows:
                session.execute(self._insert, rows)
            newest = self._newest_event_id(session, tracker.sender_id)
            session.commit()
        # Loaded afresh, a tracker holds only its latest session's events; one that started a new
        # session in memory holds more, so it is not kept.
        if any(isinstance(e, SessionStarted) for e in itertools.islice(tracker.events, 2, None)):
            self._kept.pop(tracker.sender_id, None)
            return
        self._kept[tracker.sender_id] = (tracker, newest)
        self._kept.move_to_end(tracker.sender_id)
        while len(self._kept) > CACHE_SIZE:
            self._kept.popitem(last=False)
