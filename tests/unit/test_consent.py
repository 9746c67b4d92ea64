"""Consent per purpose: the questions' answers, the record, changes under /privacy, children."""
from __future__ import annotations

import datetime
from typing import Any

import pytest

from actions.answers import Answer
from actions.questions import FORM_SLOTS, QUESTION_BY_SLOT, Context
from bot.config import load_settings
from bot.db import Database, migrate
from bot.deployment import load_deployment, parse_deployment
from bot.handoff.packet import build_packet
from bot.intake.consent import CONSENT_VERSION, consent_record, merged
from bot.intake.minors import too_young
from bot.intake.store import IntakeStore
from bot.privacy_choices import choice_payload, is_privacy_choice

DEPLOYMENT = load_deployment(load_settings().deployment_file)
TODAY = datetime.date(2026, 11, 22)
NOW = datetime.datetime(2026, 11, 22, 10, tzinfo=datetime.UTC)


def answer(slot: str, text: str, intent: str) -> Any:
    return QUESTION_BY_SLOT[slot].parse(Answer(text, intent, 0.9), Context(TODAY, DEPLOYMENT, "en")).value


def test_statistics_is_asked_right_after_consent_and_sharing_just_before_the_summary() -> None:
    assert FORM_SLOTS.index("consent_statistics") == FORM_SLOTS.index("consent") + 1
    assert FORM_SLOTS.index("consent_sharing") == FORM_SLOTS.index("confirmed") - 1


@pytest.mark.parametrize("slot", ["consent_statistics", "consent_sharing"])
@pytest.mark.parametrize(("text", "intent", "value"), [
    ("yes", "affirm", "yes"), ("no", "deny", "no"),
    ("I don't know", "dont_know", "no"),  # not knowing is no
    ("what is a partner?", "inform", "no"),  # unclear is no: only a clear yes counts
])
def test_optional_consents_only_a_clear_yes_is_yes(slot: str, text: str, intent: str, value: str) -> None:
    assert answer(slot, text, intent) == value


def test_the_record_has_a_yes_or_no_per_purpose_and_the_texts_version() -> None:
    assert consent_record({"consent": "no"}, "ar", NOW) is None
    started = consent_record({"consent": "yes", "consent_statistics": "no"}, "ar", NOW)
    assert started == {"processing": True, "statistics": False, "sharing": None,  # not asked yet
                       "version": f"{CONSENT_VERSION}:ar", "given_at": NOW.isoformat()}
    # Later answers change the optional choices; when and in which words processing was agreed stays.
    later = consent_record({"consent": "yes", "consent_statistics": "no", "consent_sharing": "yes"}, "de",
                           NOW + datetime.timedelta(minutes=9))
    assert merged(started, later) == {**started, "sharing": True}


def test_a_choice_changed_under_privacy_changes_the_stored_record(database_url: str) -> None:
    url = database_url
    migrate(url)
    store = IntakeStore(Database(url))
    assert store.set_consent_choice("telegram:1", "statistics", True) is False  # nothing stored: nothing to change
    store.save_answers("telegram:1", "telegram", {"first_name": "Amal"},
                       consent_record({"consent": "yes", "consent_statistics": "yes"}, "ar", NOW))
    assert store.set_consent_choice("telegram:1", "statistics", False) is True
    consent = store.get("telegram:1")["consent"]
    assert consent["statistics"] is False and consent["processing"] is True and consent["changed_at"]
    with pytest.raises(ValueError):
        store.set_consent_choice("telegram:1", "processing", False)  # withdrawing processing is /delete


@pytest.mark.parametrize(("slots", "young"), [
    ({"birth_date": "2011-11-23"}, True),  # 15, turning 16 tomorrow
    ({"birth_date": "2010-11-22"}, False),  # 16 today
    ({"birth_date": "2011", "stated_age": 15}, True),
    ({"birth_date": "2011"}, True),  # at most 15 this year
    ({"birth_date": "2010"}, False),  # 15 or 16: not certain, the team checks
    ({"birth_date": "unknown"}, False),
    ({}, False),
])
def test_a_child_under_16_is_recognised_by_date_age_or_year(slots: dict[str, Any], young: bool) -> None:
    assert too_young(slots, TODAY, DEPLOYMENT) is young


def test_the_age_limit_comes_from_the_deployment() -> None:
    base = {"municipalities": [{"ags": "05170024", "name": "Moers"}]}
    assert parse_deployment(base).own_consent_min_age == 16
    fourteen = parse_deployment({**base, "age_limits": {"own_consent_min_age": 14}})
    assert not too_young({"birth_date": "2011-11-23"}, TODAY, fourteen)


def test_privacy_buttons_are_recognised_as_the_gateways_own() -> None:
    assert is_privacy_choice(choice_payload(purpose="statistics", allowed=False))
    assert not is_privacy_choice('/inform{"slot":"consent_statistics","value":"no"}')


@pytest.mark.parametrize(("sharing", "line"), [
    ("yes", "Weitergabe an Partnerorganisationen erlaubt: ja"),
    ("no", "Weitergabe an Partnerorganisationen erlaubt: nein – nur das Team des Kreises"),
    (None, "Weitergabe an Partnerorganisationen erlaubt: noch nicht gefragt"),
])
def test_the_handoff_packet_says_whether_sharing_is_allowed(sharing: str | None, line: str) -> None:
    slots = {"consent": "yes", "first_name": "Amal", "consent_sharing": sharing}
    packet = build_packet(reference="L-ABCDE", reason="intake_complete", slots=slots, language="ar", consent=True,
                          eligibility=None, deployment=DEPLOYMENT, team_name="Team", as_of=TODAY)
    assert line in packet.text.splitlines()
