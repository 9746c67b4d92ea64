"""A first name from a free-text answer ("My name is Sara", "اسمي أحمد", "Ahmad")."""
from __future__ import annotations

import re

from bot.parsing import AnswerError
from bot.parsing.text import clean

MAX_NAME_LENGTH = 40
MAX_NAME_WORDS = 4

# Lead-ins people write before their name, in the supported languages (lower case).
_LEAD_INS = (
    "my name is", "my first name is", "i am", "i'm", "im", "it's", "call me", "name:",
    "mein name ist", "mein vorname ist", "ich heiße", "ich heisse", "ich bin",
    "je m'appelle", "je m’appelle", "mon prénom est", "mon nom est", "moi c'est",
    "benim adım", "adım", "меня зовут", "моё имя", "мое имя", "мене звати", "моє ім'я",
    "اسمي", "انا اسمي", "أنا اسمي", "اسم من", "اسمم", "نام من", "زما نوم", "نوم می",
    "navê min", "ناوم", "ناوی من", "ስመይ", "magacaygu waa", "magacaygu", "magacayga waa",
)
_LEAD_IN = re.compile(
    r"^(?:" + "|".join(re.escape(p) for p in sorted(_LEAD_INS, key=len, reverse=True)) + r")\s*[:,]?\s+",
    re.IGNORECASE,
)
_TRAILING = re.compile(r"[\s.!,;:]+$")
# Persian/Pashto/Kurdish sentences end with a copula after the name ("نام من سارا است").
_TRAILING_COPULA = re.compile(r"\s+(?:است|ه|یه|e|ye|ە)$")


def parse_first_name(text: str) -> str:
    value = _TRAILING.sub("", _LEAD_IN.sub("", clean(text)))
    value = _TRAILING_COPULA.sub("", value)
    if not value or not any(ch.isalpha() for ch in value):
        raise AnswerError("name_unparsed")
    if len(value) > MAX_NAME_LENGTH or len(value.split()) > MAX_NAME_WORDS:
        raise AnswerError("name_too_long")
    if any(ch.isdigit() for ch in value):
        raise AnswerError("name_unparsed")
    return value
