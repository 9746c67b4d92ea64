"""Nationality from what people write: a country's name in any of our languages (CLDR, through
Babel), an ISO code, a demonym ("Syrer", "سوري", "афганец"), or "stateless"."""
from __future__ import annotations

import re
from functools import lru_cache

from babel import Locale

from bot.i18n.languages import SUPPORTED_LANGUAGES
from bot.parsing import AnswerError
from bot.parsing.text import find_phrases, fold

STATELESS = "stateless"
# CLDR "territories" include regions and groupings; these codes are not countries.
_NOT_COUNTRIES = {"EU", "EZ", "UN", "ZZ", "QO", "XA", "XB", "AQ"}

# Demonyms CLDR does not carry, for the countries most people in the target group come from
# (BAMF first applications 2015-2025). Lower case; matched as whole words after folding.
_DEMONYMS: dict[str, tuple[str, ...]] = {
    "SY": ("syrian", "syrer", "syrerin", "syrien", "syrienne", "سوري", "سورية", "سوريه", "سوری",
           "suriyeli", "сириец", "сирийка", "сирієць", "сирійка", "sûrî", "سووری", "suuri"),
    "AF": ("afghan", "afghanin", "afghane", "afghanische", "افغان", "افغانی", "افغانستانی", "أفغاني",
           "afgan", "afganlı", "афганец", "афганка", "афганець", "afgani"),
    "IQ": ("iraqi", "iraker", "irakerin", "irakien", "irakienne", "عراقي", "عراقی", "iraklı",
           "иракец", "иракчанка", "іракець", "êraqî", "عێراقی"),
    "IR": ("iranian", "iraner", "iranerin", "iranien", "iranienne", "ایرانی", "إيراني", "iranlı",
           "иранец", "иранка", "іранець", "îranî", "ئێرانی"),
    "ER": ("eritrean", "eritreer", "eritreerin", "érythréen", "érythréenne", "ኤርትራዊ", "ኤርትራዊት",
           "إريتري", "اریتره‌ای", "eritreli", "эритреец", "eriteeri"),
    "SO": ("somali", "somalier", "somalierin", "somalien", "somalienne", "صومالي", "سومالیایی",
           "somalili", "сомалиец", "soomaali"),
    "TR": ("turkish", "türke", "türkin", "turc", "turque", "تركي", "ترک", "türk", "турок", "турчанка",
           "турець", "tirk"),
    "UA": ("ukrainian", "ukrainer", "ukrainerin", "ukrainien", "ukrainienne", "ukraynalı", "украинец",
           "украинка", "українець", "українка", "أوكراني", "اوکراینی"),
    "RU": ("russian", "russe", "russin", "русский", "русская", "россиянин", "россиянка", "росіянин",
           "rus", "روسي", "روس"),
    "GE": ("georgian", "georgier", "georgierin", "géorgien", "грузин", "грузинка", "gürcü"),
    "GN": ("guinean", "guineer", "guinéen", "guinéenne"),
    "NG": ("nigerian", "nigerianer", "nigérian", "nigériane"),
    "PK": ("pakistani", "pakistaner", "pakistanais", "پاکستانی", "باكستاني"),
    "CO": ("colombian", "kolumbianer", "colombien", "colombienne"),
    "VE": ("venezuelan", "venezolaner", "vénézuélien"),
}
_STATELESS_WORDS = ("stateless", "staatenlos", "ohne staatsangehörigkeit", "بدون", "عديم الجنسية",
                    "بدون جنسية", "بی تابعیت", "بی‌تابعیت", "بې تابعیته", "без гражданства",
                    "без громадянства", "vatansız", "apatride", "bê welatî", "bê hemwelatî", "بێ ڕەگەزنامە",
                    "dhalasho la'aan", "ዜግነት የብለይን")


@lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    return frozenset(code for code in Locale("en").territories
                     if isinstance(code, str) and len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES)


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    """Folded country names and demonyms in every language → ISO code."""
    names: dict[str, str] = {}
    for language in SUPPORTED_LANGUAGES:
        territories = Locale.parse(language).territories
        for code in country_codes():
            if code in territories:
                names.setdefault(fold(territories[code]), code)
    for code, words in _DEMONYMS.items():
        for word in words:
            names.setdefault(fold(word), code)
    return {name: code for name, code in names.items() if len(name) >= 3}


def country_name(code: str, language: str) -> str:
    return Locale.parse(language).territories.get(code, code)


def parse_nationality(text: str) -> str:
    folded = fold(text)
    if not folded:
        raise AnswerError("country_unknown", answer="")
    if any(re.search(rf"(?:^|\s){re.escape(fold(word))}(?:$|\s)", folded) for word in _STATELESS_WORDS):
        return STATELESS
    # A bare ISO code only when written in capitals: "no" and "de" are words, "NO" and "DE" codes.
    code = text.strip()
    if len(code) == 2 and code.isupper() and code in country_codes():
        return code
    named = find_phrases(folded, _names())
    if named:
        return named[0]
    raise AnswerError("country_unknown", answer=text.strip()[:40])


# Stems read only to propose, never to store (decision 13): "из Казахстана", "Afganistan'dan",
# "ji Îranê", "Syriens", "بسوريا" name a country by an inflected form that no list holds.
_STEM_FROM = 6  # names this long also match without their last letter ("грузія" → "грузії")
_MAX_ENDING = 5  # letters a word may add to a name ("afganistandan", "palastinenser")
_PROCLITICS = ("بال", "وال", "ال", "ب", "و", "ل", "ف")


@lru_cache(maxsize=1)
def _single_word_names() -> dict[str, str]:
    return {name: code for name, code in _names().items() if " " not in name and len(name) >= 4}


def _stems(name: str) -> tuple[str, ...]:
    return (name, name[:-1]) if len(name) >= _STEM_FROM else (name,)


def guess_nationality(text: str) -> str | None:
    """A country named by an inflected form of its name or demonym: the longest name one of
    the words begins with (a few letters added, or the name's last letter changed). A guess, to
    be confirmed; None if no word fits or two countries fit equally."""
    names = _single_word_names()
    best: tuple[int, str] | None = None
    ambiguous = False
    for word in fold(text).split():
        forms = {word, *(word[len(p):] for p in _PROCLITICS if word.startswith(p) and len(word) - len(p) >= 4)}
        for form in forms:
            for name, code in names.items():
                if any(form.startswith(stem) and len(form) - len(stem) <= _MAX_ENDING for stem in _stems(name)):
                    if best is None or len(name) > best[0]:
                        best, ambiguous = (len(name), code), False
                    elif len(name) == best[0] and code != best[1]:
                        ambiguous = True
    return None if best is None or ambiguous else best[1]
