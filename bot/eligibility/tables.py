"""Versioned reference tables (country lists with effective dates).

A table answers "which entry, if any, is in force for this code on this day?".
Lookups go through a per-day snapshot so that evaluating many profiles on the same
day is one dict lookup per question.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .model import Source

_SNAPSHOT_LIMIT = 256  # distinct evaluation days kept; a bot uses "today" almost always


@dataclass(frozen=True)
class TableEntry:
    code: str
    valid_from: date
    valid_to: date | None
    uncertain: str | None
    source: Source

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class ReferenceTable:
    def __init__(self, table_id: str, name: str, entries: tuple[TableEntry, ...]):
        self.id = table_id
        self.name = name
        self.entries = entries
        self._snapshots: dict[date, dict[str, TableEntry]] = {}

    def entry(self, code: str, day: date) -> TableEntry | None:
        snapshot = self._snapshots.get(day)
        if snapshot is None:
            if len(self._snapshots) >= _SNAPSHOT_LIMIT:
                self._snapshots.clear()
            snapshot = {e.code: e for e in self.entries if e.covers(day)}
            self._snapshots[day] = snapshot
        return snapshot.get(code)
