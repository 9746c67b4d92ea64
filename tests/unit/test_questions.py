"""The intake's questions: their order, which apply to whom, answers in words, the summary."""
from __future__ import annotations

import datetime
from typing import Any

import pytest
import yaml

from actions.answers import Answer
from actions.questions import FORM_SLOTS, QUESTION_BY_SLOT, SKIPPED, Context, skip_updates
from bot.config import PROJECT_ROOT, load_settings
from bot.deployment import load_deployment
from bot.intake.answers import record_fields
from bot.intake.fields import summary
from bot.parsing import AnswerError

DEPLOYMENT = load_deployment(load_settings().deployment_file)
TODAY = datetime.date(2026, 11, 22)


def test_the_form_asks_in_the_order_of_the_questions() -> None:
    domain = yaml.safe_load((PROJECT_ROOT / "nlu_data" / "domain" / "intake.yml").read_text())
    assert tuple(domain["forms"]["intake_form"]["required_slots"]) == FORM_SLOTS
    assert {f"action_ask_{slot}" for slot in FORM_SLOTS} <= set(domain["actions"])


def parse(slot: str, text: str, language: str = "en", intent: str = "inform", **slots: Any) -> Any:
    context = Context(TODAY, DEPLOYMENT, language, slots)
    return QUESTION_BY_SLOT[slot].parse(Answer(text, intent, 0.9), context)


@pytest.mark.parametrize(
    ("slot", "text", "language", "value"),
    [
        ("gender", "Female", "en", "female"),
        ("gender", "Weiblich", "de", "female"),
        ("gender", "ich bin eine Frau", "de", "female"),
        ("german_level", "I have B1", "en", "B1"),
        ("german_level", "Not at all", "en", "none"),
        ("goal", "A job", "en", "job"),
        ("goal", "Ausbildung", "de", "ausbildung"),
        ("contact_method", "By phone", "en", "phone"),
        ("school_certificate", "Primary school", "en", "primary"),
        ("school_certificate", "Tawjihi", "en", "Tawjihi"),
        ("qualification_recognised", "The recognition is in progress", "en", "in_progress"),
        ("nationality", "Syrer", "de", "SY"),
        ("languages", "Arabic and English", "en", ["ar", "en"]),
        ("school_years", "۹", "fa", 9),
        ("phone", "0176 123 45 67", "de", "01761234567"),
        ("phone", "+49 176 1234567", "de", "+491761234567"),
        ("contact_language", "Arabic", "en", "ar"),
        ("vocational_qualification", "tailor, 3 years", "en", "tailor, 3 years"),
    ],
)
def test_answers_in_words(slot: str, text: str, language: str, value: Any) -> None:
    assert parse(slot, text, language).value == value


@pytest.mark.parametrize(
    ("slot", "text", "code"),
    [("gender", "purple", "choice_unclear"), ("school_years", "many", "number_unparsed"),
     ("school_years", "40", "number_implausible"), ("phone", "call me", "phone_unparsed"),
     ("nationality", "Atlantis", "country_unknown"), ("languages", "the usual", "languages_unparsed")],
)
def test_unusable_answers(slot: str, text: str, code: str) -> None:
    with pytest.raises(AnswerError) as error:
        parse(slot, text)
    assert error.value.code == code


def test_arrival_cannot_be_before_birth_or_in_the_future() -> None:
    with pytest.raises(AnswerError, match="date_before_birth"):
        parse("arrival_date", "2010", birth_date="2012-05-01")
    with pytest.raises(AnswerError, match="date_in_future"):
        parse("arrival_date", "12.2027")
    assert parse("arrival_date", "03.2022", birth_date="2001").value == "2022-03"


def test_the_kind_of_duldung_refines_the_status() -> None:
    parsed = parse("residence_kind", "Ausbildungsduldung (for training)", residence_status="duldung")
    assert parsed.value == "duldung_ausbildung"
    assert parsed.extra == {"residence_status": "duldung_ausbildung"}


def test_questions_that_do_not_apply_are_skipped_and_return_when_they_do() -> None:
    slots = dict.fromkeys(FORM_SLOTS)
    slots.update(birth_date="2001-04-17", residence_status="german_citizen", contact_method="telegram",
                 contact_language="de", vocational_qualification="none")
    updates = skip_updates(slots)
    for skipped in ("birth_date_exact", "residence_kind", "employment_permitted", "arrival_date", "phone",
                    "interpreter_needed", "qualification_recognised"):
        assert updates[skipped] == SKIPPED, skipped
    slots.update(updates, contact_method="phone", birth_date="2001")
    updates = skip_updates(slots)
    assert updates["phone"] is None and updates["birth_date_exact"] is None


