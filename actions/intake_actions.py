"""Actions around the intake form: finishing, starting again, going back, explaining."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.context import in_thread, intake_store, say, tracker_language
from actions.questions import PARSERS

FORM_SLOTS = tuple(PARSERS)


class ActionSubmitIntake(Action):
    def name(self) -> str:
        return "action_submit_intake"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        language = tracker_language(tracker)
        if tracker.get_slot("consent") != "yes":
            await in_thread(intake_store().delete, tracker.sender_id)
            say(dispatcher, "consent_declined", language)
            return []
        await in_thread(intake_store().complete, tracker.sender_id)
        say(dispatcher, "intake_complete", language, first_name=tracker.get_slot("first_name"))
        return []


class ActionAfterIntake(Action):
    """Any message after the intake: where things stand, and how to start again."""

    def name(self) -> str:
        return "action_after_intake"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        language = tracker_language(tracker)
        if tracker.get_slot("consent") == "yes":
            say(dispatcher, "after_intake_completed", language, first_name=tracker.get_slot("first_name"))
        else:
            say(dispatcher, "after_intake_declined", language)
        return []


class ActionRestartIntake(Action):
    """Start again: every answer is cleared except the chosen language; the stored intake too."""

    def name(self) -> str:
        return "action_restart_intake"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        await in_thread(intake_store().delete, tracker.sender_id)
        say(dispatcher, "restarted", tracker_language(tracker))
        cleared = [SlotSet(slot, None) for slot in FORM_SLOTS if slot != "language"]
        return [ActiveLoop(None), SlotSet("requested_slot", None), SlotSet("failed_attempts", 0), *cleared]


class ActionGoBack(Action):
    """Back to the previous question, or to a named one ("change my date of birth")."""

    def name(self) -> str:
        return "action_go_back"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        target = _named_field(tracker) or _previous_question(tracker)
        if target is None:
            return []
        # The form asks for empty slots only, so the old answer is cleared to be asked again.
        return [SlotSet(target, None), SlotSet("requested_slot", target), SlotSet("failed_attempts", 0)]


class ActionExplainQuestion(Action):
    def name(self) -> str:
        return "action_explain_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        requested = tracker.get_slot("requested_slot")
        say(dispatcher, f"explain_{requested}" if requested in PARSERS else "explain_generic", tracker_language(tracker))
        return []


def _named_field(tracker: Tracker) -> str | None:
    named = next(tracker.get_latest_entity_values("field"), None)
    return named if named in FORM_SLOTS and named != "language" else None


def _previous_question(tracker: Tracker) -> str | None:
    requested: Any = tracker.get_slot("requested_slot")
    answered = [slot for slot in FORM_SLOTS if tracker.get_slot(slot) is not None]
    if requested in FORM_SLOTS:
        earlier = [slot for slot in FORM_SLOTS[: FORM_SLOTS.index(requested)] if slot in answered]
        return earlier[-1] if earlier else None
    return answered[-1] if answered else None


class ActionFallback(Action):
    """When no rule fits: say so briefly and, during the intake, ask the question again."""

    def name(self) -> str:
        return "action_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        say(dispatcher, "fallback", tracker_language(tracker))
        return []


class AskQuestion(Action, ABC):
    """`action_ask_<slot>`: the form's question for one slot, rendered in the person's language."""

    @property
    @abstractmethod
    def slot(self) -> str:
        """The slot this question fills."""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        say(dispatcher, f"ask_{self.slot}", tracker_language(tracker))
        return []


# One subclass per question; the SDK registers every Action subclass by its name().
ASK_ACTIONS = [type(f"ActionAsk_{slot}", (AskQuestion,), {"slot": slot}) for slot in FORM_SLOTS]
