"""The reminders' idea of now, and of night.

Tests move time through a file (`LOTSE_CLOCK_FILE`, an ISO 8601 time): the gateway, a separate
process, then schedules and sends as if it were that moment.
"""
from __future__ import annotations

import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.db.models import utcnow

# No reminder from 20:00 until 09:00 local time: a message in the night wakes people, and one
# late in the evening is a worry taken to bed.
NIGHT_FROM = datetime.time(20)
MORNING = datetime.time(9)


class Clock:
    def __init__(self, clock_file: str = "") -> None:
        self.file = Path(clock_file) if clock_file else None

    def now(self) -> datetime.datetime:
        if self.file is None:
            return utcnow()
        moment = datetime.datetime.fromisoformat(self.file.read_text(encoding="utf-8").strip())
        return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def daytime(moment: datetime.datetime, zone: ZoneInfo) -> datetime.datetime:
    """`moment`, or, when it falls in the night in `zone`, the next morning at 09:00."""
    local = moment.astimezone(zone)
    if MORNING <= local.time() < NIGHT_FROM:
        return moment
    day = local.date() + datetime.timedelta(days=1 if local.time() >= NIGHT_FROM else 0)
    return datetime.datetime.combine(day, MORNING, tzinfo=zone).astimezone(datetime.UTC)
