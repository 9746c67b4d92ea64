"""The form validation action on tracker fixtures: no Rasa, no servers, a real SQLite database."""
from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import context
from actions.intake_actions import ActionSubmitIntake
from actions.intake_form import ValidateIntakeForm
from bot.config import PROJECT_ROOT
from bot.db import migrate

DOMAIN: dict[str, Any] = {}
for path in sorted((PROJECT_ROOT / "nlu_data" / "domain").glob("*.yml")):
    for key, value in (yaml.safe_load(path.read_text()) or {}).items():
        if isinstance(value, dict):
            DOMAIN.setdefault(key, {}).update(value)
        elif isinstance(value, list):
            DOMAIN.setdefault(key, []).extend(value)


@pytest.fixture(autouse=True)
def database(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    url = database_url
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("LOTSE_VAR_DIR", str(tmp_path))
    monkeypatch.setattr(context, "today", lambda: datetime.date(2026, 11, 22))
    context.database.cache_clear()
    context.intake_store.cache_clear()
    migrate(url)
    yield
    context.database.cache_clear()
    context.intake_store.cache_clear()


def tracker(requested: str, text: str, intent: str = "inform", confidence: float = 0.95,
            entities: list[dict[str, Any]] | None = None, answer_confidence: float = 0.0, **slots: Any) -> Tracker:
    all_slots = dict.fromkeys(DOMAIN["slots"])
    all_slots.update({"requested_slot": requested, "failed_attempts": 0, **slots})
    message = {"text": text, "intent": {"name": intent, "confidence": confidence},
               "intent_ranking": [{"name": intent, "confidence": confidence},
                                  {"name": "inform", "confidence": answer_confidence}],
               "entities": entities or [], "metadata": {"language_code": "en", "channel": "telegram"}}
    return Tracker("telegram:42", all_slots, message,
                   [{"event": "action", "name": "action_listen"}, {"event": "user", "text": text, "parse_data": message}],
                   False, None, {"name": "intake_form", "validate": True}, "action_listen")


async def run_form(t: Tracker) -> tuple[dict[str, Any], list[str]]:
    dispatcher = CollectingDispatcher()
    events = await ValidateIntakeForm().run(dispatcher, t, DOMAIN)
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}, [m["text"] for m in dispatcher.messages]


async def test_a_valid_birth_date_is_stored_and_the_next_question_requested() -> None:
    slots, messages = await run_form(tracker("birth_date", "17.04.2001", language="en", consent="yes", first_name="Sara"))
    assert slots["birth_date"] == "2001-04-17"
    assert messages == []
    record = context.intake_store().get("telegram:42")
    assert record is not None and record["birth_date"] == "2001-04-17" and record["first_name"] == "Sara"


async def test_an_unreadable_date_is_rejected_with_a_reason_and_asked_again() -> None:
    slots, messages = await run_form(tracker("birth_date", "abc", language="en", consent="yes", first_name="Sara"))
    assert slots["birth_date"] is None  # empty again, so the form asks for it again
    assert slots["failed_attempts"] == 1
    assert "could not read this date" in messages[0]


async def test_the_second_failure_explains_the_question() -> None:
    slots, messages = await run_form(tracker("birth_date", "01.01.2090", language="de", consent="yes",
                                             first_name="Sara", failed_attempts=1))
    assert "Zukunft" in messages[0]
    assert "Viele Programme" in messages[1]
    assert slots["failed_attempts"] == 0


async def test_a_button_of_an_earlier_question_counts_for_that_question() -> None:
    button = [{"entity": "slot", "value": "municipality"}, {"entity": "value", "value": "05170048"}]
    slots, _ = await run_form(tracker("residence_status", "/inform", entities=button, confidence=1.0,
                                      language="en", consent="yes", first_name="Sara", birth_date="2001",
                                      municipality="05170024"))
    assert slots["municipality"] == "05170048"
    assert "residence_status" not in slots


async def test_a_request_for_help_is_left_to_the_rules() -> None:
    slots, messages = await run_form(tracker("birth_date", "what does that mean?", intent="ask_help",
                                             language="en", consent="yes", first_name="Sara"))
    assert "birth_date" not in slots
    assert messages == []


async def test_a_low_confidence_interruption_is_taken_as_an_answer() -> None:
    slots, _ = await run_form(tracker("first_name", "Salam", intent="greet", confidence=0.25, language="en", consent="yes"))
    assert slots["first_name"] == "Salam"


async def test_an_interruption_not_clearly_likelier_than_an_answer_is_the_answer() -> None:
    # "Sara" was once read as "start over" (0.54) with "an answer" (0.32) close behind.
    slots, _ = await run_form(tracker("first_name", "Sara", intent="start_over", confidence=0.54,
                                      answer_confidence=0.32, language="en", consent="yes"))
    assert slots["first_name"] == "Sara"
    slots, _ = await run_form(tracker("first_name", "start over", intent="start_over", confidence=0.54,
                                      answer_confidence=0.2, language="en", consent="yes"))
    assert "first_name" not in slots  # left to the rule for "start over"


