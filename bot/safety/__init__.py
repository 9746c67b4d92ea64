"""Crisis detection: every message is checked for signs of acute danger before anything else.

A lexicon of patterns per language over normalised text, and where it finds nothing, a
classifier on character n-grams trained on our own examples (docs/decisions/0007). High recall
first: a missed crisis is worse than an extra help message.
"""
from __future__ import annotations

from dataclasses import dataclass

from bot.safety.classifier import crisis_classifier
from bot.safety.lexicon import PRIORITY, compiled_lexicons
from bot.safety.normalize import normalize

__all__ = ["CrisisSignal", "compile_lexicons", "detect_crisis", "lexicon_signal", "normalize", "warm_up"]
MODEL = "model"
MIN_LETTERS_FOR_MODEL = 3  # CrisisSignal.language when the classifier, not a lexicon, found the danger


@dataclass(frozen=True)
class CrisisSignal:
    kind: str  # "suicide", "violence", "medical" or "child"
    language: str  # the lexicon that matched, or MODEL


def detect_crisis(text: str) -> CrisisSignal | None:
    """The most urgent sign of danger in the message: the lexicons' (suicide > medical > child >
    violence), else the classifier's."""
    normalised = normalize(text)
    found = lexicon_signal(normalised)
    # Numbers, dates and codes say nothing of danger; the model would only guess at their n-grams.
    if found is None and sum(character.isalpha() for character in normalised) >= MIN_LETTERS_FOR_MODEL:
        kind, _ = crisis_classifier().classify(normalised)
        if kind is not None:
            found = CrisisSignal(kind, MODEL)
    return found


def lexicon_signal(normalised: str) -> CrisisSignal | None:
    """What the lexicons find in normalised text. A match that lies wholly inside a look-alike
    idiom ("this form is killing me") does not count."""
    lexicons = compiled_lexicons()
    best: CrisisSignal | None = None
    idioms: list[tuple[int, int]] | None = None
    for match in lexicons.matches(normalised):
        if best is not None and PRIORITY.index(match.kind) >= PRIORITY.index(best.kind):
            continue
        if idioms is None:
            idioms = lexicons.idiom_spans(normalised)
        if any(start <= match.start and match.end <= end for start, end in idioms):
            continue
        best = CrisisSignal(match.kind, match.language)
        if best.kind == PRIORITY[0]:
            break
    return best


def warm_up() -> None:
    """Load the lexicons and the classifier (training it if its inputs changed) before the first message."""
    detect_crisis("warm up")


def compile_lexicons() -> None:
    """All of the lexicons' patterns compiled (seconds; for a thread beside the running gateway)."""
    compiled_lexicons().compile_all()
