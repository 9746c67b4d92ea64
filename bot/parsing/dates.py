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
from bot.parsing.calendars import read_other_calendar
from bot.parsing.text import clean, fold

OLDEST_AGE = 110


# Month names people use that CLDR's languages do not list: Levantine and Iraqi Arabic (كانون
# الثاني …), Kurmanji as written in Syria and Iraq, and common Latin transliterations.
_MORE_MONTH_LOCALES = ("ar_SY", "ar_IQ", "fa_AF")
_MORE_MONTH_NAMES: dict[int, tuple[str, ...]] = {
    1: ("kanuna pasin", "kanûna paşîn", "çile", "kanun el thani", "kanoon thani"),
    2: ("sibat", "sobat", "shubat", "febraayo"),
    3: ("adar", "azar", "maarso"),
    4: ("nisan", "abriil"),
    5: ("gulan", "ayar", "maajo", "mayis"),
    6: ("heziran", "haziran", "huzeyran"),
    7: ("tirmeh", "temuz", "tammuz", "luuliyo", "تەمموز"),
    8: ("tebax", "ab", "aab", "agoosto", "ogos"),
    9: ("ilon", "eylul", "aylul", "sebteembar"),
    10: ("cotmeh", "çiriya pêşîn", "tishrin awal", "oktoobar"),
    11: ("mijdar", "çiriya paşîn", "tishrin thani", "nofeembar", "noofeembar"),
    12: ("berfanbar", "kanûna pêşîn", "kanuna pesin", "kanun awal", "diseembar", "desembar"),
}
# "month 9 of 2015": a month named by its number after a word for "month".
_MONTH_NUMBER = re.compile(r"(?:شهر|ماه|مانگ|مانگی|میاشت|month|monat|mois|месяц\w*|місяц\w*|mangi|mang|bish\w*|"
                           r"ayı|ayında|ወርሒ|meh|heyv)\s*(?:ی|ê|a)?\s*(\d{1,2})(?!\d)", re.IGNORECASE)
_ORDINAL_SUFFIX = r"(?:st|nd|rd|th|er|re|e|eme|ème|ê|an|aad|ی|ه|ته|\.|-?го|-?е)?"


@lru_cache(maxsize=1)
def _month_patterns() -> tuple[tuple[re.Pattern[str], int, int], ...]:
    """(pattern, month, length) for every month name in every supported language and the forms
    people add to it: case endings (березні, марте), Arabic-script proclitics (بأيلول), suffixes
    (Sibatê, ئازاری). Short names must stand alone."""
    names: dict[str, int] = {}
    locales = (*SUPPORTED_LANGUAGES, *_MORE_MONTH_LOCALES)
    for locale in locales:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in get_month_names(width, context, locale=locale).items():
                    names.setdefault(fold(name), number)
    for number, extra in _MORE_MONTH_NAMES.items():
        for name in extra:
            names.setdefault(fold(name), number)
    patterns = []
    for key, number in names.items():
        if len(key) < 2 or key.isdigit():
            continue
        words = [_word_pattern(word) for word in key.split()]
        pattern = re.compile(r"(?<!\w)(?:ب|و|ل|من|فی|د)?" + r"\s+".join(words) + r"(?!\w)")
        patterns.append((pattern, number, len(key)))
    return tuple(sorted(patterns, key=lambda item: -item[2]))


def _word_pattern(word: str) -> str:
    """A month word with the endings people add: long words by their stem, short ones whole."""
    if len(word) <= 4:
        return re.escape(word) + r"(?:ی|ê|e|a|i)?"
    stem = word[: max(3, len(word) - 2)] if len(word) >= 6 else word[:-1]
    return re.escape(stem) + r"\w{0,4}"


def month_named(text: str) -> tuple[int, str] | None:
    """The month a text names, and the text without it; the longest name wins."""
    folded = fold(text)
    for pattern, number, _ in _month_patterns():
        if match := pattern.search(folded):
            return number, folded[: match.start()] + " " + folded[match.end():]
    return None


_NUMERIC_DMY = re.compile(r"\b(\d{1,2})\s*[./\-]\s*(\d{1,2})\s*[./\-]\s*(\d{4}|\d{2})\b")
_NUMERIC_YMD = re.compile(r"\b(\d{4})\s*[./\-]\s*(\d{1,2})\s*[./\-]\s*(\d{1,2})\b")
_NUMERIC_YM = re.compile(r"\b(\d{4})\s*[./\-]\s*(\d{1,2})\b")
_NUMERIC_MY = re.compile(r"\b(\d{1,2})\s*[./\-]\s*(\d{4})\b")
_YEAR = re.compile(r"(?<!\d)(1[89]\d{2}|2[01]\d{2})(?!\d)")
_NUMBER = re.compile(r"\b(\d{1,3})\b")
_SMALL_NUMBER = re.compile(r"(?<!\d)(\d{1,2})(?!\d)" + _ORDINAL_SUFFIX)


