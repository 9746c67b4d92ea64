"""Which Rasa server takes a conversation's request, when there are several (decision 16).

A conversation has a home worker, crc32(conversation id) mod N: its turns keep meeting the
tracker that worker keeps in memory (nlu_data/tracker_store.py). A worker that failed lately is
tried last, the others in ring order after the home worker, so a conversation moves to the same
next worker wherever its requests come from. Correctness does not depend on the choice: the
shared tracker store and lock store keep every conversation right on any worker.
"""
from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

# A worker that failed is tried after the others for this long; then it is the home worker again
# for its conversations (a restarted Rasa is back within a minute).
COOL_OFF_SECONDS = 10.0


@dataclass
class RasaWorkers:
    urls: Sequence[str]
    clock: Callable[[], float] = time.monotonic
    _failed_at: dict[str, float] = field(default_factory=dict)
    _answered: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        if not self.urls:
            raise ValueError("no Rasa server to talk to (RASA_URL is empty)")

    def home(self, conversation_id: str) -> int:
        return zlib.crc32(conversation_id.encode()) % len(self.urls)

    def order(self, conversation_id: str) -> list[str]:
        """The workers to try for the conversation: home first, lately failed ones last."""
        start = self.home(conversation_id)
        ring = [*self.urls[start:], *self.urls[:start]]
        now = self.clock()
        return sorted(ring, key=lambda url: now - self._failed_at.get(url, -COOL_OFF_SECONDS * 2) < COOL_OFF_SECONDS)

    def failed(self, url: str) -> None:
        self._failed_at[url] = self.clock()
        self._answered.discard(url)

    def answered(self, url: str) -> None:
        self._failed_at.pop(url, None)
        self._answered.add(url)

    def status(self) -> dict[str, str]:
        """Each worker as its last request found it: up, down, or unknown (not asked yet)."""
        return {url: "up" if url in self._answered else "down" if url in self._failed_at else "unknown"
                for url in self.urls}
