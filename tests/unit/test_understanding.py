"""Answers as people write them (issue 13): other calendars, month names in every form, the
answer classifiers, and the confirmation step ("Did you mean …?") of the form."""
from __future__ import annotations

import datetime
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import Answer
from actions.intake_actions import ASK_ACTIONS
from actions.questions import QUESTION_BY_SLOT, Context, answers_directly
from bot.config import load_settings
from bot.deployment import load_deployment
from bot.parsing import AnswerError
from bot.parsing.calendars import read_other_calendar
from bot.parsing.countries import guess_nationality
from bot.parsing.dates import parse_partial_date
from bot.parsing.understanding import OTHER, answer_models
from tests.unit.test_intake_form import run_form, tracker

TODAY = datetime.date(2026, 12, 6)
DEPLOYMENT = load_deployment(load_settings().deployment_file)


@pytest.mark.parametrize(
    ("text", "gregorian", "calendar"),
    [
        ("۱۳۷۵/۰۵/۱۰", (1996, 7, 31), "solar_hijri"),  # y/m/d in Persian digits
        ("10/05/1375", (1996, 7, 31), "solar_hijri"),  # d/m/y
        ("10 Asad 1375", (1996, 7, 31), "solar_hijri"),  # Dari month name in Latin letters
        ("متولد ۲۲ بهمن ۱۳۶۸", (1990, 2, 11), "solar_hijri"),  # Persian month name
        ("د ۱۳۷۲ کال د چنګاښ ۳ مه", (1993, 6, 24), "solar_hijri"),  # Pashto month name, inflected
        ("ብ 12 መስከረም 1988 ዓ.ም. ተወሊደ", (1995, 9, 23), "ethiopian"),  # with the era mark
        ("07/05/1980 ዓ.ም", (1988, 1, 16), "ethiopian"),
    ],
)
def test_solar_hijri_and_ethiopian_dates_are_converted(text: str, gregorian: tuple[int, int, int], calendar: str) -> None:
    converted = read_other_calendar(text)
    assert converted is not None
    assert ((converted.year, converted.month, converted.day), converted.calendar) == (gregorian, calendar)


def test_a_solar_hijri_month_or_year_alone_keeps_its_precision() -> None:
    month = read_other_calendar("خرداد ۱۳۷۰")
    year = read_other_calendar("سال ۱۳۷۸")
    assert month is not None and (month.year, month.month, month.day) == (1991, 6, None)
    assert year is not None and (year.year, year.month) == (1999, None)


@pytest.mark.parametrize(("text", "iso"), [("17.04.2001", "2001-04-17"), ("ብ 20 ጥሪ 1993", "1993-01-20"), ("2019", "2019")])
def test_gregorian_dates_and_eritrean_month_names_are_not_converted(text: str, iso: str) -> None:
    date = parse_partial_date(text, TODAY)
    assert date is not None and (date.iso(), date.calendar) == (iso, None)


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("1st of January 1998", "1998-01-01"),  # ordinal day
        ("انولدت ب ٣ آذار ١٩٩٩", "1999-03-03"),  # Levantine month name with a digit script
        ("بأيلول 2016", "2016-09"),  # proclitic on the month
        ("в березні 2022", "2022-03"),  # Ukrainian locative
        ("в марте 2022", "2022-03"),  # Russian prepositional
        ("14ê Sibatê 1987", "1987-02-14"),  # Kurmanji month with its suffix
        ("17 feb 91", "1991-02-17"),  # two-digit year after a month name
        ("bishii 6aad ee 2021", "2021-06"),  # "the 6th month of 2021"
        ("last year in December", "2025-12"),
        ("geçen yıl eylülde", "2025-09"),
        ("2 листопада цього року", "2026-11-02"),
    ],
)
def test_month_names_in_every_form(text: str, iso: str) -> None:
    date = parse_partial_date(text, TODAY)
    assert date is not None and date.iso() == iso


def answer(slot: str, text: str, language: str, intent: str = "inform", **slots: Any) -> Any:
    context = Context(TODAY, DEPLOYMENT, language, {"birth_date": "1990-01-01", **slots})
    return QUESTION_BY_SLOT[slot].parse(Answer(text, intent, 0.9), context)


