"""Dates in the calendars on people's documents: Solar Hijri (Afghan taskeras, Iranian papers)
and Ethiopian (Ethiopia; in Eritrea the Gregorian calendar is usual).

A date is recognised by its form and its year range: a Solar Hijri year is 1300–1409 (1921–2031),
an Ethiopian date carries its era mark ዓ.ም. (E.C.). Converted dates are never stored on sight:
the person confirms the Gregorian date first (actions/questions.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from convertdate import coptic, persian

from bot.parsing.text import clean, fold

# Month names as people write them, folded (bot.parsing.text.fold). Persian (Iran), the Dari and
# Pashto zodiac names used in Afghanistan, Sorani solar names, and Latin transliterations.
SOLAR_HIJRI_MONTHS: dict[int, tuple[str, ...]] = {
    1: ("فروردین", "حمل", "وری", "خاکەلێوە", "farvardin", "farwardin", "hamal"),
    2: ("اردیبهشت", "ثور", "غویی", "غوایی", "گوڵان", "ordibehesht", "sawr", "saur", "sor"),
    3: ("خرداد", "جوزا", "غبرگولی", "جۆزەردان", "khordad", "jawza", "jauza", "jowza"),
    4: ("تیر", "سرطان", "چنگاښ", "چنګاښ", "پووشپەڕ", "tir", "saratan"),
    5: ("مرداد", "امرداد", "اسد", "زمری", "گەلاوێژ", "mordad", "asad"),
    6: ("شهریور", "سنبله", "وږی", "خەرمانان", "shahrivar", "shahrewar", "sonbola", "sunbula", "sunbulah"),
    7: ("مهر", "میزان", "تله", "ڕەزبەر", "mehr", "mizan"),
    8: ("آبان", "عقرب", "لړم", "لرم", "گەڵاڕێزان", "aban", "aqrab", "akrab"),
    9: ("آذر", "قوس", "لیندی", "لیندۍ", "سەرماوەز", "azar", "qaws", "qaus"),
    10: ("دی", "جدی", "مرغومی", "بەفرانبار", "dey", "jadi", "jaddi"),
    11: ("بهمن", "دلو", "سلواغه", "ڕێبەندان", "bahman", "dalw", "dalv"),
    12: ("اسفند", "حوت", "کب", "ڕەشەمێ", "esfand", "hut", "hoot"),
}
# Tigrinya and Amharic spellings; the same names stand for Gregorian months in Eritrea, which is
# why only the era mark makes a date Ethiopian.
ETHIOPIAN_MONTHS: dict[int, tuple[str, ...]] = {
    1: ("መስከረም",), 2: ("ጥቅምቲ", "ጥቅምት"), 3: ("ሕዳር", "ኅዳር", "ህዳር"), 4: ("ታሕሳስ", "ታኅሣሥ", "ታህሳስ"),
    5: ("ጥሪ", "ጥር"), 6: ("ለካቲት", "የካቲት"), 7: ("መጋቢት",), 8: ("ሚያዝያ", "ሚያዚያ"), 9: ("ግንቦት", "ጉንበት"),
    10: ("ሰነ", "ሰኔ"), 11: ("ሓምለ", "ሐምሌ"), 12: ("ነሓሰ", "ነሐሴ"), 13: ("ጳጉሜ", "ጳጉሜን"),
}
_ETHIOPIAN_ERA = re.compile(r"ዓ\s*[./]?\s*ም|\be\s*\.?\s*c\b\.?|ethiopian calendar", re.IGNORECASE)
_SOLAR_HIJRI_YEAR = re.compile(r"(?<!\d)(13\d{2}|140\d)(?!\d)")
_ETHIOPIAN_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20[01]\d)(?!\d)")
_NUMBERS = re.compile(r"(?<!\d)(\d{1,4})(?!\d)")


@dataclass(frozen=True)
class ConvertedDate:
    """A date read in another calendar, in Gregorian terms, with the precision the person gave."""

    year: int
    month: int | None
    day: int | None
    calendar: str  # "solar_hijri" or "ethiopian"


@lru_cache(maxsize=2)
def _month_patterns(calendar: str) -> tuple[tuple[re.Pattern[str], int, int], ...]:
    """(pattern, month, length of the name) for one calendar's month names, compiled once."""
    months = SOLAR_HIJRI_MONTHS if calendar == "solar_hijri" else ETHIOPIAN_MONTHS
    patterns = []
    for number, names in months.items():
        for name in names:
            key = fold(name)
            # Pashto and Dari inflect a final vowel letter (سلواغه → د سلواغې).
            stem = key[:-1] if len(key) >= 4 and key[-1] in "هیاۍېەێ" else key
            # Arabic-script proclitics (ب, و, د) and suffixes (ی, ې, ê …) may stick to the name.
            patterns.append((re.compile(rf"(?<!\w)(?:ب|و|د|ل)?{re.escape(stem)}(?:\w{{0,3}})(?!\w)"), number, len(key)))
    return tuple(patterns)


