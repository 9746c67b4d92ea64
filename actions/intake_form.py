"""Validation of the intake form: every answer is parsed, checked, stored, or asked again."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.answers import MAX_ANSWER_LENGTH, Answer, read_answer, repeats_previous_message
from actions.context import channel_of, deployment, in_thread, intake_store, language_of, say, today
from actions.questions import PENDING_ANSWER, QUESTION_BY_SLOT, Context, contested, is_request, skip_updates
from bot.db.models import utcnow
from bot.intake.answers import record_fields
from bot.intake.consent import consent_record
from bot.intake.fields import answer_label
from bot.intake.minors import too_young
from bot.parsing import AnswerError

# After this many unusable answers to one question, explain it instead of only re-asking.
EXPLAIN_AFTER_FAILURES = 2
RAW_ANSWER = "__raw_answer__"


class ValidateIntakeForm(FormValidationAction):
    def name(self) -> str:
        return "validate_intake_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        if tracker.slots.get("consent") == "no":
            # Without consent the intake ends here and nothing is stored.
            return domain_slots[: domain_slots.index("consent") + 1]
        if too_young(tracker.slots, today(), deployment()):
            # A child cannot consent alone: the intake ends after the date of birth.
            return domain_slots[: domain_slots.index("birth_date") + 1]
        return domain_slots

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Take the latest message as the answer to the requested question.

        A button of an earlier question still counts for its own question; a language button
        always switches the language. Requests such as "help" are left to the rules.
        """
        answer = read_answer(tracker.latest_message)
        requested = tracker.get_slot("requested_slot")
        if answer.slot == "language" or (answer.slot in QUESTION_BY_SLOT and answer.slot != requested):
            return [SlotSet(answer.slot, answer.value)]
        if requested not in QUESTION_BY_SLOT:
            return []
        language = language_of(tracker.slots, tracker.latest_message.get("metadata"))
        if is_request(answer, requested, language, today(), tracker.get_slot("residence_status"),
                      repeats_previous_message(tracker.events)):
            return []
        # The raw answer stands in the slot until validation replaces it with a parsed value.
        return [SlotSet(requested, RAW_ANSWER)]

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        answer = read_answer(tracker.latest_message)
        to_validate = [slot for slot in tracker.slots_to_validate() if slot in QUESTION_BY_SLOT]
        events: list[EventType] = []
        updated: dict[str, Any] = {}
        pending = tracker.get_slot(PENDING_ANSWER)
        repeated = repeats_previous_message(tracker.events)
        for slot in to_validate:
            slot_answer = answer if tracker.slots[slot] == RAW_ANSWER else _button_answer(slot, tracker.slots[slot])
            slots = {**tracker.slots, **updated}
            context = Context(today(), deployment(), language_of(slots, tracker.latest_message.get("metadata")), slots)
            if isinstance(pending, dict) and pending.get("slot") == slot and slot_answer.slot is None:
                # The reply to "Did you mean …?" (its No button sends /deny): yes stores the proposal,
                # no asks the question again.
                if slot_answer.intent == "affirm":
                    slot_answer = _button_answer(slot, pending["value"])
                elif slot_answer.intent == "deny":
                    events += [SlotSet(slot, None), SlotSet(PENDING_ANSWER, None)]
                    continue
            outcome = self._parse(slot, slot_answer, context, repeated)
            if isinstance(outcome, AnswerError):
                events += self._reject(slot, outcome, dispatcher, context)
                continue
            if outcome.confirm:
                # Not sure enough to store: the question's ask action proposes it ("Did you mean …?").
                label = answer_label(slot, outcome.value, context.language)
                events += [SlotSet(slot, None),
                           SlotSet(PENDING_ANSWER, {"slot": slot, "value": outcome.value, "label": label})]
                continue
            updated[slot] = outcome.value
            updated.update(outcome.extra or {})
        if updated:
            updated["failed_attempts"] = 0
            if isinstance(pending, dict) and pending.get("slot") in updated:
                updated[PENDING_ANSWER] = None
            updated.update(skip_updates({**tracker.slots, **updated}))
            events += [SlotSet(name, value) for name, value in updated.items()]
            await self._store(tracker, updated)
        return events

    @staticmethod
    def _parse(slot: str, answer: Answer, context: Context, repeated: bool = False) -> Any:
        if len(answer.text) > MAX_ANSWER_LENGTH and answer.slot is None:
            return AnswerError("too_long")
        if not answer.text:
            return AnswerError("empty")
        try:
            parsed = QUESTION_BY_SLOT[slot].parse(answer, context)
        except AnswerError as error:
            return error
        if not parsed.confirm and contested(answer, slot, context.language, context.today,
                                            context.slots.get("residence_status"), repeated):
            # Taken as an answer though the intent model read a request ("I live in the camp" as a
            # correction): proposed, so that a request misread is one "No" away.
            return replace(parsed, confirm=True)
        return parsed

    @staticmethod
    def _reject(slot: str, error: AnswerError, dispatcher: CollectingDispatcher, context: Context) -> list[EventType]:
        say(dispatcher, f"error_{error.code}", context.language, **{k: str(v) for k, v in error.details.items()})
        failures = int(context.slots.get("failed_attempts") or 0) + 1
        if failures >= EXPLAIN_AFTER_FAILURES:
            say(dispatcher, f"explain_{slot}", context.language)
            failures = 0
        return [SlotSet(slot, None), SlotSet("failed_attempts", failures)]

    @staticmethod
    async def _store(tracker: Tracker, updated: dict[str, Any]) -> None:
        slots = {**tracker.slots, **updated}
        if too_young(slots, today(), deployment()):
            return  # the intake ends here and is deleted (action_submit_intake)
        fields = record_fields(slots, deployment())
        consent = consent_record(slots, language_of(slots, tracker.latest_message.get("metadata")), utcnow())
        await in_thread(intake_store().save_answers, tracker.sender_id, channel_of(tracker), fields, consent)


def _button_answer(slot: str, value: Any) -> Answer:
    return Answer(text=str(value), intent="inform", confidence=1.0, slot=slot, value=str(value))
