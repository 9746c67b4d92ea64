"""Handing the person over to a team: at the end of the intake, or when they ask for a person.

The case is opened (or the open one updated), the team is told, the person hears what happens
next, and Rasa's conversation is paused: until staff hand the person back, the gateway relays
their messages to the team instead of sending them here.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.context import channel_of, deployment, in_thread, intake_store, say, today, tracker_language
from actions.eligibility import evaluation_date
from bot.config import load_settings
from bot.db import Database
from bot.handoff.cases import CaseDesk
from bot.handoff.packet import build_packet, programmes_that_may_fit
from bot.handoff.routing import route
from bot.intake.answers import UNANSWERED


@lru_cache(maxsize=1)
def case_desk() -> CaseDesk:
    settings = load_settings()
    return CaseDesk(Database(settings.app_database_url), deployment(), settings.web_url)


def _hand_over(tracker: Tracker, reason: str, language: str) -> tuple[str, int]:
    """Open the case; the team's name and how many working days it usually takes."""
    slots: dict[str, Any] = dict(tracker.slots)
    consent = slots.get("consent") == "yes"
    record = intake_store().get(tracker.sender_id) if consent else None
    eligibility = (record or {}).get("eligibility")
    ags = slots.get("municipality") if consent and slots.get("municipality") not in (*UNANSWERED, "unknown") else None
    team = route(deployment(), ags, programmes_that_may_fit(eligibility))
    if team is None:
        raise RuntimeError("the deployment has no teams: add them to the deployment file")

    def packet_for(reference: str):  # type: ignore[no-untyped-def]
        return build_packet(reference=reference, reason=reason, slots=slots, language=language, consent=consent,
                            eligibility=eligibility, deployment=deployment(), team_name=team.name,
                            as_of=evaluation_date() if eligibility else today())

    case_desk().open_case(conversation_id=tracker.sender_id, channel=channel_of(tracker), reason=reason,
                          language=language, first_name=slots.get("first_name") if consent else None,
                          municipality_ags=ags, team=team, packet_for=packet_for)
    return team.name, team.response_days


async def hand_over(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str) -> list[EventType]:
    language = tracker_language(tracker)
    team, days = await in_thread(_hand_over, tracker, reason, language)
    say(dispatcher, "handoff_done" if reason == "intake_complete" else "handoff_requested", language, team=team, days=days)
    return [ConversationPaused()]


class ActionRequestHuman(Action):
    def name(self) -> str:
        return "action_request_human"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        return await hand_over(dispatcher, tracker, "requested")
