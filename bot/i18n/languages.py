"""The languages Lotse speaks, and their names from CLDR (through Babel)."""
from __future__ import annotations

from functools import cache

from babel import Locale

# Order of the language picker: German first (the language of the programmes), then roughly by
# how many people in the target group speak each language (domain notes, section 5).
SUPPORTED_LANGUAGES: tuple[str, ...] = (
    "de", "en", "ar", "fa", "ps", "ku", "ckb", "ti", "so", "tr", "uk", "ru", "fr",
)
RTL_LANGUAGES: frozenset[str] = frozenset({"ar", "fa", "ps", "ckb"})
DEFAULT_LANGUAGE = "en"

# Telegram sends IETF tags from the client's settings; some clients use codes CLDR files under
# another name (Dari "prs", "fa-AF"; Kurmanji "kmr"; Sorani "ku-IQ" is ambiguous and left as ku).
_ALIASES = {"prs": "fa", "kmr": "ku", "ckb-iq": "ckb", "ckb-ir": "ckb"}


def normalise_language_code(code: str | None) -> str | None:
    """Map a client's language tag to a supported language code, or None."""
    if not code:
        return None
    tag = code.strip().lower().replace("_", "-")
    if tag in _ALIASES:
        return _ALIASES[tag]
    primary = tag.split("-", 1)[0]
    primary = _ALIASES.get(primary, primary)
    return primary if primary in SUPPORTED_LANGUAGES else None


def conversation_language(chosen: str | None, client_code: str | None) -> str:
    """The language to speak: the one chosen, else the client's if we speak it, else the default."""
    if chosen in SUPPORTED_LANGUAGES:
        return chosen
    return normalise_language_code(client_code) or DEFAULT_LANGUAGE


@cache
def language_name(code: str, in_language: str | None = None) -> str:
    """The language's name in `in_language` (default: in itself, as a picker shows it)."""
    name = Locale.parse(code).get_display_name(in_language or code) or code
    return name[:1].upper() + name[1:]
