"""Normalising what people type: digits of every script, case, accents, spacing."""
from __future__ import annotations

import re
import unicodedata

# Arabic-Indic (U+0660..) and Extended Arabic-Indic / Persian (U+06F0..) digits to ASCII.
_DIGITS = {ord(c): str(i) for i, c in enumerate("٠١٢٣٤٥٦٧٨٩")}
_DIGITS.update({ord(c): str(i) for i, c in enumerate("۰۱۲۳۴۵۶۷۸۹")})
_DIGITS.update({ord("٫"): ".", ord("٬"): ",", ord("/"): "/"})
_BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def normalise_digits(text: str) -> str:
    return text.translate(_DIGITS)


def clean(text: str) -> str:
    """Digits made ASCII, bidi control characters removed, whitespace folded."""
    text = _BIDI_CONTROLS.sub("", normalise_digits(text))
    return " ".join(text.split())


# Arabic and Persian/Pashto keyboards write some letters differently (ي/ی, ك/ک, أ/ا …);
# people use both, so comparisons treat them as one.
_ARABIC_SCRIPT_VARIANTS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "أ": "ا", "إ": "ا", "آ": "ا", "ۀ": "ه", "ة": "ه"})


def find_phrases(folded: str, table: dict[str, str]) -> list[str]:
    """Values of the phrases of `table` (folded keys) named in folded text, in order of mention.

    At each word the longest phrase wins ("south sudan" before "sudan"); a dictionary lookup
    per word and length keeps this fast for tables of thousands of names.
    """
    words = folded.split()
    longest = max((key.count(" ") + 1 for key in table), default=0)
    found: list[str] = []
    position = 0
    while position < len(words):
        for length in range(min(longest, len(words) - position), 0, -1):
            value = table.get(" ".join(words[position : position + length]))
            if value is not None:
                found.append(value)
                position += length
                break
        else:
            position += 1
    return found


def fold(text: str) -> str:
    """A comparison key: lower case, no accents, ß as ss, one form per Arabic-script letter,
    only letters, digits and spaces."""
    text = unicodedata.normalize("NFKD", clean(text).casefold().replace("ß", "ss").translate(_ARABIC_SCRIPT_VARIANTS))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", text).split())
