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
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import hstack
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

logger = logging.getLogger(__name__)
# What Rasa's RegexMessageHandler unpacks: "/intent", "/intent@0.9", "/intent{…}".
_COMMAND = YAMLStoryReader._regex_message_pattern()

# Letters that people type interchangeably depending on their keyboard: Arabic and Persian
# yeh and kaf, Pashto and Sorani variants, teh marbuta and heh; tatweel is decoration.
_ARABIC_SCRIPT_VARIANTS = str.maketrans({
    "ي": "ی", "ى": "ی", "ې": "ی", "ۍ": "ی", "ئ": "ی", "ك": "ک", "ة": "ه", "ە": "ه", "ـ": None,
    "\u200c": " ",  # zero-width non-joiner: typed or not, the same word
})
_LONG_REPEATS = re.compile(r"(.)\1{2,}")  # "helloooo", "مرحبااااا"


class CalibratedScores:
    """`CalibratedClassifierCV.predict_proba` of a linear SVM with isotonic calibration, the same
    arithmetic without scikit-learn's input checks around each of its fold x class calibrators
    (150 per message: a tenth of Rasa's time per turn under load, decision 12).

    Each fold: the SVM's decision scores (from the weights of the few n-grams a message has), each
    class's isotonic step function (linear interpolation
    between its thresholds, clipped to its range), normalised to sum to one; then the folds' mean.
    """

    def __init__(self, classifier: CalibratedClassifierCV) -> None:
        self.classes_ = classifier.classes_
        self._folds = []
        for fold in classifier.calibrated_classifiers_:
            svm = fold.base_estimator
            columns = np.searchsorted(self.classes_, svm.classes_)
            curves = [(c.X_min_, c.X_max_, c.X_thresholds_, c.y_thresholds_) for c in fold.calibrators]
            self._folds.append((np.asarray(svm.coef_), np.asarray(svm.intercept_), columns, curves))

    def predict_proba(self, features: Any) -> np.ndarray:
        n_classes = len(self.classes_)
        mean = np.zeros((features.shape[0], n_classes))
        features = features.tocsr()
        rows = [(features.indices[start:end], features.data[start:end])
                for start, end in zip(features.indptr[:-1], features.indptr[1:], strict=True)]
        for weights, intercepts, columns, curves in self._folds:
            scores = np.array([weights[:, indices] @ data for indices, data in rows]) + intercepts
            proba = np.zeros((features.shape[0], n_classes))
            for column, score, (low, high, xs, ys) in zip(columns, scores.T, curves, strict=True):
                proba[:, column] = np.interp(np.clip(score, low, high), xs, ys) if len(ys) > 1 else ys[0]
            total = proba.sum(axis=1)[:, np.newaxis]
            proba = np.divide(proba, total, out=np.full_like(proba, 1 / n_classes), where=total != 0)
            proba[(proba > 1.0) & (proba <= 1.0 + 1e-5)] = 1.0
            mean += proba
        return mean / len(self._folds)


def fast_scores(classifier: CalibratedClassifierCV, features: Any) -> CalibratedScores | CalibratedClassifierCV:
    """The fast path, if it gives scikit-learn's probabilities on these features; else sklearn's own
    (a scikit-learn version that calibrates differently)."""
    try:
        fast = CalibratedScores(classifier)
        if len(classifier.classes_) > 2 and np.allclose(fast.predict_proba(features),
                                                        classifier.predict_proba(features), atol=1e-9):
            return fast
    except (AttributeError, ValueError):
        pass
    logger.warning("The linear intent classifier's fast path differs from scikit-learn's: not used.")
    return classifier


# Texts the fast path is checked on when the model loads: scripts, requests, answers, nothing.
_CHECK_TEXTS = ("hello", "ja", "nein", "I don't know", "Syrien", "مرحبا", "не знаю", "ሰላም", "1990", "", "?",
                "I want to talk to a person", "Almanca bilmiyorum")


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
        if model is not None:
            check = hstack([model["characters"].transform(_CHECK_TEXTS), model["words"].transform(_CHECK_TEXTS)]).tocsr()
            model["scores"] = fast_scores(model["classifier"], check)
        return cls(config, model_storage, resource, model)

    @staticmethod
    def _known_command(text: str, intents: Any) -> str | None:
        """The intent a button's payload names ("/inform{…}"), if we were trained on it: Rasa's
        RegexMessageHandler replaces the whole reading of such a message by that intent (every
        intent we know is in the domain). Reading it here first was half the work per button
        tap; other texts starting with "/" are read as before."""
        match = _COMMAND.match(text.strip())
        intent = match.group(INTENT_NAME_KEY).strip() if match else None
        return intent if intent is not None and intent in intents else None

    def process(self, messages: list[Message]) -> list[Message]:
        if self._model is None:
            return messages
        classifier = self._model.get("scores") or self._model["classifier"]
        messages_to_read = []
        for message in messages:
            if command := self._known_command(message.get(TEXT) or "", classifier.classes_):
                # What RegexMessageHandler will set; the FallbackClassifier before it needs an intent.
                named = {"name": command, "confidence": 1.0}
                message.set(INTENT, named, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [named], add_to_output=True)
            else:
                messages_to_read.append(message)
        if not messages_to_read:
            return messages
        texts = [message.get(TEXT) or "" for message in messages_to_read]
        features = hstack([self._model["characters"].transform(texts), self._model["words"].transform(texts)]).tocsr()
        for message, probabilities in zip(messages_to_read, classifier.predict_proba(features), strict=True):
            ranking = sorted(
                ({"name": str(name), "confidence": float(p)} for name, p in zip(classifier.classes_, probabilities, strict=True)),
                key=lambda entry: -entry["confidence"],
            )
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking[: self.config["ranking_length"]], add_to_output=True)
        return messages
