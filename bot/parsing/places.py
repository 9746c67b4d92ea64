"""Finding the municipality a person names among the deployment's municipalities."""
from __future__ import annotations

import difflib
import re

from bot.deployment import Municipality
from bot.parsing import AnswerError
from bot.parsing.text import fold

FUZZY_CUTOFF = 0.84


def _keys(municipality: Municipality) -> list[str]:
    return [fold(name) for name in (municipality.name, *municipality.aliases)]


def match_municipality(text: str, municipalities: tuple[Municipality, ...]) -> Municipality:
    """The municipality named in `text` ("Moers", "I live in Kamp Lintfort", "moers"), allowing
    small typos ("Mores"); raises AnswerError('municipality_unknown') otherwise."""
    answer = fold(text)
    if not answer:
        raise AnswerError("municipality_unknown")
    # Whole names inside the sentence, longest first ("Neukirchen-Vluyn" before "Neukirchen").
    by_key = sorted(((key, m) for m in municipalities for key in _keys(m)), key=lambda item: -len(item[0]))
    for key, municipality in by_key:
        if re.search(rf"(?:^|\s){re.escape(key)}(?:$|\s)", answer):
            return municipality
    # Then typos, word by word and for the whole answer.
    candidates = dict(by_key)
    for word in [answer, *answer.split()]:
        close = difflib.get_close_matches(word, candidates, n=1, cutoff=FUZZY_CUTOFF)
        if close:
            return candidates[close[0]]
    raise AnswerError("municipality_unknown", answer=text.strip()[:40])