def test_record_and_summary_of_a_full_profile() -> None:
    slots = {
        "language": "de", "consent": "yes", "first_name": "Amina", "birth_date": "2001-04-17", "gender": "female",
        "nationality": "SY", "municipality": "05170024", "in_reception_facility": "no",
        "residence_status": "duldung_ausbildung", "residence_kind": "duldung_ausbildung", "employment_permitted": "yes",
        "arrival_date": "2022-03", "languages": ["ar", "en"], "german_level": "A2", "school_years": 9,
        "school_certificate": "lower_secondary", "vocational_qualification": "Schneiderin",
        "qualification_recognised": "no", "work_experience": "3 Jahre", "goal": "ausbildung", "childcare_needed": "no",
        "contact_method": "phone", "phone": "01761234567", "contact_language": "ar", "interpreter_needed": "yes", "contact_time": "evening",
    }
    record = record_fields(slots, DEPLOYMENT)
    assert record["municipality"] == {"ags": "05170024", "name": "Moers"}
    assert record["languages"] == [{"code": "ar", "level": None}, {"code": "en", "level": None}]
    assert record["in_reception_facility"] is False and record["childcare_needed"] is False
    assert record["school_certificate"] == {"code": "lower_secondary", "text": None}
    assert record["vocational_qualification"] == {"text": "Schneiderin", "qualification_recognised": "no"}
    assert record["contact"] == {"method": "phone", "phone": "01761234567", "language": "ar", "interpreter_needed": True,
                                 "times": "evening"}
    lines = {field: (label, value) for field, label, value in summary(slots, "de", DEPLOYMENT)}
    assert lines["birth_date"] == ("Geburtsdatum", "17. April 2001")
    assert lines["nationality"][1] == "Syrien"
    assert lines["municipality"][1] == "Moers"
    assert "Ausbildungsduldung" in lines["residence_status"][1]


def press(slot: str, value: str, language: str = "en") -> Any:
    """A button answer for `slot` with `value`, as the form reads a tapped (or forged) button."""
    context = Context(TODAY, DEPLOYMENT, language, {})
    return QUESTION_BY_SLOT[slot].parse(Answer(value, "inform", 1.0, slot=slot, value=value), context)


@pytest.mark.parametrize(
    ("slot", "value", "parsed"),
    [("gender", "female", "female"), ("school_years", "0", 0), ("work_experience", "none", "none"),
     ("school_certificate", "primary", "primary"), ("language", "fa", "fa"), ("languages", "ar", ["ar"]),
     ("contact_language", "de", "de")],
)
def test_offered_buttons_are_taken(slot: str, value: str, parsed: Any) -> None:
    assert press(slot, value).value == parsed


@pytest.mark.parametrize(
    ("slot", "value"),
    [("gender", "=admin"), ("goal", "anything"), ("school_years", "abc"), ("school_years", "12"),
     ("work_experience", "forged text"), ("vocational_qualification", "x"), ("school_certificate", "phd"),
     ("language", "xx"), ("languages", "klingon"), ("contact_language", "")],
)
def test_values_no_button_offered_are_asked_again(slot: str, value: str) -> None:
    with pytest.raises(AnswerError) as raised:
        press(slot, value)
    assert raised.value.code == "choice_unclear"


@pytest.mark.parametrize(
    ("slot", "text", "language"),
    [
        ("residence_status", "I have no Duldung", "en"),
        ("residence_status", "Ich habe keine Duldung", "de"),
        ("residence_status", "ዱልዱንግ የብለይን", "ti"),
        ("residence_status", "دولدونگم نییە", "ckb"),
        ("nationality", "I have no German passport", "en"),
        ("nationality", "Я не гражданин Украины", "ru"),
    ],
)
def test_a_status_or_nationality_said_with_a_negation_is_proposed_not_stored(slot: str, text: str,
                                                                             language: str) -> None:
    try:
        parsed = QUESTION_BY_SLOT[slot].parse(Answer(text, "inform", 0.9), Context(TODAY, DEPLOYMENT, language, {}))
    except AnswerError:
        return  # asked again: nothing stored either
    assert parsed.confirm


def test_the_same_status_without_a_negation_is_stored() -> None:
    parsed = QUESTION_BY_SLOT["residence_status"].parse(Answer("I have a Duldung", "inform", 0.9),
                                                       Context(TODAY, DEPLOYMENT, "en", {}))
    assert (parsed.value, parsed.confirm) == ("duldung", False)
