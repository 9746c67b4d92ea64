"""Actions around the intake form: asking, finishing, starting again, going back, explaining."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.context import deployment, in_thread, intake_store, say, today, tracker_language
from actions.eligibility import show_eligibility
from actions.handoff import hand_over
from actions.questions import FORM_SLOTS, PENDING_ANSWER, QUESTION_BY_SLOT, has_choices, skip_updates
from bot.intake.answers import UNANSWERED
from bot.intake.fields import FIELD_SLOTS, summary
from bot.intake.minors import too_young
from bot.messages import known_responses
from bot.rasa_client import FORGET_SIGNAL


def explanation_for(slot: Any) -> str:
    name = f"explain_{slot}"
    return name if name in known_responses() else "explain_generic"


class ActionSubmitIntake(Action):
    def name(self) -> str:
        return "action_submit_intake"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        language = tracker_language(tracker)
        if tracker.get_slot("consent") != "yes" or too_young(tracker.slots, today(), deployment()):
            await in_thread(intake_store().delete, tracker.sender_id)
            if tracker.get_slot("consent") != "yes":
                say(dispatcher, "consent_declined", language)
            else:
                say(dispatcher, "minor_needs_guardian", language, min_age=deployment().own_consent_min_age)
            # Nothing they wrote may stay: the gateway forgets the whole conversation after this
            # turn, and a new message starts afresh.
            dispatcher.utter_message(json_message={FORGET_SIGNAL: True})
            return [SlotSet("intake_done", True)]
        record = await in_thread(intake_store().complete, tracker.sender_id)
        if record is not None:
            await show_eligibility(dispatcher, tracker.sender_id, record, language)
        say(dispatcher, "intake_complete", language, first_name=tracker.get_slot("first_name"))
        return [SlotSet("intake_done", True), *await hand_over(dispatcher, tracker, "intake_complete")]


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
        cleared = {slot: None for slot in (*FORM_SLOTS, "stated_age") if slot != "language"}
        cleared.update(skip_updates({"language": tracker.get_slot("language"), **cleared}))
        return [ActiveLoop(None), SlotSet("requested_slot", None), SlotSet("failed_attempts", 0), SlotSet("intake_done", False),
                *(SlotSet(slot, value) for slot, value in cleared.items())]


class ActionGoBack(Action):
    """Back to the previous question, or to a named field ("change my date of birth")."""

    def name(self) -> str:
        return "action_go_back"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        named = next(tracker.get_latest_entity_values("field"), None)
        slots = FIELD_SLOTS.get(named) if named else _previous_question(tracker)
        if not slots:
            return []
        # The form asks for empty slots only, so the old answers are cleared to be asked again;
        # the summary is shown again once they are answered.
        cleared = dict.fromkeys((*slots, "confirmed"))
        cleared.update(skip_updates({**tracker.slots, **cleared}))
        return [SlotSet("requested_slot", slots[0]), SlotSet("failed_attempts", 0),
                *(SlotSet(slot, value) for slot, value in cleared.items())]


class ActionExplainQuestion(Action):
    def name(self) -> str:
        return "action_explain_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        say(dispatcher, explanation_for(tracker.get_slot("requested_slot")), tracker_language(tracker))
        return []


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
        language = tracker_language(tracker)
        pending = tracker.get_slot(PENDING_ANSWER)
        if isinstance(pending, dict) and pending.get("slot") == self.slot:
            say(dispatcher, "confirm_answer", language, answer=pending["label"], slot=self.slot, value=pending["value"],
                has_choices=has_choices(self.slot))
        elif self.slot == "residence_kind":
            kind = "duldung" if tracker.get_slot("residence_status") == "duldung" else "permit"
            say(dispatcher, f"ask_residence_kind_{kind}", language)
        elif self.slot == "confirmed":
            lines = summary(tracker.slots, language, deployment())
            say(dispatcher, "ask_confirmed", language, summary="\n".join(f"• {label}: {value}" for _, label, value in lines),
                summary_fields=[(field, label) for field, label, _ in lines])
        else:
            say(dispatcher, f"ask_{self.slot}", language, conversation_language=language)
        return []


def _previous_question(tracker: Tracker) -> tuple[str, ...] | None:
    requested = tracker.get_slot("requested_slot")
    answered = [s for s in FORM_SLOTS if tracker.get_slot(s) not in UNANSWERED and s != "language"]
    if requested in QUESTION_BY_SLOT:
        answered = [s for s in answered if FORM_SLOTS.index(s) < FORM_SLOTS.index(requested)]
    return (answered[-1],) if answered else None


# One subclass per question; the SDK registers every Action subclass by its name().
ASK_ACTIONS = [type(f"ActionAsk_{slot}", (AskQuestion,), {"slot": slot}) for slot in FORM_SLOTS]
