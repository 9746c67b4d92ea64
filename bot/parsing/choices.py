"""The conversation language typed instead of pressed ("Deutsch bitte", "فارسی", "de")."""
from __future__ import annotations

from bot.i18n.languages import SUPPORTED_LANGUAGES
from bot.parsing import AnswerError
from bot.parsing.spoken import parse_spoken_languages
from bot.parsing.text import fold


def parse_language(text: str) -> str:
    """The first language named in the text that Lotse speaks."""
    folded = fold(text)
    if folded in SUPPORTED_LANGUAGES:
        return folded
    try:
        named = parse_spoken_languages(text)
    except AnswerError:
        named = []
    for code in named:
        if code in SUPPORTED_LANGUAGES:
            return code
    raise AnswerError("language_unknown")
