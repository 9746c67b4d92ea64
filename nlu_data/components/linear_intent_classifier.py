"""A linear intent classifier over character n-grams: reads short messages in 13 languages.

Why not DIET (decision 6): on our held-out sets a linear SVM on tf-idf character and word
n-grams is as accurate or better (it generalises to spellings and word forms it has not seen,
which is most of what people type), trains in seconds instead of twenty minutes on two cores,
and the model is a few megabytes instead of two hundred. Its scores are calibrated
probabilities (isotonic, cross-validated), so a confidence of 0.4 means about what it says;
they are lower than DIET's near-1.0 scores, and the thresholds in config.yml and
actions/answers.py are set for them.

Runs inside Rasa (its own venv), which imports it by the dotted path in config.yml from the
project root.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from typing import Any

import joblib
import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import hstack
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

logger = logging.getLogger(__name__)

# Letters that people type interchangeably depending on their keyboard: Arabic and Persian
# yeh and kaf, Pashto and Sorani variants, teh marbuta and heh; tatweel is decoration.
_ARABIC_SCRIPT_VARIANTS = str.maketrans({
    "ي": "ی", "ى": "ی", "ې": "ی", "ۍ": "ی", "ئ": "ی", "ك": "ک", "ة": "ه", "ە": "ه", "ـ": None,
    "\u200c": " ",  # zero-width non-joiner: typed or not, the same word
})
_LONG_REPEATS = re.compile(r"(.)\1{2,}")  # "helloooo", "مرحبااااا"


def normalise(text: str) -> str:
    """Lower case, without accents and vowel marks, one spelling per letter, short repeats."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return _LONG_REPEATS.sub(r"\1\1", text.translate(_ARABIC_SCRIPT_VARIANTS).replace("ı", "i"))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(IntentClassifier, GraphComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "min_ngram": 1,  # character n-grams within words, spaces marking word edges
            "max_ngram": 5,
            "C": 1.0,  # scikit-learn's default regularisation
            "calibration_folds": 5,
            "ranking_length": 10,
        }

    @staticmethod
    def required_packages() -> list[str]:
        return ["sklearn"]

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 model: dict[str, Any] | None = None) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._model = model  # {"characters", "words": vectorizers, "classifier"}

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> LinearIntentClassifier:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        if not examples:
            logger.warning("No intent examples: the linear intent classifier is not trained.")
            return self._resource
        texts = [e.get(TEXT) for e in examples]
        labels = np.array([e.get(INTENT) for e in examples])
        characters = TfidfVectorizer(analyzer="char_wb", preprocessor=normalise, sublinear_tf=True,
                                     ngram_range=(self.config["min_ngram"], self.config["max_ngram"]))
        words = TfidfVectorizer(preprocessor=normalise, token_pattern=r"(?u)\b\w+\b", sublinear_tf=True)
        features = hstack([characters.fit_transform(texts), words.fit_transform(texts)]).tocsr()
        # "balanced": answers (inform) outnumber each kind of request three to one.
        svm = LinearSVC(C=self.config["C"], class_weight="balanced")
        classifier = CalibratedClassifierCV(svm, method="isotonic", cv=self.config["calibration_folds"])
        classifier.fit(features, labels)
        self._model = {"characters": characters, "words": words, "classifier": classifier}
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(self._model, directory / "linear_intent_classifier.joblib")
        return self._resource

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> LinearIntentClassifier:
        try:
            with model_storage.read_from(resource) as directory:
                model = joblib.load(directory / "linear_intent_classifier.joblib")
        except (ValueError, FileNotFoundError):
            logger.warning("No trained linear intent classifier in the model; intents stay empty.")
            model = None
        return cls(config, model_storage, resource, model)

    def process(self, messages: list[Message]) -> list[Message]:
        if self._model is None:
            return messages
        texts = [message.get(TEXT) or "" for message in messages]
        features = hstack([self._model["characters"].transform(texts), self._model["words"].transform(texts)]).tocsr()
        classifier = self._model["classifier"]
        for message, probabilities in zip(messages, classifier.predict_proba(features), strict=True):
            ranking = sorted(
                ({"name": str(name), "confidence": float(p)} for name, p in zip(classifier.classes_, probabilities, strict=True)),
                key=lambda entry: -entry["confidence"],
            )
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking[: self.config["ranking_length"]], add_to_output=True)
        return messages
