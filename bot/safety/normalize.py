"""The one form crisis patterns are written against: case, accents, Arabic-script letter
variants, digits and punctuation folded, so a lexicon needs one spelling where people type many."""
from __future__ import annotations

import unicodedata

# Longer input is cut: a crisis shows in the first lines, and the check must stay fast.
MAX_CHARS = 2000

_SPECIAL = {
    **{chr(c): "" for c in range(0x064B, 0x0660)},  # harakat
    "\u0670": "",  # superscript alef
    "\u0640": "",  # tatweel
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا",
    "ي": "ی", "ى": "ی",
    "ك": "ک",
    "ة": "ه",
    "\u200c": " ",  # ZWNJ separates word parts in Persian script
    "ı": "i",  # Turkish dotless i
    "\u02bc": " ", "\u02bb": " ",  # apostrophes that Unicode counts as letters (Ukrainian бʼє): like ' and ’
}


def _fold_char(char: str) -> str:
    if char in _SPECIAL:
        return _SPECIAL[char]
    if char.isspace():
        return " "
    digit = unicodedata.decimal(char, None)
    if digit is not None:
        return str(digit)
    category = unicodedata.category(char)
    if category[0] == "L":
        if unicodedata.name(char, "").startswith("LATIN"):
            return "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
        return char  # Cyrillic, Ge'ez, Arabic script … stay as they are
    # A leftover combining mark belongs to the letter before it (casefolded İ is i + U+0307), and
    # invisible format characters (soft hyphen, ZWJ, bidi marks) sit inside words: neither may split one.
    if category[0] == "M" or category == "Cf":
        return ""
    return " "


class _FoldTable(dict):
    """str.translate table that works each character out once, on first sight."""

    def __missing__(self, codepoint: int) -> str:
        folded = self[codepoint] = _fold_char(chr(codepoint))
        return folded


_TABLE = _FoldTable()


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text[:MAX_CHARS]).casefold()
    return " ".join(text.translate(_TABLE).split())
