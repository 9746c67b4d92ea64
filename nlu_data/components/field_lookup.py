"""The `field` entity of corrections ("my [date of birth] is wrong") by lookup, not by a CRF.

A correction names one of about twenty fields, and people name them with a small set of words per
language. The words are the ones annotated in the training data (`[Geburtsdatum]{"entity":
"field", "value": "birth_date"}`); how they are matched (endings, accents, phrases joined from
what the annotations show, spans as annotated, one field per text) is in field_words.py. Only
messages the intent classifier reads as a correction are searched: elsewhere "name" or "date" is
no field. On the held-out NLU sets this finds the exact span more often than the CRF did
(decision 13, `make nlu-report`).

Runs inside Rasa (its own venv), imported by the dotted path in config.yml.
"""
from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, ENTITY_ATTRIBUTE_TYPE, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_data.components.field_words import FIELD, FieldWords, comparable

CORRECTION = "correct_field"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class FieldLookupExtractor(EntityExtractorMixin, GraphComponent):
    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 words: dict[str, str] | None = None) -> None:
        self.config = config
        self._model_storage = model_storage
        self._resource = resource
        self.words = words or {}  # comparable field word → field value
        self._field_words = FieldWords(self.words)

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
        """The field a text names, if any."""
        return [entity | {"confidence_entity": 1.0} for entity in self._field_words.find(text)]

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if (message.get(INTENT) or {}).get("name") != CORRECTION:
                continue
            found = self.add_extractor_name(self.find(message.get(TEXT) or ""))
            message.set(ENTITIES, (message.get(ENTITIES) or []) + found, add_to_output=True)
        return messages
