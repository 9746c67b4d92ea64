"""The NLU training data and the held-out test sets (`make nlu-report`) stay apart and stay whole.

A sentence in both would make the report measure memory instead of understanding; a sentence
under two intents would teach the model a contradiction.
"""
from __future__ import annotations

import unicodedata
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from benchmarks.nlu_report import without_entity_markup
from bot.config import PROJECT_ROOT
from bot.i18n import SUPPORTED_LANGUAGES

TRAINING_DIR = PROJECT_ROOT / "nlu_data" / "data" / "nlu"
TEST_DIR = PROJECT_ROOT / "tests" / "nlu"
INTENTS = {"greet", "goodbye", "thank", "affirm", "deny", "dont_know", "ask_help", "request_human",
           "change_language", "start_over", "go_back", "repeat", "correct_field", "inform"}


def examples(path: Path) -> list[tuple[str, str]]:
    """(intent, text without entity markup) for every example in a Rasa NLU file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    pairs = []
    for block in data["nlu"]:
        if "intent" not in block:
            continue
        for line in block["examples"].strip().splitlines():
            pairs.append((block["intent"], without_entity_markup(line.strip().removeprefix("- "))))
    return pairs


def comparable(text: str) -> str:
    """Case, punctuation and spacing do not make a different sentence."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(c for c in text if not unicodedata.category(c).startswith("P"))
    return " ".join(text.split())


def training_examples() -> list[tuple[str, str, str]]:
    return [(path.stem, intent, text) for path in sorted(TRAINING_DIR.glob("*.yml")) for intent, text in examples(path)]


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_language_has_training_and_test_examples_for_every_intent(language: str) -> None:
    for directory in (TRAINING_DIR, TEST_DIR):
        intents = {intent for intent, _ in examples(directory / f"{language}.yml")}
        assert intents == INTENTS, f"{directory.name}/{language}.yml: missing {INTENTS - intents}"


def test_no_held_out_sentence_is_in_the_training_data() -> None:
    trained = {comparable(text): (language, text) for language, _, text in training_examples()}
    leaked = []
    for path in sorted(TEST_DIR.glob("*.yml")):
        for _, text in examples(path):
            if comparable(text) in trained:
                language, training_text = trained[comparable(text)]
                leaked.append(f"{language}.yml: {training_text!r}")
    assert not leaked, "remove these from the training data (they are in the held-out test set):\n" + "\n".join(leaked)


def test_no_training_sentence_is_under_two_intents() -> None:
    intents_of: dict[str, set[str]] = defaultdict(set)
    where: dict[str, set[str]] = defaultdict(set)
    for language, intent, text in training_examples():
        intents_of[comparable(text)].add(intent)
        where[comparable(text)].add(language)
    conflicts = [f"{text!r} ({', '.join(sorted(where[text]))}): {sorted(intents)}"
                 for text, intents in intents_of.items() if len(intents) > 1]
    assert not conflicts, "\n".join(conflicts)
