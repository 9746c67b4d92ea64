"""Answers to closed questions as people write them: one classifier per question.

Word lists catch the phrases someone thought of; people write sentences, negations, inflected
forms and German words in their own script ("Almanca bilmiyorum", "из Сирии", "دولدونگ"). Per
question, a logistic regression on character n-grams (which see through endings and prefixes) and
words of the folded text learns from:
- our own examples, per language and value (bot/parsing/training/<lang>.yml),
- every button title of the question in every language (people type them out),
- the intent model's yes/no/"I don't know" examples for the answers they stand for,
- the intent model's requests (greetings, "help", "go back" …) as "not an answer" (OTHER).
None of it is in the held-out answers (tests/answers/), which were written separately and blind.

The probability decides what happens (decision 13): from ACCEPT the value is stored, from
PROPOSE it is proposed ("Did you mean …?"), below that the question is asked again. Models are
cached in models/ by a fingerprint of their inputs, like the Rasa model, and loaded once.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy
import yaml
from babel import Locale
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion

from bot.config import PROJECT_ROOT
from bot.i18n import SUPPORTED_LANGUAGES, localise
from bot.messages import known_responses
from bot.messages.responses import response_files
from bot.model_cache import cached_file, load_or_train, runtime
from bot.parsing.text import fold

TRAINING_DIR = Path(__file__).with_name("training")
NLU_DIR = PROJECT_ROOT / "nlu_data" / "data" / "nlu"
LOCALES_DIR = PROJECT_ROOT / "locales"
OTHER = "__other__"
# Chosen by five-fold cross-validation of the training examples, never on the held-out answers
# (`make answers-report ARGS=--cross-validate`); see decision 13.
ACCEPT = 0.9
PROPOSE = 0.4
MODEL_VERSION = "1"  # bump when features or model change, so cached models are retrained

# The question (training key) → the response whose buttons are its choices.
QUESTIONS: dict[str, str | None] = {
    "german_level": "ask_german_level",
    "goal": "ask_goal",
    "residence_status": "ask_residence_status",
    "residence_kind_duldung": "ask_residence_kind_duldung",
    "residence_kind_permit": "ask_residence_kind_permit",
    "school_certificate": "ask_school_certificate",
    "qualification_recognised": "ask_qualification_recognised",
    "contact_method": "ask_contact_method",
    "contact_time": "ask_contact_time",
    "in_reception_facility": None,
    "employment_permitted": None,
    "childcare_needed": None,
    "interpreter_needed": None,
    "nationality": None,
}
YES_NO = ("in_reception_facility", "employment_permitted", "childcare_needed", "interpreter_needed")
_INTENT_VALUES = {"affirm": "yes", "deny": "no", "dont_know": "unknown"}
_REQUESTS = ("greet", "thank", "goodbye", "ask_help", "request_human", "change_language", "start_over", "go_back",
             "repeat", "correct_field")
_ENTITY_MARKUP = re.compile(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}")


@dataclass
class Examples:
    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)

    def add(self, texts: list[str], label: str) -> None:
        self.texts += [fold(text) for text in texts]
        self.labels += [label] * len(texts)


@lru_cache(maxsize=1)
def _nlu_examples() -> dict[str, list[str]]:
    by_intent: dict[str, list[str]] = {}
    for path in sorted(NLU_DIR.glob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or ():
            lines = str(block.get("examples") or "").splitlines()
            texts = [_ENTITY_MARKUP.sub(lambda m: m.group(1) or m.group(2) or "", line.strip()[2:])
                     for line in lines if line.strip().startswith("- ")]
            by_intent.setdefault(str(block.get("intent")), []).extend(texts)
    return by_intent


@lru_cache(maxsize=1)
def written_examples() -> dict[str, dict[str, list[str]]]:
    """question → value → our examples in every language."""
    merged: dict[str, dict[str, list[str]]] = {}
    for path in sorted(TRAINING_DIR.glob("*.yml")):
        for question, values in ((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("questions") or {}).items():
            for value, texts in (values or {}).items():
                merged.setdefault(question, {}).setdefault(str(value), []).extend(str(t) for t in texts or ())
    return merged


def _titles(response: str) -> dict[str, list[str]]:
    titles: dict[str, list[str]] = {}
    for button in known_responses().get(response).buttons:
        value = button.value if button.value is not None else ("unknown" if button.payload == "/dont_know" else None)
        if value is not None:
            titles.setdefault(value, []).extend(localise(button.title, language) for language in SUPPORTED_LANGUAGES)
    return titles


def _territory_names() -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for language in (*SUPPORTED_LANGUAGES, "en", "de"):
        for code, name in Locale.parse(language).territories.items():
            if len(code) == 2 and code.isalpha():
                names.setdefault(code, []).append(name)
    return names


def load_examples(question: str) -> Examples:
    examples = Examples()
    nlu = _nlu_examples()
    written = written_examples().get(question, {})
    for value, texts in written.items():
        examples.add(texts, value)
    response = QUESTIONS[question]
    values = set(written)
    if response is not None:
        for value, titles in _titles(response).items():
            examples.add(titles, value)
            values.add(value)
    if question in YES_NO:
        for intent, value in _INTENT_VALUES.items():
            if value in values:
                examples.add(nlu.get(intent, []), value)
    elif question == "nationality":
        # The countries people in the target group come from (those with examples); any other
        # country is found by its CLDR name (bot/parsing/countries.py).
        for code, names in _territory_names().items():
            if code in values:
                examples.add(names, code)
    if question not in YES_NO and (unknown := "unknown" if "unknown" in values else "unsure" if "unsure" in values else None):
        examples.add(nlu.get("dont_know", []), unknown)
    examples.add([text for intent in _REQUESTS for text in nlu.get(intent, [])], OTHER)
    return examples


def build_features() -> FeatureUnion:
    return FeatureUnion([
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2,
                                  max_features=80_000, dtype=numpy.float32)),
        ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), token_pattern=r"(?u)\b\w+\b",
                                  sublinear_tf=True, min_df=2, max_features=30_000, dtype=numpy.float32)),
    ])


def build_head() -> LogisticRegression:
    return LogisticRegression(C=10.0, class_weight="balanced", max_iter=3000)


def training_files() -> list[Path]:
    return [*sorted(TRAINING_DIR.glob("*.yml")), *sorted(NLU_DIR.glob("*.yml")), *response_files(),
            *sorted(LOCALES_DIR.glob("*/LC_MESSAGES/*.po"))]


def fingerprint() -> str:
    digest = hashlib.sha256(f"{MODEL_VERSION}|{runtime()}".encode())
    for path in [*training_files(), Path(__file__), Path(__file__).with_name("text.py")]:
        digest.update(str(path.relative_to(PROJECT_ROOT)).encode() + path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Reading:
    value: str | None  # None: not an answer to the question, or nothing likely enough
    probability: float

    @property
    def sure(self) -> bool:
        return self.value is not None and self.probability >= ACCEPT

    @property
    def plausible(self) -> bool:
        return self.value is not None and self.probability >= PROPOSE


class AnswerModels:
    """One feature space for all questions (the texts overlap: every question learns "not an
    answer" from the same requests), one regression per question."""

    def __init__(self, features: FeatureUnion, heads: dict[str, LogisticRegression]) -> None:
        self.features = features
        self.heads = heads
        # One answer is read up to four times in its turn (sure? plausible? an answer at all?).
        self._read = lru_cache(maxsize=1024)(self._read_uncached)

    def read(self, question: str, text: str) -> Reading:
        """The likeliest answer the text gives to the question, and how likely it is."""
        return self._read(question, fold(text))

    def _read_uncached(self, question: str, folded: str) -> Reading:
        if not folded or question not in self.heads:
            return Reading(None, 0.0)
        head = self.heads[question]
        probabilities = head.predict_proba(self.features.transform([folded]))[0]
        best = int(numpy.argmax(probabilities))
        value = str(head.classes_[best])
        return Reading(None if value == OTHER else value, float(probabilities[best]))


def train_models(examples: dict[str, Examples] | None = None) -> AnswerModels:
    examples = examples or {question: load_examples(question) for question in QUESTIONS}
    features = build_features()
    features.fit(sorted({text for e in examples.values() for text in e.texts}))
    heads = {}
    for question, e in examples.items():
        head = build_head()
        head.fit(features.transform(e.texts), e.labels)
        head.coef_ = head.coef_.astype(numpy.float32)  # half the size, the same answers
        heads[question] = head
    return AnswerModels(features, heads)


def model_file() -> Path:
    return cached_file("answers", fingerprint())


@lru_cache(maxsize=1)
def answer_models() -> AnswerModels:
    """The fitted models: from models/ when their inputs have not changed, else trained now."""
    return load_or_train("answers", fingerprint(), train_models, lambda m: (m.features, m.heads),
                         lambda stored: AnswerModels(*stored))