@pytest.mark.parametrize(
    ("slot", "text", "language", "intent", "value"),
    [
        # A negation is an answer, even where the intent model hears "I don't know".
        ("german_level", "Almanca bilmiyorum", "tr", "dont_know", "none"),
        ("german_level", "je ne parle pas du tout allemand", "fr", "deny", "none"),
        ("german_level", "my German is about B1 I think", "en", "inform", "B1"),
        ("goal", "looking for work in a warehouse", "en", "inform", "job"),
        ("goal", "хочу работать водителем", "ru", "inform", "job"),
        ("goal", "بدي شغل", "ar", "inform", "job"),
        ("residence_status", "گشتاتونگ", "fa", "inform", "gestattung"),
        ("residence_status", "у меня дульдунг", "ru", "inform", "duldung"),
        ("nationality", "sénégalaise", "fr", "inform", "SN"),
        ("nationality", "из Сирии", "ru", "inform", "SY"),
        ("nationality", "Suriyeliyim", "tr", "inform", "SY"),
        ("in_reception_facility", "no, I live in my own flat now", "en", "inform", "no"),
    ],
)
def test_sentences_are_understood(slot: str, text: str, language: str, intent: str, value: str) -> None:
    parsed = answer(slot, text, language, intent)
    assert parsed.value == value


def test_the_goal_without_an_unknown_choice_takes_i_dont_know_as_not_sure_yet() -> None:
    assert answer("goal", "I don't know", "en", "dont_know").value == "unsure"


def test_a_request_is_no_answer_to_any_question() -> None:
    models = answer_models()
    for question in ("german_level", "goal", "nationality", "contact_time"):
        assert models.read(question, "I want to talk to a person").value is None, question
    assert OTHER not in {models.read("goal", "hello").value}


def test_a_sure_answer_is_an_answer_even_if_the_intent_model_hears_a_request() -> None:
    assert answers_directly("goal", "je voudrais apprendre un métier", "fr", TODAY)
    assert answers_directly("arrival_date", "sanadkii hore", "so", TODAY)  # "last year", not "go back"
    assert not answers_directly("goal", "I want to talk to a person", "en", TODAY)


def test_a_date_from_another_calendar_is_proposed_not_stored() -> None:
    parsed = answer("birth_date", "۱۳۷۵/۰۵/۱۰", "fa")
    assert (parsed.value, parsed.confirm) == ("1996-07-31", True)
    assert answer("birth_date", "31.07.1996", "fa").confirm is False


async def test_a_proposal_is_asked_as_did_you_mean_and_stored_only_when_confirmed() -> None:
    slots, _ = await run_form(tracker("birth_date", "10 Asad 1375", language="fa"))
    assert slots["birth_date"] is None
    pending = slots["pending_answer"]
    assert (pending["slot"], pending["value"]) == ("birth_date", "1996-07-31")

    ask = next(action for action in ASK_ACTIONS if action().name() == "action_ask_birth_date")()
    dispatcher = CollectingDispatcher()
    await ask.run(dispatcher, tracker("birth_date", "", language="en", pending_answer=pending), {})
    (message,) = dispatcher.messages
    assert message["text"] == f"Did you mean: {pending['label']}?"
    yes, no = message["buttons"]
    assert yes["payload"] == '/inform{"slot":"birth_date","value":"1996-07-31"}'
    assert (no["title"], no["payload"]) == ("No, I will write it again", "/deny")

    # The Yes button stores the Gregorian date; the proposal is done with.
    entities = [{"entity": "slot", "value": "birth_date"}, {"entity": "value", "value": "1996-07-31"}]
    slots, _ = await run_form(tracker("birth_date", yes["payload"], entities=entities, language="fa",
                                      pending_answer=pending))
    assert (slots["birth_date"], slots["pending_answer"]) == ("1996-07-31", None)


async def test_a_confirmed_month_is_stored_as_a_month() -> None:
    slots, _ = await run_form(tracker("arrival_date", "آبان ۱۴۰۰ رسیدم", language="fa"))
    pending = slots["pending_answer"]
    assert (pending["value"], slots["arrival_date"]) == ("2021-11", None)
    entities = [{"entity": "slot", "value": "arrival_date"}, {"entity": "value", "value": "2021-11"}]
    slots, _ = await run_form(tracker("arrival_date", '/inform{"slot":"arrival_date","value":"2021-11"}',
                                      entities=entities, language="fa", pending_answer=pending))
    assert slots["arrival_date"] == "2021-11"


def test_the_name_of_the_document_again_proposes_the_kind_its_words_say() -> None:
    parsed = answer("residence_kind", "c'est une Duldung pour faire une formation", "fr", residence_status="duldung")
    assert parsed.value == "duldung_ausbildung"
    assert answer("residence_kind", "nur Duldung", "de", residence_status="duldung").value == "duldung"


async def test_no_to_a_proposal_asks_the_question_again_and_stores_nothing() -> None:
    pending = {"slot": "goal", "value": "job", "label": "A job"}
    slots, _ = await run_form(tracker("goal", "/deny", intent="deny", language="en", pending_answer=pending))
    assert (slots["goal"], slots["pending_answer"]) == (None, None)
    # A typed yes stores it.
    slots, _ = await run_form(tracker("goal", "yes", intent="affirm", language="en", pending_answer=pending))
    assert slots["goal"] == "job"