@dataclass(frozen=True)
class PartialDate:
    year: int
    month: int | None = None
    day: int | None = None
    # Read in another calendar (Solar Hijri, Ethiopian): to be confirmed before it is stored.
    calendar: str | None = None

    def iso(self) -> str:
        if self.day is not None and self.month is not None:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.month is not None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}"

    @property
    def earliest(self) -> datetime.date:
        return datetime.date(self.year, self.month or 1, self.day or 1)


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
    if converted := read_other_calendar(value):
        return _checked(PartialDate(converted.year, converted.month, converted.day, converted.calendar))
    if match := _NUMERIC_YMD.search(value):
        year, month, day = (int(g) for g in match.groups())
        return _checked(PartialDate(year, month, day))
    if match := _NUMERIC_DMY.search(value):
        day_text, month_text, year_text = match.groups()
        year = int(year_text) if len(year_text) == 4 else _two_digit_year(int(year_text), today)
        return _checked(PartialDate(year, int(month_text), int(day_text)))
    if match := _NUMERIC_YM.search(value):  # 2021-11, as a confirmed month comes back
        return _checked(PartialDate(int(match.group(1)), int(match.group(2))))
    if match := _NUMERIC_MY.search(value):
        month, year = int(match.group(1)), int(match.group(2))
        return _checked(PartialDate(year, month))
    return _with_words(value, today)


# "last year", "this year": people say when they came rather than the year's number.
_RELATIVE_YEARS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (-1, ("letztes jahr", "letzten jahr", "vorletztes", "last year", "السنه الماضیه", "السنه اللی فاتت", "العام الماضی",
          "پارسال", "سال گذشته", "سال پیش", "پروسږکال", "تیر کال", "par", "sala bori", "پار", "ساڵی رابردوو",
          "sanadkii hore", "sanadkii la soo dhaafay", "gecen yil", "geçen yıl", "gectigimiz yil", "geçtiğimiz yıl",
          "минулого року", "минулому році",
          "в прошлом году", "прошлого года", "l annee derniere", "l an dernier", "ዝሓለፈ ዓመት", "ኣብ ዝሓለፈ ዓመት")),
    (0, ("dieses jahr", "diesem jahr", "this year", "هذه السنه", "هالسنه", "هذا العام", "امسال", "سږکال", "isal",
         "ئەمساڵ", "sanadkan", "bu yil", "bu yıl", "цього року", "этого года", "в этом году", "cette annee", "ሎሚ ዓመት", "እዚ ዓመት")),
)


def _relative_year(folded: str, today: datetime.date) -> int | None:
    for offset, phrases in _RELATIVE_YEARS:
        if any(re.search(rf"(?<!\w){re.escape(fold(phrase))}(?!\w)", folded) for phrase in phrases):
            return today.year + offset
    return None


def _with_words(value: str, today: datetime.date) -> PartialDate | None:
    """A date with the month in words ("3 آذار 1999", "15 ноября 85 года") or as "month 9"."""
    named = month_named(value)
    month, rest = named if named else (None, fold(value))
    if month is None and (number := _MONTH_NUMBER.search(fold(value))):
        month, rest = int(number.group(1)), rest[: number.start()] + " " + rest[number.end():]
        if not 1 <= month <= 12:
            return None
    year_match = _YEAR.search(rest)
    if year_match:
        year = int(year_match.group(1))
        rest = rest[: year_match.start()] + " " + rest[year_match.end():]
    elif (relative := _relative_year(rest, today)) is not None:
        year = relative
    elif month is not None and (small := [int(n) for n in _SMALL_NUMBER.findall(rest)]):
        # "17 feb 91": with a month named, a last number of two digits is the year.
        year = _two_digit_year(small.pop(), today)
        rest = " ".join(str(n) for n in small)
    else:
        return None
    if month is None:
        return PartialDate(year)
    day = next((int(n) for n in _SMALL_NUMBER.findall(rest) if 1 <= int(n) <= 31), None)
    return _checked(PartialDate(year, month, day))


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
