"""Loading gettext catalogs from the .po files in locales/."""
from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

from bot.config import PROJECT_ROOT
from bot.i18n.languages import SUPPORTED_LANGUAGES

LOCALES_DIR = PROJECT_ROOT / "locales"
DOMAIN = "lotse"


class Translator:
    """gettext for one language; falls back to the English msgid when an entry is missing."""

    def __init__(self, language: str, messages: dict[str, str]) -> None:
        self.language = language
        self._messages = messages

    def gettext(self, message: str) -> str:
        return self._messages.get(message) or message


def read_catalog(path: Path) -> dict[str, str]:
    """Translated, non-fuzzy entries of one .po file."""
    with path.open("rb") as handle:
        catalog = read_po(handle)
    return {
        str(message.id): str(message.string)
        for message in catalog
        if message.id and message.string and not message.fuzzy
    }


@cache
def translator(language: str) -> Translator:
    if language not in SUPPORTED_LANGUAGES:
        raise ValueError(f"unsupported language: {language}")
    path = LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    messages = read_catalog(path) if path.exists() and language != "en" else {}
    return Translator(language, messages)
