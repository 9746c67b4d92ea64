"""Languages a person speaks, from names in any of our languages (CLDR, through Babel)."""
from __future__ import annotations

import re
from functools import lru_cache

from babel import Locale

from bot.i18n.languages import SUPPORTED_LANGUAGES
from bot.parsing import AnswerError
from bot.parsing.text import find_phrases, fold

# Names people use that CLDR files under another code, or not at all.
_EXTRA_NAMES = {
    "dari": "fa", "دری": "fa", "farsi": "fa", "persian": "fa", "persisch": "fa", "kurdish": "ku",
    "kurdisch": "ku", "kurdî": "ku", "kurmanci": "ku", "kurmanji": "ku", "kurmancî": "ku",
    "sorani": "ckb", "سۆرانی": "ckb", "کوردی": "ckb", "كردي": "ku", "tigrinya": "ti", "tigrigna": "ti",
    "pashto": "ps", "pushto": "ps", "paschtu": "ps", "arabic": "ar", "arabisch": "ar", "عربي": "ar",
    "عربی": "ar", "englisch": "en", "انجليزي": "en", "انگلیسی": "en", "deutsch": "de", "الماني": "de",
    "ألماني": "de", "آلمانی": "de", "урду": "ur", "urdu": "ur", "tamazight": "ber",
}
# Codes whose CLDR names are too short or too common as words to match safely.
_SKIP_CODES = {"und", "zxx", "mul", "mis"}


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    names: dict[str, str] = {}
    for display in SUPPORTED_LANGUAGES:
        for code, name in Locale.parse(display).languages.items():
            if "_" in code or code in _SKIP_CODES:
                continue
            key = fold(name)
            # Short names match too many words; our own languages' names are always kept
            # (Ge'ez script writes Somali in four letters: ሶማሊ).
            if len(key) >= 4 or code in SUPPORTED_LANGUAGES:
                names.setdefault(key, code)
    names.update({fold(name): code for name, code in _EXTRA_NAMES.items()})
    return names


def language_display_name(code: str, language: str) -> str:
    return Locale.parse(language).languages.get(code, code)


# Arabic, Persian and Kurdish write "and" as a prefix: "والإنجليزية" is "and English".
_AND_PREFIX = re.compile(r"(?:^|(?<=\s))[وو](?=\S{3,})")


def parse_spoken_languages(text: str) -> list[str]:
    """Every language named in the text, in order of mention, without duplicates."""
    codes = list(dict.fromkeys(find_phrases(_AND_PREFIX.sub("", fold(text)), _names())))
    if not codes:
        raise AnswerError("languages_unparsed")
    return codes
