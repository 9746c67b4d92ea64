"""Closed answers typed instead of pressed: a language by name, yes and no."""
from __future__ import annotations

from functools import lru_cache

from bot.i18n.languages import SUPPORTED_LANGUAGES, language_name
from bot.parsing import AnswerError
from bot.parsing.text import fold

# Names people use that CLDR does not give (or gives differently) for our languages.
_EXTRA_LANGUAGE_NAMES = {
    "dari": "fa", "دری": "fa", "farsi": "fa", "persian": "fa", "kurdish": "ku", "kurdisch": "ku",
    "kurmanci": "ku", "kurmanji": "ku", "kurmancî": "ku", "sorani": "ckb", "سۆرانی": "ckb",
    "کوردی": "ckb", "tigrinya": "ti", "tigrigna": "ti", "ትግርኛ": "ti", "somali": "so",
    "pashto": "ps", "pushto": "ps", "arabic": "ar", "arabisch": "ar", "عربي": "ar",
}


@lru_cache(maxsize=1)
def _language_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for code in SUPPORTED_LANGUAGES:
        names[code] = code
        for in_language in SUPPORTED_LANGUAGES:
            names.setdefault(fold(language_name(code, in_language)), code)
    names.update({fold(name): code for name, code in _EXTRA_LANGUAGE_NAMES.items()})
    return names


def parse_language(text: str) -> str:
    folded = fold(text)
    names = _language_names()
    if folded in names:
        return names[folded]
    # "Deutsch bitte", "in English please": the first word that names a language.
    for word in folded.split():
        if word in names and len(word) > 2:
            return names[word]
    raise AnswerError("language_unknown")
