"""Crisis detection (bot/safety): the lexicons against the examples they were written for
(bot/safety/training/lexicon/), normalisation, that every language's lexicon is there and
compiles, and the classifier's arithmetic. How well both do on unseen messages is measured by
`make safety-report` on the held-out sets, not here."""
from pathlib import Path

import numpy
import pytest
import yaml

from bot.i18n import SUPPORTED_LANGUAGES
from bot.safety import MODEL, CrisisSignal, detect_crisis, lexicon_signal
from bot.safety.classifier import crisis_classifier
from bot.safety.lexicon import CATEGORIES, LEXICON_DIR, LexiconError, compiled_lexicons, load_lexicon
from bot.safety.normalize import normalize

DEV_DIR = Path(__file__).resolve().parents[2] / "bot" / "safety" / "training" / "lexicon"
DEV_SETS = {path.stem: yaml.safe_load(path.read_text(encoding="utf-8")) for path in sorted(DEV_DIR.glob("*.yml"))}
CRISES = [(lang, kind, text) for lang, data in DEV_SETS.items() for kind, texts in data["crisis"].items() for text in texts]
LOOKALIKES = [(lang, text) for lang, data in DEV_SETS.items() for text in data["lookalike"]]


@pytest.mark.parametrize(("language", "kind", "text"), CRISES)
def test_dev_crisis_is_detected_with_its_category(language, kind, text):
    signal = lexicon_signal(normalize(text))
    assert signal is not None, f"missed ({language}, {kind}): {text}"
    assert signal.kind == kind, f"{text}: {signal}"


@pytest.mark.parametrize(("language", "text"), LOOKALIKES)
def test_dev_lookalike_is_not_a_crisis(language, text):
    assert lexicon_signal(normalize(text)) is None


@pytest.mark.parametrize("language", sorted(DEV_SETS))
def test_dev_set_is_big_enough(language):
    data = DEV_SETS[language]
    assert data["language"] == language
    assert set(data["crisis"]) == set(CATEGORIES)
    assert all(len(texts) >= 15 for texts in data["crisis"].values())
    assert len(data["lookalike"]) >= 30


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ich will STERBEN!!! 😢", "ich will sterben"),
        ("İstanbul'da ölmek ISTIYORUM", "istanbul da olmek istiyorum"),
        ("Ça m'a tué — l'enfant", "ca m a tue l enfant"),
        ("أُرِيدُ أنْ أموتَ ١٢٣", "ارید ان اموت 123"),
        ("كيف يمكنني مساعدة الطفلة؟", "کیف یمکننی مساعده الطفله"),
        ("إسـعـاف آلام", "اسعاف الام"),
        ("می‌خواهم ۴۵", "می خواهم 45"),
        ("Я хочу умереть, ёлки йод", "я хочу умереть ёлки йод"),
        ("він мене бʼє, б'є", "він мене б є б є"),
        ("ሞት ይሻለኛል።", "ሞት ይሻለኛል"),
        ("  soft\u00adhyphen\tand   spaces ", "softhyphen and spaces"),
        ("", ""),
    ],
)
def test_normalize(text, expected):
    assert normalize(text) == expected


def test_long_input_is_cut():
    assert len(normalize("a" * 10_000)) == 2000


def test_priority_suicide_over_violence():
    assert detect_crisis("my husband beats me and I want to kill myself") == CrisisSignal("suicide", "en")


def test_languages_mixed_in_one_message():
    assert detect_crisis("hallo, مساعدة please, زوجي يضربني") == CrisisSignal("violence", "ar")


def test_ordinary_message_and_empty_text():
    assert detect_crisis("Ich wohne in Moers und habe zwei Kinder") is None
    assert detect_crisis("") is None
    assert detect_crisis("!!! ...") is None


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_lexicon_exists_and_compiles(language):
    path = LEXICON_DIR / f"{language}.yml"
    assert path.exists(), f"missing {path}"
    lexicon = load_lexicon(path)
    assert all(lexicon.crisis[kind] for kind in CATEGORIES), "every category needs patterns"


def test_all_lexicons_load_together():
    compiled_lexicons.cache_clear()
    assert detect_crisis("I want to kill myself") == CrisisSignal("suicide", "en")


