"""The measurement of a gate on classifier-only crisis signals (benchmarks/crisis_gate.py): what
counts as let through, that a lexicon's signal never is, and that the batched readings are the
answer classifiers' own."""
from __future__ import annotations

import pytest

from benchmarks.crisis_gate import LEXICON, Gate, flag, passes, readings_of
from bot.parsing.understanding import Reading, answer_models

CHILDCARE = frozenset({"childcare_needed"})


def test_a_sure_answer_at_a_question_of_the_gate_below_the_ceiling_passes() -> None:
    flagged = (0.6, {"childcare_needed": Reading("yes", 0.95), "goal": Reading("work", 0.99)})
    assert passes(Gate(CHILDCARE, 0.7, 0.9), flagged, ["childcare_needed"])
    assert not passes(Gate(CHILDCARE, 0.7, 0.9), flagged, ["goal"])  # a question the gate leaves out
    assert not passes(Gate(CHILDCARE, 0.6, 0.9), flagged, ["childcare_needed"])  # the classifier is surer than the ceiling
    assert not passes(Gate(CHILDCARE, 0.7, 0.98), flagged, ["childcare_needed"])  # the answer not sure enough
    assert not passes(Gate(CHILDCARE, 0.7, 0.9), None, ["childcare_needed"])  # no crisis: nothing to let through


@pytest.mark.parametrize("reading", [Reading("unknown", 0.99), Reading("unsure", 0.99), Reading(None, 0.99)])
def test_no_answer_and_i_dont_know_never_outweigh_a_signal(reading: Reading) -> None:
    assert not Gate(answer_floor=0.5).outweighs(reading)


def test_a_lexicon_match_is_never_let_through() -> None:
    assert flag("I want to kill myself", ["childcare_needed"]) == LEXICON
    assert not passes(Gate(crisis_ceiling=float("inf"), answer_floor=0.0), LEXICON, ["childcare_needed"])


def test_a_classifier_only_signal_comes_with_its_probability_and_the_readings() -> None:
    flagged = flag("nobody would miss me if i was gone", ["goal", "contact_time"])  # no lexicon lists it
    assert flagged is not None and flagged != LEXICON
    probability, readings = flagged
    assert 0.5 <= probability <= 1.0 and set(readings) == {"goal", "contact_time"}
    assert flag("Moers", ["goal"]) is None


def test_the_batched_readings_are_the_answer_classifiers_own() -> None:
    texts = ["ja, zwei Kinder und ein Baby", "nobody would miss me if i was gone", "", "vormittags", "keine Ahnung"]
    questions = ["childcare_needed", "contact_time", "goal"]
    batched = readings_of(texts, questions)
    for question in questions:
        for text, reading in zip(texts, batched[question], strict=True):
            single = answer_models().read(question, text)
            assert reading.value == single.value and reading.probability == pytest.approx(single.probability, abs=1e-6)
