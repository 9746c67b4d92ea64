"""Languages, translated texts and locale formatting.

Texts live once, in gettext catalogs (`locales/<lang>/LC_MESSAGES/lotse.po`) whose msgids are
the English source texts. The catalogs are read straight from the .po files, so there is no
compiled .mo file that could go stale.
"""
from __future__ import annotations

from bot.i18n.catalog import Translator, translator
from bot.i18n.languages import (
    DEFAULT_LANGUAGE,
    RTL_LANGUAGES,
    SUPPORTED_LANGUAGES,
    conversation_language,
    language_name,
    normalise_language_code,
)
from bot.i18n.text import bidi_safe, format_date_for, format_month_for, isolate, localise

__all__ = [
    "DEFAULT_LANGUAGE",
    "RTL_LANGUAGES",
    "SUPPORTED_LANGUAGES",
    "Translator",
    "bidi_safe",
    "conversation_language",
    "format_date_for",
    "format_month_for",
    "isolate",
    "language_name",
    "localise",
    "normalise_language_code",
    "translator",
]