def _stored_or_proposed(slots: dict[str, Any], slot: str) -> Any:
    pending = slots.get("pending_answer")
    return slots.get(slot) or (pending["value"] if isinstance(pending, dict) and pending.get("slot") == slot else None)


async def test_a_plausible_answer_beats_a_correction_and_is_proposed() -> None:
    # "I live in the camp" reads as a correction (its field word is the question's own); the
    # classifier finds a yes plausible but not sure: proposed, not left to the rules, not stored.
    field = [{"entity": "field", "value": "in_reception_facility"}]
    slots, _ = await run_form(tracker("in_reception_facility", "I live in the camp", intent="correct_field",
                                      confidence=0.9, entities=field, language="en"))
    assert slots["in_reception_facility"] is None
    assert (slots["pending_answer"]["slot"], slots["pending_answer"]["value"]) == ("in_reception_facility", "yes")
    # Without a field word too; a greeting before the answer is no request either.
    slots, _ = await run_form(tracker("childcare_needed", "thank you, yes", intent="thank", confidence=0.9, language="en"))
    assert _stored_or_proposed(slots, "childcare_needed") == "yes"


async def test_naming_a_language_answers_the_interpreter_question() -> None:
    slots, _ = await run_form(tracker("interpreter_needed", "yes Arabic please", intent="change_language",
                                      confidence=0.9, language="en", contact_language="en"))
    assert _stored_or_proposed(slots, "interpreter_needed") == "yes"
    # A wish to switch languages is still one.
    slots, _ = await run_form(tracker("interpreter_needed", "can we switch to English", intent="change_language",
                                      confidence=0.9, language="en", contact_language="en"))
    assert "interpreter_needed" not in slots


@pytest.mark.parametrize(("text", "intent", "entities"), [
    ("my date of birth is wrong", "correct_field", [{"entity": "field", "value": "birth_date"}]),
    ("yes, but my date of birth is wrong", "correct_field", [{"entity": "field", "value": "birth_date"}]),
    ("I made a mistake", "correct_field", []),
    ("go back", "go_back", []),
    ("I want to talk to a person", "request_human", []),
    ("yes, I want to talk to a person", "request_human", []),
    ("start over", "start_over", []),
])
async def test_requests_still_interrupt(text: str, intent: str, entities: list[dict[str, Any]]) -> None:
    # A correction naming another field, a request with no plausible answer, and the explicit
    # requests (help, a person, another language, start over) are left to the rules.
    slots, _ = await run_form(tracker("childcare_needed", text, intent=intent, confidence=0.9, entities=entities,
                                      language="en"))
    assert "childcare_needed" not in slots


def test_a_sure_reading_the_rules_contradict_is_proposed_not_stored() -> None:
    from actions.questions import Parsed, _unless_rules_disagree

    def rules(value: str) -> Any:
        def read(text: str) -> str:
            if not value:
                raise AnswerError("country_unknown")
            return value
        return read

    assert _unless_rules_disagree(Parsed("GN"), "Guinea", rules("GW")) == Parsed("GN", confirm=True)
    assert _unless_rules_disagree(Parsed("GN"), "Guinea", rules("GN")) == Parsed("GN")
    assert _unless_rules_disagree(Parsed("GN"), "Guinée", rules("")) == Parsed("GN")  # the rules know nothing


@pytest.mark.parametrize(("text", "code"), [
    ("из Казахстана", "KZ"), ("Afganistan'dan geldim", "AF"), ("з Грузії", "GE"), ("بسوريا", "SY"),
    ("je suis malienne", "ML"),
])
def test_an_inflected_country_name_is_guessed(text: str, code: str) -> None:
    assert guess_nationality(text) == code


@pytest.mark.parametrize("text", ["hello", "I have no idea", "children", "maalesef", "Deutschkurs"])
def test_words_that_only_look_like_a_country_are_not(text: str) -> None:
    assert guess_nationality(text) is None


def test_a_country_found_only_by_its_stem_is_proposed_not_stored() -> None:
    parsed = answer("nationality", "я родом из Казахстана", "ru")
    assert (parsed.value, parsed.confirm) == ("KZ", True)


def test_a_rule_the_classifier_contradicts_is_proposed_not_stored(monkeypatch: pytest.MonkeyPatch) -> None:
    from actions import questions
    from bot.parsing.understanding import Reading

    monkeypatch.setattr(questions, "_read", lambda question, text: Reading("PS", 0.6))
    assert answer("nationality", "Palästinenser aus Syrien", "de") == questions.Parsed("SY", confirm=True)
    monkeypatch.setattr(questions, "_read", lambda question, text: Reading("SY", 0.6))
    assert answer("nationality", "Syrer", "de") == questions.Parsed("SY")  # both readers agree
