"""The whole intake in each of the 13 languages, in words wherever the question allows.

Each run writes its conversation to docs/transcripts/<lang>.md (generated, not hand-written).
"""
from __future__ import annotations

import pytest

from bot.i18n import SUPPORTED_LANGUAGES
from bot.messages import known_responses
from tests.e2e.conftest import Harness
from tests.e2e.fake_telegram import BotMessage
from tests.e2e.intake_driver import IntakeRun, write_transcript

NAMES = {"de": "Amina", "en": "John", "ar": "أحمد", "fa": "زهرا", "ps": "احمد", "ku": "Berfîn", "ckb": "ئاراس",
         "ti": "ሰላም", "so": "Hodan", "tr": "Ayşe", "uk": "Олена", "ru": "Дмитрий", "fr": "Fatou"}


def texts(replies: list[BotMessage]) -> str:
    return "\n".join(m.text for m in replies)


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_complete_intake_in_every_language(harness: Harness, language: str) -> None:
    user = harness.user(language_code=language, first_name="Test")
    run = IntakeRun(user, language, NAMES[language])
    run.complete()
    write_transcript(run)

    intake = harness.intake_of(user)
    assert intake is not None and intake["status"] == "handed_off"
    assert intake["language"] == language
    assert intake["first_name"] == NAMES[language]
    assert intake["birth_date"] == "2001-04-17"
    assert (intake["gender"], intake["nationality"]) == ("female", "SY")
    assert intake["municipality"] == {"ags": "05170024", "name": "Moers"}
    assert intake["in_reception_facility"] is False
    assert (intake["residence_status"], intake["employment_permitted"]) == ("duldung_ausbildung", "yes")
    assert intake["arrival_date"] == "2022-03"
    assert [entry["code"] for entry in intake["languages"]] == ["ar", "en"]
    assert (intake["german_level"], intake["school_years"], intake["goal"]) == ("A2", 9, "job")
    assert intake["school_certificate"]["code"] == "lower_secondary"
    # Whoever talks with the team in German is not asked about an interpreter.
    assert intake["contact"] == {"method": "phone", "phone": "01761234567", "language": language,
                                 "interpreter_needed": None if language == "de" else True, "times": "afternoon"}
    assert intake["childcare_needed"] is False
    # A person never sees another language's text: no English sentence reached them.
    if language != "en":
        english = [m.text for m in known_responses().messages.values() if len(m.text.split()) >= 4 and "{" not in m.text]
        shown = "\n".join(message.text for turn in run.turns for message in turn.bot)
        leaked = [sentence for sentence in english if sentence in shown]
        assert not leaked, f"{language}: English text shown: {leaked[:2]}"


def test_corrections_at_the_summary_return_to_the_summary(harness: Harness) -> None:
    user = harness.user(language_code="en")
    run = IntakeRun(user, "en", "Sara")
    replies = run.answer_until("confirmed", run.start())
    assert "Please check your answers" in texts(replies)

    replies = run.press("Change: Date of birth", replies)
    assert "When were you born?" in texts(replies)
    replies = run.say("03.05.1999")
    assert "Please check your answers" in texts(replies)
    assert "May 3, 1999" in texts(replies)

    replies = run.press("Change: Place of residence", replies)
    assert "In which town" in texts(replies)
    replies = run.press("Wesel", replies)
    assert "Please check your answers" in texts(replies)
    replies = run.press("Everything is correct", replies)
    assert "Thank you, Sara" in texts(replies)

    intake = harness.intake_of(user)
    assert intake is not None and intake["status"] == "handed_off"
    assert intake["birth_date"] == "1999-05-03"
    assert intake["municipality"] == {"ags": "05170048", "name": "Wesel"}
    assert intake["nationality"] == "SY"  # untouched answers stay


def test_switching_language_midway_keeps_every_answer(harness: Harness) -> None:
    user = harness.user(language_code="ar")
    run = IntakeRun(user, "ar", "أحمد")
    replies = run.answer_until("residence_status", run.start())
    replies = run.say("/language")
    replies = run.press("Français", replies)
    run.language = "fr"
    assert run.asked(replies) == "residence_status"
    replies = run.say("Duldung")
    assert run.asked(replies) == "residence_kind"
    intake = harness.intake_of(user)
    assert intake is not None
    assert intake["language"] == "fr"
    assert (intake["first_name"], intake["birth_date"], intake["nationality"]) == ("أحمد", "2001-04-17", "SY")
    assert intake["residence_status"] == "duldung"
