"""Closed questions answered in words instead of a button press.

An answer counts for an option when it is (close to) the option's button title in the person's
language or in English or German, or contains one of the option's keywords.
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping

from bot.parsing import AnswerError
from bot.parsing.text import fold

FUZZY_CUTOFF = 0.85

# Words that name an option in any language (lower case, matched as whole words after folding).
KEYWORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "gender": {
        "female": ("female", "woman", "frau", "weiblich", "femme", "kadın", "женщина", "жінка", "امرأة", "أنثى", "زن", "ښځه",
                   "jin", "ژن", "ሰበይቲ", "naag", "dumar"),
        "male": ("male", "man", "mann", "männlich", "homme", "erkek", "мужчина", "чоловік", "رجل", "ذكر", "مرد", "نارینه",
                 "mêr", "پیاو", "ሰብኣይ", "nin", "lab"),
        "diverse": ("diverse", "divers", "non binary", "nonbinary", "non binaire"),
        "undisclosed": ("prefer not", "keine angabe", "no answer", "not say"),
    },
    "goal": {
        "ausbildung": ("ausbildung", "apprenticeship", "vocational training", "training"),
        "job": ("job", "work", "arbeit", "arbeiten", "travail", "iş", "работа", "робота", "عمل", "شغل", "کار"),
        "german_course": ("german course", "deutschkurs", "sprachkurs", "learn german", "deutsch lernen"),
        "school_certificate": ("school certificate", "schulabschluss", "hauptschulabschluss"),
        "studies": ("study", "studies", "studium", "studieren", "university", "universität", "uni"),
        "unsure": ("not sure", "weiß nicht", "unsure", "keine ahnung"),
    },
    "contact_method": {
        "telegram": ("telegram", "here", "hier", "chat"),
        "phone": ("phone", "call", "telefon", "anrufen", "téléphone", "telefonla", "телефон", "هاتف", "تلفن", "تلیفون"),
        "in_person": ("in person", "persönlich", "appointment", "termin", "en personne", "yüz yüze", "лично", "особисто", "حضوري", "حضوری"),
    },
    "contact_time": {
        "morning": ("morning", "mornings", "morgens", "vormittags", "matin", "sabah", "утром", "صباح", "صبح"),
        "afternoon": ("afternoon", "afternoons", "nachmittags", "après midi", "öğleden sonra", "днём", "днем", "بعد الظهر",
                      "بعدازظهر", "عصر"),
        "evening": ("evening", "evenings", "abends", "soir", "akşam", "вечером", "مساء", "شب"),
        "any": ("any time", "anytime", "immer", "jederzeit", "egal", "n importe quand", "her zaman", "в любое время", "أي وقت", "هر وقت"),
    },
    "school_certificate": {
        "none": ("none", "no certificate", "kein", "keinen"),
        "upper_secondary": ("abitur", "high school", "baccalauréat", "bac", "lise"),
    },
}
_LEVEL = re.compile(r"\b([abc][12])\b", re.IGNORECASE)


def match_title(text: str, titles: Mapping[str, Iterable[str]]) -> str | None:
    """The option value whose title the text is (or is close to), else None."""
    answer = fold(text)
    by_title = {fold(title): value for value, value_titles in titles.items() for title in value_titles if fold(title)}
    if answer in by_title:
        return by_title[answer]
    close = difflib.get_close_matches(answer, by_title, n=1, cutoff=FUZZY_CUTOFF)
    return by_title[close[0]] if close else None


def match_option(text: str, titles: Mapping[str, Iterable[str]], slot: str | None = None) -> str:
    """The option value whose title or keyword the text names; AnswerError('choice_unclear') if none."""
    answer = fold(text)
    if not answer:
        raise AnswerError("choice_unclear")
    titled = match_title(text, titles)
    if titled is not None:
        return titled
    for value, words in (KEYWORDS.get(slot or "", {})).items():
        if any(re.search(rf"(?:^|\s){re.escape(fold(word))}(?:$|\s)", answer) for word in words):
            return value
    raise AnswerError("choice_unclear")


def match_level(text: str) -> str | None:
    """A CEFR level named in the text ("B1", "ich habe a2"), upper case, or None."""
    match = _LEVEL.search(text)
    return match.group(1).upper() if match else None
