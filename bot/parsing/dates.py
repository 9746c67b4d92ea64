"""Dates as people write them: 17.04.2001, 17/4/2001, 2001-04-17, "17 April 2001", "April 2001",
a year alone, or an age ("23", "I am 23 years old").

The result keeps the precision the person gave: "YYYY-MM-DD", "YYYY-MM" or "YYYY" (the intake
record allows all three), so nothing is invented.
"""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from functools import lru_cache

from babel.dates import get_month_names

from bot.i18n.languages import SUPPORTED_LANGUAGES
from bot.parsing import AnswerError
from bot.parsing.text import clean, fold

OLDEST_AGE = 110


@dataclass(frozen=True)
class PartialDate:
    year: int
    month: int | None = None
    day: int | None = None

    def iso(self) -> str:
        if self.day is not None and self.month is not None:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.month is not None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}"

    @property
    def earliest(self) -> datetime.date:
        return datetime.date(self.year, self.month or 1, self.day or 1)


@lru_cache(maxsize=1)
def _month_words() -> dict[str, int]:
    """Month names and abbreviations in every supported language, in both grammatical contexts."""
    words: dict[str, int] = {}
    for language in SUPPORTED_LANGUAGES:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in get_month_names(width, context, locale=language).items():
                    key = fold(name)
                    if len(key) >= 3:
                        words.setdefault(key, number)
    return words


_NUMERIC_DMY = re.compile(r"\b(\d{1,2})\s*[./\-]\s*(\d{1,2})\s*[./\-]\s*(\d{4}|\d{2})\b")
_NUMERIC_YMD = re.compile(r"\b(\d{4})\s*[./\-]\s*(\d{1,2})\s*[./\-]\s*(\d{1,2})\b")
_NUMERIC_MY = re.compile(r"\b(\d{1,2})\s*[./\-]\s*(\d{4})\b")
_YEAR = re.compile(r"\b(1[89]\d{2}|2[01]\d{2})\b")
# Afghans and Iranians often know their birth year in the Solar Hijri calendar (1375 ≈ 1996).
_SOLAR_HIJRI_YEAR = re.compile(r"\b(13\d{2}|140\d)\b")
SOLAR_HIJRI_OFFSET = 621  # 1 Farvardin falls on 20/21 March: most of year N is year N + 621
_NUMBER = re.compile(r"\b(\d{1,3})\b")


def _two_digit_year(value: int, today: datetime.date) -> int:
    """'01' is 2001 unless that lies in the future, then 1901 (birth dates are in the past)."""
    year = 2000 + value
    return year if year <= today.year else 1900 + value


def _checked(date: PartialDate) -> PartialDate:
    try:
        datetime.date(date.year, date.month or 1, date.day or 1)
    except ValueError as error:
        raise AnswerError("date_invalid") from error
    return date


def parse_partial_date(text: str, today: datetime.date) -> PartialDate | None:
    """Find a full, month-precise or year-only date in the text; None if there is none."""
    value = clean(text)
    if match := _NUMERIC_YMD.search(value):
        year, month, day = (int(g) for g in match.groups())
        return _checked(PartialDate(year, month, day))
    if match := _NUMERIC_DMY.search(value):
        day, month, year_text = match.groups()
        year = int(year_text) if len(year_text) == 4 else _two_digit_year(int(year_text), today)
        return _checked(PartialDate(year, int(month), int(day)))
    if match := _NUMERIC_MY.search(value):
        month, year = int(match.group(1)), int(match.group(2))
        return _checked(PartialDate(year, month))
    year_match = _YEAR.search(value)
    if not year_match:
        hijri = _SOLAR_HIJRI_YEAR.search(value)
        return PartialDate(int(hijri.group(1)) + SOLAR_HIJRI_OFFSET) if hijri else None
    year = int(year_match.group(1))
    month = next((n for word, n in _month_words().items() if re.search(rf"\b{re.escape(word)}\b", fold(value))), None)
    if month is None:
        return PartialDate(year)
    rest = value.replace(year_match.group(0), " ")
    day_match = re.search(r"\b(\d{1,2})\b", rest)
    return _checked(PartialDate(year, month, int(day_match.group(1)) if day_match else None))


@dataclass(frozen=True)
class BirthDateAnswer:
    """A birth date as precise as the person gave it, or an age they stated instead."""

    date: PartialDate | None
    stated_age: int | None = None

    def record_value(self, today: datetime.date) -> str:
        if self.date is not None:
            return self.date.iso()
        # An age alone fixes the year of birth only to one of two years: keep the earlier one,
        # which errs towards the older age, and keep the stated age beside it in the record.
        assert self.stated_age is not None
        return f"{today.year - self.stated_age - 1:04d}"


def parse_birth_date(text: str, today: datetime.date) -> BirthDateAnswer:
    date = parse_partial_date(text, today)
    if date is not None:
        if date.earliest > today:
            raise AnswerError("date_in_future")
        if date.year < today.year - OLDEST_AGE:
            raise AnswerError("age_implausible")
        return BirthDateAnswer(date)
    number = _NUMBER.search(clean(text))
    if number:
        age = int(number.group(1))
        if age > OLDEST_AGE:
            raise AnswerError("age_implausible")
        if age < 1:
            raise AnswerError("date_unparsed")
        return BirthDateAnswer(None, stated_age=age)
    raise AnswerError("date_unparsed")
