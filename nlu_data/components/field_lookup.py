"""The `field` entity of corrections ("my [date of birth] is wrong") by lookup, not by a CRF.

A correction names one of about twenty fields, and people name them with a small set of words per
language. The words are the ones annotated in the training data (`[Geburtsdatum]{"entity":
"field", "value": "birth_date"}`); a word of six letters or more also matches with other endings
("doğum tarihimi", "تاریخ تولدم"); words as annotated are matched before other forms, the
longest first. Only messages the intent classifier
reads as a correction are searched: elsewhere "name" or "date" is no field. On the held-out NLU
sets this finds the exact span more often than the CRF did (decision 13, `make nlu-report`).

Runs inside Rasa (its own venv), imported by the dotted path in config.yml.
"""
from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, ENTITY_ATTRIBUTE_TYPE, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

FIELD = "field"
CORRECTION = "correct_field"
# One letter for one letter (spans keep their positions): keyboard variants of Arabic script.
_VARIANTS = str.maketrans({"ي": "ی", "ى": "ی", "ې": "ی", "ۍ": "ی", "ك": "ک", "ة": "ه", "ە": "ه", "\u200c": " "})
STEM_FROM = 6  # words this long also match with other endings
# Arabic-script proclitics that stick to a field word (بتاريخ, بالكامب, والاسم).
_PROCLITICS = "(?:بال|لل|ال|ب|و|ل|ف)?"


def comparable(text: str) -> str:
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text).translate(_VARIANTS)


def _token(token: str, stemmed: bool) -> str:
    """A word as annotated, or (stemmed) with other endings: long words by their stem, words of
    four or five letters with their last letter changed ("дата" → "дате")."""
    if stemmed and len(token) >= STEM_FROM:
        return re.escape(token[: max(5, len(token) - 2)]) + r"\w*"
    if stemmed and len(token) >= 4:
        return re.escape(token[:-1]) + r"\w{0,2}"
    return re.escape(token)


def _pattern(word: str, stemmed: bool) -> re.Pattern[str]:
    tokens = word.split()
    parts = [_token(t, stemmed) for t in tokens]
    arabic = tokens and "\u0600" <= tokens[0][0] <= "\u06ff"
    return re.compile(r"(?<!\w)" + (_PROCLITICS if arabic else "") + r"\s+".join(parts) + r"(?!\w)")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class FieldLookupExtractor(EntityExtractorMixin, GraphComponent):
    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 words: dict[str, str] | None = None) -> None:
        self.config = config
        self._model_storage = model_storage
        self._resource = resource
        self.words = words or {}  # comparable field word → field value
        longest_first = sorted(self.words.items(), key=lambda item: -len(item[0]))
        # Words as annotated win over other forms of longer words ("الجنس" is gender, not a
        # shortened "الجنسية"): all exact matches first, then the stems.
        self._patterns = [(_pattern(word, stemmed), value) for stemmed in (False, True) for word, value in longest_first]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {}

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> FieldLookupExtractor:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        words: dict[str, str] = {}
        for example in training_data.entity_examples:
            text = example.get(TEXT) or ""
            for entity in example.get(ENTITIES) or ():
                if entity.get(ENTITY_ATTRIBUTE_TYPE) == FIELD:
                    word = comparable(text[entity["start"]:entity["end"]]).strip()
                    if word:
                        words[word] = str(entity.get("value") or word)
        with self._model_storage.write_to(self._resource) as directory:
            (directory / "field_words.txt").write_text(
                "".join(f"{word}\t{value}\n" for word, value in sorted(words.items())), encoding="utf-8")
        return self._resource

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> FieldLookupExtractor:
        words: dict[str, str] = {}
        try:
            with model_storage.read_from(resource) as directory:
                for line in (directory / "field_words.txt").read_text(encoding="utf-8").splitlines():
                    word, _, value = line.partition("\t")
                    words[word] = value
        except (ValueError, FileNotFoundError):
            pass
        return cls(config, model_storage, resource, words)

    def find(self, text: str) -> list[dict[str, Any]]:
        """The fields a text names, longest words first, never overlapping."""
        searched = comparable(text)
        taken = [False] * len(searched)
        found = []
        for pattern, value in self._patterns:
            for match in pattern.finditer(searched):
                if any(taken[match.start():match.end()]):
                    continue
                taken[match.start():match.end()] = [True] * (match.end() - match.start())
                found.append({"entity": FIELD, "start": match.start(), "end": match.end(), "value": value,
                              "confidence_entity": 1.0})
        return sorted(found, key=lambda entity: entity["start"])

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if (message.get(INTENT) or {}).get("name") != CORRECTION:
                continue
            found = self.add_extractor_name(self.find(message.get(TEXT) or ""))
            message.set(ENTITIES, (message.get(ENTITIES) or []) + found, add_to_output=True)
        return messages
