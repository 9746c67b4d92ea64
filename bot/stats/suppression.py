"""Small-count suppression for figures that leave the house (exports): a count of 1 to 4 could
point at a person in a small municipality or language group, so it is shown as "<5"."""
from __future__ import annotations

THRESHOLD = 5


def suppress(count: int | None) -> int | str | None:
    if count is None or count == 0 or count >= THRESHOLD:
        return count
    return f"<{THRESHOLD}"
