"""The `field` matching (nlu_data/components/field_words.py) cross-validated on the training data.

Five folds over the correct_field examples of nlu_data/data/nlu/: the field words are learned
from four, the exact spans found in the fifth are counted. Harder than the held-out sets (a word
annotated once is never seen when its example is tested), but it needs no held-out text, so
changes to the matching are chosen on it. `python benchmarks/field_words_cv.py` (a few seconds).
"""
from __future__ import annotations

import random
import re
import sys
from collections import Counter, defaultdict

import yaml

from bot.config import PROJECT_ROOT
from bot.i18n import SUPPORTED_LANGUAGES
from nlu_data.components.field_words import FieldWords, comparable

FOLDS = 5
ANNOTATION = re.compile(r'\[([^\]]+)\]\{"entity": "field", "value": "([a-z_]+)"\}')


def parsed(line: str) -> tuple[str, list[tuple[int, int, str]]]:
    """A training line without its markup, and its field spans."""
    text, spans, position = "", [], 0
    for match in ANNOTATION.finditer(line):
        text += line[position:match.start()]
        spans.append((len(text), len(text) + len(match.group(1)), match.group(2)))
        text += match.group(1)
        position = match.end()
    return text + line[position:], spans


def corrections() -> list[tuple[str, str, list[tuple[int, int, str]]]]:
    examples = []
    for language in SUPPORTED_LANGUAGES:
        data = yaml.safe_load((PROJECT_ROOT / "nlu_data" / "data" / "nlu" / f"{language}.yml").read_text(encoding="utf-8"))
        for block in data["nlu"]:
            if block.get("intent") == "correct_field":
                for line in block["examples"].strip().splitlines():
                    examples.append((language, *parsed(line.strip().removeprefix("- ").strip())))
    return examples


def f1(counts: Counter[str]) -> float:
    found = 2 * counts["tp"]
    return found / (found + counts["fp"] + counts["fn"]) if found else 0.0


def main() -> int:
    examples = corrections()
    order = list(range(len(examples)))
    random.Random(13).shuffle(order)
    fold_of = {index: n % FOLDS for n, index in enumerate(order)}
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for fold in range(FOLDS):
        words = {comparable(text[start:end]).strip(): value for index, (_, text, spans) in enumerate(examples)
                 if fold_of[index] != fold for start, end, value in spans}
        matcher = FieldWords(words)
        for index, (language, text, spans) in enumerate(examples):
            if fold_of[index] == fold:
                gold = {(start, end) for start, end, _ in spans}
                found = {(entity["start"], entity["end"]) for entity in matcher.find(text)}
                counts[language].update(tp=len(gold & found), fp=len(found - gold), fn=len(gold - found))
    total = sum(counts.values(), Counter[str]())
    print(f"field exact-span F1, {FOLDS}-fold on {len(examples)} training corrections: {f1(total):.3f} "
          f"(found {total['tp']}, wrong {total['fp']}, missed {total['fn']})")
    print("  ".join(f"{language} {f1(counts[language]):.2f}" for language in SUPPORTED_LANGUAGES))
    return 0


if __name__ == "__main__":
    sys.exit(main())
