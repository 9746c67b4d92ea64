"""Filling translated texts: placeholders, bidi isolation, locale-aware dates."""
from __future__ import annotations

import datetime
import re
import string

from babel.dates import format_date, format_skeleton

from bot.i18n.catalog import translator
from bot.i18n.languages import RTL_LANGUAGES

FIRST_STRONG_ISOLATE = "\u2068"
POP_DIRECTIONAL_ISOLATE = "\u2069"
# A run of Latin letters (with accents: "Beschäftigungsduldung"), digits and "§", with the spaces
# and punctuation inside it ("§ 25 Abs. 2"), or a command ("/delete"). Brackets stay outside,
# so an isolate never holds half a pair.
_LATIN = "A-Za-z\u00c0-\u024f0-9§"
_LATIN_RUN = re.compile(f"/?[{_LATIN}](?:[{_LATIN} .,:/+\\-]*[{_LATIN}])?")


def isolate(value: str) -> str:
    """Wrap a value in a first-strong isolate so it keeps its own direction inside RTL text."""
    return f"{FIRST_STRONG_ISOLATE}{value}{POP_DIRECTIONAL_ISOLATE}"


def _isolate_latin_runs(text: str) -> str:
    """Isolate Latin words and numbers that a translator left in Arabic-script text.

    Text already inside an isolate (our placeholders) is left alone.
    """
    parts = re.split(f"({FIRST_STRONG_ISOLATE}.*?{POP_DIRECTIONAL_ISOLATE})", text)
    return "".join(
        part if part.startswith(FIRST_STRONG_ISOLATE) else _LATIN_RUN.sub(lambda m: isolate(m.group(0)), part)
        for part in parts
    )


def bidi_safe(text: str, language: str) -> str:
    """Text translated elsewhere, made safe to show in a right-to-left language."""
    return _isolate_latin_runs(text) if language in RTL_LANGUAGES else text


def placeholder_names(message: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(message) if name}


def localise(message: str, language: str, /, **values: object) -> str:
    """Translate `message` into `language` and fill its `{placeholders}`.

    In right-to-left languages every filled-in value (a name, a number, a date) is wrapped in a
    bidi isolate, and so are Latin words in the translation (e.g. "Duldung").
    """
    text = translator(language).gettext(message)
    rtl = language in RTL_LANGUAGES
    if values:
        filled = {key: isolate(str(value)) if rtl else str(value) for key, value in values.items()}
        text = text.format_map(_KeepMissing(filled))
    return _isolate_latin_runs(text) if rtl else text


class _KeepMissing(dict):
    """Leaves an unknown placeholder visible instead of raising: a typo must not crash a chat."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def format_date_for(value: datetime.date, language: str) -> str:
    return format_date(value, format="long", locale=language)


def format_month_for(value: datetime.date, language: str) -> str:
    """A month and its year ("July 1996"), as the language writes them."""
    return format_skeleton("yMMMM", value, locale=language)
