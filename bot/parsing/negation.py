"""Whether an answer denies something: "I have no Duldung", "keinen deutschen Pass".

The answer classifiers read such a sentence as the thing it names, and are sure of it. A
status or a nationality said with a negation is therefore proposed ("Did you mean …?"), never
stored at once (actions/questions.py). A wrongly stored value is worse than one more tap.

The words are each language's common negations, as whole words or short phrases, looked for in
the person's language and in German and English (people mix in the words of the documents).
Pashto, Kurmanji, Sorani, Tigrinya and Somali: written without a native speaker, marked
`needs-native-review` for one to review (docs/translations.md).
"""
from __future__ import annotations

from functools import cache

from bot.parsing.text import find_phrases, fold

NEGATIONS: dict[str, tuple[str, ...]] = {
    "de": ("kein", "keine", "keinen", "keiner", "keines", "nicht", "nie", "niemals", "ohne"),
    "en": ("no", "not", "dont", "don t", "never", "without", "haven t", "havent", "isn t", "none"),
    "ar": ("لا", "ليس", "ليست", "لست", "ليسوا", "ما عندي", "ما عندنا", "مو", "مش", "بدون", "غير"),
    "fa": ("ندارم", "نداریم", "ندارد", "نیستم", "نیست", "نه", "بدون", "هیچ"),
    "ps": ("نه", "نشته", "نلرم", "نه لرم", "نه یم", "بې"),  # needs-native-review
    "ku": ("ne", "na", "nîne", "nine", "tune", "tuneye", "nînin", "bê"),  # needs-native-review
    "ckb": ("نییە", "نیە", "نیمە", "نەخێر", "نا", "نە", "بێ"),  # needs-native-review
    "ti": ("የብለይን", "የብልናን", "የለን", "የብሉን", "ኣይኮንኩን", "ኣይኮነን", "ኣይኮነትን", "ብዘይ"),  # needs-native-review
    "so": ("maya", "ma haysto", "ma haysano", "ma lihi", "ma lihin", "la aan", "aan haysan"),  # needs-native-review
    "tr": ("yok", "yoktur", "değil", "değilim", "degil", "degilim", "hayır", "hayir"),
    "uk": ("не", "немає", "нема", "ні", "без"),
    "ru": ("не", "нет", "без", "никакого", "никакой"),
    "fr": ("pas", "ne", "n", "sans", "aucun", "aucune", "jamais", "non"),
}


@cache
def _table(language: str) -> dict[str, str]:
    words = (*NEGATIONS.get(language, ()), *NEGATIONS["de"], *NEGATIONS["en"])
    return {fold(word): word for word in words}


def denies(text: str, language: str) -> bool:
    """Whether the text has a negation of its language (or of German or English) in it."""
    return bool(find_phrases(fold(text), _table(language)))
