"""Durations python-telegram-bot 22 gives as an int of seconds, or as a timedelta in later
versions (it warns when the int is read): either way, as seconds."""
from __future__ import annotations

import datetime
import warnings

from telegram.warnings import PTBDeprecationWarning


def seconds_of(telegram_object: object, attribute: str) -> float | None:
    """`telegram_object.attribute` in seconds; None where Telegram gave none."""
    with warnings.catch_warnings():  # both forms are fine here
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = getattr(telegram_object, attribute)
    if value is None:
        return None
    return value.total_seconds() if isinstance(value, datetime.timedelta) else float(value)