def test_bad_patterns_are_rejected(tmp_path):
    for bad in ["'(unclosed'", "'(?P<x>a)'", "'a?'"]:
        path = tmp_path / "xx.yml"
        path.write_text(f"language: xx\ncrisis:\n  suicide: [{bad}]\n", encoding="utf-8")
        with pytest.raises(LexiconError):
            load_lexicon(path)


# --- the classifier ------------------------------------------------------------------------------
def test_the_hand_evaluation_equals_the_pipeline():
    classifier = crisis_classifier()
    for text in ("ich will nicht mehr leben", "Moers", "my husband hits me", "17.04.2001", "", "zz qq"):
        normalised = normalize(text)
        expected = classifier.model.predict_proba([normalised])[0]
        assert numpy.allclose(classifier.probabilities(normalised), expected, atol=1e-8), text


def test_the_classifier_finds_what_no_lexicon_lists():
    # Phrasings in none of the lexicons: only the model can find them.
    for text, kind in (("nobody would miss me if i was gone", "suicide"),
                       ("my baby is very hot and does not wake up", "medical"),
                       ("the little one from next door has been alone since friday", "child")):
        assert lexicon_signal(normalize(text)) is None, text
        assert detect_crisis(text) == CrisisSignal(kind, MODEL), text


def test_ordinary_intake_answers_are_no_crisis():
    for text in ("Amina", "17.04.2001", "130", "0176 1234567", "Moers", "Syrien", "A2", "Ich möchte eine Ausbildung machen",
                 "I worked as a nurse for 5 years", "nein", "vormittags", "I don't know"):
        assert detect_crisis(text) is None, text


NATIVE_REVIEW = {"ps", "ku", "ckb", "ti", "so"}


def test_ordinary_answers_cover_every_language_and_known_questions():
    from bot.parsing.understanding import QUESTIONS
    from bot.safety.classifier import ORDINARY_DIR, ordinary_answers, ordinary_files

    assert {path.stem for path in ordinary_files()} == set(SUPPORTED_LANGUAGES)
    questions = set(QUESTIONS) | {"residence_kind"}
    for path in ordinary_files():
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert data["language"] == path.stem
        answers = ordinary_answers(path)
        assert set(answers) <= questions, path.name
        assert len(answers["childcare_needed"]) >= 15, path.name
        if path.stem in NATIVE_REVIEW:  # written without native speakers
            assert data["review"] == "native-review-needed", path.name
            assert "needs-native-review" in path.read_text(encoding="utf-8"), path.name
    assert ORDINARY_DIR.is_dir()


def test_source_weights_keep_the_balanced_class_totals():
    from sklearn.utils.class_weight import compute_sample_weight

    from bot.safety.classifier import BULK, CRISIS, LOOKALIKE, NONE, ORDINARY, sample_weights

    labels = ["suicide"] * 3 + ["child"] * 2 + [NONE] * 10
    sources = [CRISIS] * 5 + [LOOKALIKE] * 2 + [ORDINARY] * 3 + [BULK] * 5
    plain = sample_weights(labels, sources, {CRISIS: 1, LOOKALIKE: 1, ORDINARY: 1, BULK: 1})
    assert numpy.allclose(plain, compute_sample_weight("balanced", labels))
    weighted = sample_weights(labels, sources, {CRISIS: 1, LOOKALIKE: 3, ORDINARY: 5, BULK: 1})
    none = numpy.array(labels) == NONE
    assert numpy.isclose(weighted[none].sum(), plain[none].sum())  # "none" keeps its total …
    assert numpy.allclose(weighted[~none], plain[~none])  # … and the crisis classes theirs
    assert weighted[5] == 3 * weighted[-1] and weighted[7] == 5 * weighted[-1]


