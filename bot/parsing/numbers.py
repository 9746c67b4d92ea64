"""Small whole numbers (years at school) and phone numbers."""
from __future__ import annotations

import re

from bot.parsing import AnswerError
from bot.parsing.text import clean

_NUMBER = re.compile(r"\b(\d{1,3})\b")
_PHONE_CHARS = re.compile(r"[\s\-/().]")


def parse_count(text: str, maximum: int) -> int:
    match = _NUMBER.search(clean(text))
    if not match:
        raise AnswerError("number_unparsed")
    value = int(match.group(1))
    if value > maximum:
        raise AnswerError("number_implausible")
    return value


def parse_phone(text: str) -> str:
    """A phone number as digits with an optional leading +; 6 to 15 digits (E.164 allows 15)."""
    value = _PHONE_CHARS.sub("", clean(text))
    value = value.replace("00", "+", 1) if value.startswith("00") else value
    digits = value.removeprefix("+")
    if not digits.isdigit() or not 6 <= len(digits) <= 15:
        raise AnswerError("phone_unparsed")
    return value
