"""Handing the person over to a team: at the end of the intake, or when they ask for a person.

The case is opened (or the open one updated), the team is told, the person hears what happens
next, and Rasa's conversation is paused: until staff hand the person back, the gateway relays
their messages to the team instead of sending them here.
"""
from __future__ import annotations

from functools import lru_cache

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.context import channel_of, database, deployment, in_thread, intake_store, say, today, tracker_language
from bot.config import load_settings
from bot.handoff.cases import CaseDesk
from bot.handoff.handover import Handover, hand_over_case


@lru_cache(maxsize=1)
def case_desk() -> CaseDesk:
    return CaseDesk(database(), deployment(), load_settings().web_url)


def _hand_over(tracker: Tracker, reason: str, language: str) -> Handover:
    return hand_over_case(case_desk(), intake_store(), conversation_id=tracker.sender_id, channel=channel_of(tracker),
                          slots=dict(tracker.slots), reason=reason, language=language, today=today())


async def hand_over(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str) -> list[EventType]:
    language = tracker_language(tracker)
    handover = await in_thread(_hand_over, tracker, reason, language)
    say(dispatcher, "handoff_done" if reason == "intake_complete" else "handoff_requested", language,
        team=handover.team_name, days=handover.response_days)
    return [ConversationPaused()]


class ActionRequestHuman(Action):
    def name(self) -> str:
        return "action_request_human"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        return await hand_over(dispatcher, tracker, "requested")
