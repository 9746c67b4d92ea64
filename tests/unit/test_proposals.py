"""A message declined as a crisis, read as the open question's answer: proposed, never stored."""
from __future__ import annotations

from bot.parsing.proposals import proposal_for


def test_a_plausible_answer_is_proposed_with_its_label_in_the_persons_language() -> None:
    proposal = proposal_for("yes, my kids are alone at home, nobody can look after them", "childcare_needed", None, "de")
    assert proposal == {"slot": "childcare_needed", "value": "yes", "label": "Ja"}


def test_the_kind_of_residence_is_read_by_the_status_given() -> None:
    proposal = proposal_for("I have a Duldung for my Ausbildung", "residence_kind", "duldung", "en")
    assert proposal is not None and proposal["value"] == "duldung_ausbildung"


def test_nothing_is_proposed_for_a_question_without_a_classifier_or_for_no_answer() -> None:
    assert proposal_for("I don't want to live anymore", "birth_date", None, "en") is None
    assert proposal_for("I don't want to live anymore", "goal", None, "en") is None