async def test_a_typed_button_title_answers_even_when_the_model_reads_a_request() -> None:
    # "Nachmittags" (afternoons) was once read as a goodbye with high confidence.
    slots, _ = await run_form(tracker("contact_time", "Nachmittags", intent="goodbye", confidence=0.98,
                                      language="de", consent="yes", first_name="Sara"))
    assert slots["contact_time"] == "afternoon"


async def test_a_typed_title_is_not_taken_for_i_dont_know() -> None:
    slots, _ = await run_form(tracker("contact_time", "Piştî nîvro", intent="dont_know", confidence=0.77,
                                      language="ku", consent="yes", first_name="Sara"))
    assert slots["contact_time"] == "afternoon"


async def test_nothing_is_stored_before_consent() -> None:
    slots, _ = await run_form(tracker("consent", "no", intent="deny", language="en"))
    assert slots["consent"] == "no"
    assert slots["requested_slot"] is None  # the form ends: nothing more is asked
    assert context.intake_store().get("telegram:42") is None


async def test_i_dont_know_is_a_valid_answer() -> None:
    slots, _ = await run_form(tracker("residence_status", "no idea", intent="dont_know", language="en",
                                      consent="yes", first_name="Sara", birth_date="2001", municipality="05170024"))
    assert slots["residence_status"] == "unknown"


async def test_a_language_button_switches_language_and_keeps_the_question() -> None:
    button = [{"entity": "slot", "value": "language"}, {"entity": "value", "value": "ar"}]
    slots, _ = await run_form(tracker("birth_date", "/inform", entities=button, confidence=1.0,
                                      language="en", consent="yes", first_name="Sara"))
    assert slots["language"] == "ar"
    assert "birth_date" not in slots  # the question stays open, to be asked again in Arabic
    assert context.intake_store().get("telegram:42")["language"] == "ar"


@pytest.mark.parametrize("text", ["", "x" * 5000])
async def test_empty_and_huge_answers_are_rejected(text: str) -> None:
    slots, messages = await run_form(tracker("first_name", text, language="en", consent="yes"))
    assert slots["first_name"] is None
    assert messages


async def test_asking_for_a_language_answers_the_language_question() -> None:
    slots, _ = await run_form(tracker("language", "English please", intent="change_language", confidence=0.99))
    assert slots["language"] == "en"


async def test_a_name_that_is_also_a_greeting_is_a_name() -> None:
    slots, _ = await run_form(tracker("first_name", "Selam", intent="greet", confidence=0.99, language="ti", consent="yes"))
    assert slots["first_name"] == "Selam"


async def test_a_message_sent_twice_is_an_answer_unless_it_is_an_explicit_request() -> None:
    t = tracker("gender", "Female please", intent="go_back", confidence=0.99, language="en", consent="yes")
    t.events.insert(0, {"event": "user", "text": "female please"})
    slots, _ = await run_form(t)
    assert slots["gender"] == "female"
    t = tracker("first_name", "help", intent="ask_help", confidence=0.99, language="en", consent="yes")
    t.events.insert(0, {"event": "user", "text": "help"})
    slots, _ = await run_form(t)
    assert "first_name" not in slots


async def test_a_child_under_16_ends_the_intake_and_nothing_is_stored() -> None:
    slots, _ = await run_form(tracker("birth_date", "I am 15", language="en", consent="yes",
                                      consent_statistics="yes", first_name="Sami"))
    assert slots["stated_age"] == 15
    assert slots["requested_slot"] is None  # the form ends: action_submit_intake says why, and forgets
    assert context.intake_store().get("telegram:42") is None


async def test_statistics_consent_is_stored_with_the_first_answer() -> None:
    await run_form(tracker("first_name", "Sara", language="en", consent="yes", consent_statistics="no"))
    consent = context.intake_store().get("telegram:42")["consent"]
    assert (consent["processing"], consent["statistics"], consent["sharing"]) == (True, False, None)
    assert consent["version"].endswith(":en")


@pytest.mark.parametrize(("slots", "said"), [
    ({"consent": "no"}, "I have not stored anything"),
    ({"consent": "yes", "first_name": "Sami", "birth_date": "2011", "stated_age": 15}, "parent or guardian"),
])
async def test_declined_consent_and_a_child_are_forgotten_after_the_turn(slots: dict[str, Any], said: str) -> None:
    dispatcher = CollectingDispatcher()
    await ActionSubmitIntake().run(dispatcher, tracker("birth_date", "15", language="en", **slots), DOMAIN)
    assert said in dispatcher.messages[0]["text"]
    assert {"forget_conversation": True} in [m.get("custom") for m in dispatcher.messages]