def _month_in(folded: str, calendar: str) -> int | None:
    """The month named in folded text; the longest name wins."""
    found = [(length, number) for pattern, number, length in _month_patterns(calendar) if pattern.search(folded)]
    return max(found)[1] if found else None


def _day_and_month(numbers: list[int], year_index: int) -> tuple[int | None, int | None]:
    """Day and month from the numbers around the year: y/m/d or d/m/y."""
    rest = numbers[:year_index] + numbers[year_index + 1:]
    if len(rest) >= 2:
        if year_index == 0:  # 1375/05/10
            month, day = rest[0], rest[1]
        else:  # 10/05/1375
            day, month = rest[-2], rest[-1]
        return day, month
    return None, None


def read_other_calendar(text: str) -> ConvertedDate | None:
    """A Solar Hijri or Ethiopian date in the text, converted; None if there is none."""
    value = clean(text)
    folded = fold(value)
    if _ETHIOPIAN_ERA.search(value) and (year_match := _ETHIOPIAN_YEAR.search(value)):
        return _converted(value, folded, year_match, 13, "ethiopian")
    if year_match := _SOLAR_HIJRI_YEAR.search(value):
        return _converted(value, folded, year_match, 12, "solar_hijri")
    return None


def _converted(value: str, folded: str, year_match: re.Match[str], month_count: int,
               calendar: str) -> ConvertedDate | None:
    year = int(year_match.group(1))
    numbers = [int(n) for n in _NUMBERS.findall(value)]
    year_index = numbers.index(year)
    named = _month_in(folded, calendar)
    day: int | None
    month: int | None
    if named is not None:
        others = [n for i, n in enumerate(numbers) if i != year_index and 1 <= n <= 31]
        day, month = (others[0] if others else None), named
    else:
        day, month = _day_and_month(numbers, year_index)
    if month is not None and not 1 <= month <= month_count:
        return None
    if day is not None and not 1 <= day <= (31 if calendar == "solar_hijri" else 30):
        return None
    return to_gregorian(year, month, day, calendar)


def to_gregorian(year: int, month: int | None, day: int | None, calendar: str) -> ConvertedDate:
    """The Gregorian date; for a month alone the Gregorian month of its 15th day; for a year alone
    the Gregorian year most of it falls in."""
    convert = persian.to_gregorian if calendar == "solar_hijri" else _ethiopian_to_gregorian
    if month is None:
        # Solar Hijri N runs from March N+621; Ethiopian N from September N+7: most of it is N+8.
        return ConvertedDate(year + (621 if calendar == "solar_hijri" else 8), None, None, calendar)
    g_year, g_month, g_day = convert(year, month, day or 15)
    return ConvertedDate(g_year, g_month, g_day if day else None, calendar)


def _ethiopian_to_gregorian(year: int, month: int, day: int) -> tuple[int, int, int]:
    # The Ethiopian calendar has the Coptic calendar's months and leap rule, 276 years apart.
    return coptic.to_gregorian(year - 276, month, day)