def test_a_source_weighted_0_is_left_out_of_training():
    from bot.safety.classifier import BULK, CRISIS, LOOKALIKE, NONE, ORDINARY, fit_model

    crises = ["i want to die", "i want to die tonight", "he hits me", "he hits me every day"]
    ordinary = ["my kids are 2 and 4", "my kids need a kita"]
    rest = ["moers", "moers please", "a2 level", "a2 course", "i want to work", "i want to study"]
    labels = ["suicide", "suicide", "violence", "violence"] + [NONE] * 8
    texts = crises + ordinary + rest
    sources = [CRISIS] * 4 + [ORDINARY] * 2 + [LOOKALIKE] * 2 + [BULK] * 4
    weights = {CRISIS: 1, LOOKALIKE: 1, ORDINARY: 0, BULK: 1}
    without = [i for i, source in enumerate(sources) if source != ORDINARY]
    left_out = fit_model(texts, labels, sources, weights)
    never_there = fit_model([texts[i] for i in without], [labels[i] for i in without], [sources[i] for i in without], weights)
    assert numpy.allclose(left_out.named_steps["model"].coef_, never_there.named_steps["model"].coef_)


# Written for this test, in none of the training files: ordinary answers to the intake's questions
# (childcare above all), and crisis messages about children and home that must stay crises.
ORDINARY_ANSWERS = [
    "yes please, I have 3 kids, the youngest is 2",
    "ja, zwei Kinder, 1 und 4 Jahre alt, keine Kita",
    "oui, j'ai un bébé de 9 mois",
    "так, у мене двоє дітей, 3 і 6 років",
    "да, сыну 2 года, в садик не взяли",
    "evet, 2 yaşında bir kızım var",
    "نعم عندي ولدين صغار",
    "بله، یک دختر 3 ساله دارم",
    "erê, du zarokên min hene, 2 û 4 salî",
    "بەڵێ، کوڕێکی 2 ساڵ و کچێکی 4 ساڵم هەیە",
    "هو، زما دوه ماشومان دي، 2 او 5 کلن",
    "haa, laba carruur oo yaryar ayaan leeyahay",
    "እወ፣ ክልተ ንኣሽቱ ቆልዑ ኣለዉኒ",
]
CHILD_CRISES = [
    ("my little boy fell in the canal and does not breathe", "medical"),
    ("mein Mann schlägt die Kinder", None),
    ("my neighbour's kids are alone for three days, nobody feeds them", "child"),
    ("ich will nicht mehr leben, die Kinder sind besser ohne mich", "suicide"),
]


@pytest.mark.parametrize("text", ORDINARY_ANSWERS)
def test_ordinary_childcare_and_home_answers_are_no_crisis(text):
    assert detect_crisis(text) is None, text


@pytest.mark.parametrize(("text", "kind"), CHILD_CRISES)
def test_crises_about_children_stay_crises(text, kind):
    signal = detect_crisis(text)
    assert signal is not None, text
    assert kind is None or signal.kind == kind, (text, signal)


def test_the_cached_model_is_reused(tmp_path, monkeypatch):
    from bot import model_cache
    from bot.safety import classifier as module

    monkeypatch.setattr(model_cache, "MODEL_DIR", tmp_path)
    module.crisis_classifier.cache_clear()
    try:
        first = module.crisis_classifier()
        (cached,) = tmp_path.glob("safety-*.joblib")
        module.crisis_classifier.cache_clear()
        monkeypatch.setattr(module, "train_classifier", lambda: pytest.fail("trained again"))
        assert module.crisis_classifier().probabilities("moers").tolist() == first.probabilities("moers").tolist()
        assert cached.name == f"safety-{module.fingerprint()}.joblib"
    finally:
        module.crisis_classifier.cache_clear()


def test_a_model_pickled_by_another_python_or_library_is_not_loaded(monkeypatch):
    """A models/ folder kept across a change of environment (Python 3.10 → 3.12, a new NumPy or
    scikit-learn) gets new fingerprints, so the old pickles are retrained rather than unpickled."""
    import sys

    import sklearn

    from bot import model_cache
    from bot.parsing import understanding
    from bot.safety import classifier

    python = ".".join(map(str, sys.version_info[:2]))
    assert f"python {python}" in model_cache.runtime() and sklearn.__version__ in model_cache.runtime()
    before = classifier.fingerprint(), understanding.fingerprint()
    elsewhere = model_cache.runtime().replace(f"python {python}", "python 3.10") + "|scikit-learn 1.5.0"
    monkeypatch.setattr(classifier, "runtime", lambda: elsewhere)
    monkeypatch.setattr(understanding, "runtime", lambda: elsewhere)
    assert classifier.fingerprint() != before[0] and understanding.fingerprint() != before[1]
