"""What the person's latest message says, as an answer to the question being asked."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Intents that are requests, not answers: the form steps aside and a rule handles them.
INTERRUPTIONS = frozenset({
    "ask_help", "request_human", "change_language", "start_over", "go_back", "repeat",
    "correct_field", "greet", "thank", "goodbye",
})
EXPLICIT_REQUESTS = frozenset({"ask_help", "request_human", "change_language", "start_over"})
# Requests that give way to an answer the question's classifier finds plausible (decision 13):
# "I live in the camp" to "Do you live in a reception facility?" reads as a correction, "Hello,
# yes" as a greeting. Such an answer is proposed ("Did you mean …?"), never stored unconfirmed;
# the person can say No. A correction that names another question's field still interrupts.
YIELDING_REQUESTS = INTERRUPTIONS - EXPLICIT_REQUESTS
# ... and where naming a language is the natural answer ("yes, Arabic" to "Do you need an
# interpreter?"), a wish to switch languages gives way too.
YIELDING_AT: dict[str, frozenset[str]] = {"interpreter_needed": frozenset({"change_language"})}
# Intents that answer a question rather than interrupt it ("English please" when asked for a language).
_NAMES_A_LANGUAGE = frozenset({"change_language"})
# Names and free descriptions are often words that also greet or thank ("Selam", "Amani").
_SOCIAL = frozenset({"greet", "thank", "goodbye"})
ANSWERING_INTENTS: dict[str, frozenset[str]] = {
    "language": _NAMES_A_LANGUAGE, "languages": _NAMES_A_LANGUAGE, "contact_language": _NAMES_A_LANGUAGE,
    "first_name": _SOCIAL, "vocational_qualification": _SOCIAL, "work_experience": _SOCIAL,
    "contact_method": frozenset({"request_human"}),  # "by phone", "in person"
}
# Below this confidence an "interruption" is more likely an answer the model has not seen.
# The intent model's confidences are calibrated probabilities over 14 intents (decision 6):
# on the held-out sets, at 0.4 it recognises 92% of the requests and takes 1% of the answers
# for requests; at 0.7 it would recognise fewer than half of the requests.
INTERRUPTION_CONFIDENCE = 0.4
# ... and it must be at least this many times likelier than an answer: a name such as "Sara"
# read as "start over" (0.54) with "an answer" close behind (0.32) is taken as the answer.
# On the held-out sets this costs 1% of the requests and leaves no answer taken for a request.
INTERRUPTION_OVER_ANSWER = 2.0
MAX_ANSWER_LENGTH = 500


@dataclass(frozen=True)
class Answer:
    text: str
    intent: str | None
    confidence: float
    slot: str | None = None  # set by a button: which question it answers
    value: str | None = None
    answer_confidence: float = 0.0  # how likely the model finds it an answer (intent "inform")
    field: str | None = None  # the field a correction names ("my [date of birth] is wrong")

    def interrupts(self, question: str, repeated: bool = False) -> bool:
        """Whether this message is a request rather than an answer to `question`.

        A message sent again, word for word, is an answer unless it is an explicit request
        (help, a person, another language, start over): the person insists, and reading it as
        "hello" or "back" a second time would loop.
        """
        if self.slot is not None or self.confidence < INTERRUPTION_CONFIDENCE:
            return False
        if self.confidence < INTERRUPTION_OVER_ANSWER * self.answer_confidence:
            return False
        if repeated and self.intent not in EXPLICIT_REQUESTS:
            return False
        return self.intent in INTERRUPTIONS and self.intent not in ANSWERING_INTENTS.get(question, ())

    def yields_to_answer(self, question: str, question_field: str | None) -> bool:
        """Whether a plausible answer to `question` beats this request (see YIELDING_REQUESTS).
        `question_field` is the field the question belongs to: a correction naming it is about
        this very question ("the camp" at the reception facility question)."""
        if self.intent == "correct_field" and self.field is not None and self.field != question_field:
            return False
        return self.intent in YIELDING_REQUESTS or self.intent in YIELDING_AT.get(question, ())

    @property
    def is_dont_know(self) -> bool:
        return self.intent == "dont_know" and self.slot is None


def repeats_previous_message(events: list[dict[str, Any]]) -> bool:
    """Whether the latest user message has the same text as the one before it."""
    texts = [e.get("text") or "" for e in events if e.get("event") == "user"][-2:]
    return len(texts) == 2 and texts[0].strip().casefold() == texts[1].strip().casefold()


def read_answer(latest_message: dict[str, Any]) -> Answer:
    intent = latest_message.get("intent") or {}
    entities = {e.get("entity"): e.get("value") for e in latest_message.get("entities") or []}
    ranking = {r.get("name"): float(r.get("confidence") or 0.0) for r in latest_message.get("intent_ranking") or []}
    return Answer(
        text=(latest_message.get("text") or "").strip(),
        intent=intent.get("name"),
        confidence=float(intent.get("confidence") or 0.0),
        slot=entities.get("slot"),
        value=entities.get("value"),
        answer_confidence=ranking.get("inform", 0.0),
        field=entities.get("field"),
    )
