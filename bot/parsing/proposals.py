"""A message taken for a crisis and then declined as one is still the person's answer to the
open question: it is proposed ("Did you mean: *Yes*?"), never stored (decisions 9 and 13).

The gateway reads it here, so that only the proposed value reaches Rasa, never the message: a
crisis message stays out of the tracker store even when the person says it was none.
"""
from __future__ import annotations

from typing import Any

from bot.intake.fields import answer_label
from bot.parsing.slots import question_of


def proposal_for(text: str, slot: str, residence_status: Any, language: str) -> dict[str, str] | None:
    """The `pending_answer` that proposes what `text` plausibly answers to `slot`'s question, or
    None (no classifier for the question, nothing plausible, or no trained models)."""
    # Imported here: scikit-learn and the models are loaded only by a gateway that needs them.
    from bot.parsing.understanding import answer_models, model_file

    if not model_file().exists():
        return None  # trained by `lotse train` and the action server; a gateway never trains them
    reading = answer_models().read(question_of(slot, residence_status), text)
    if not reading.plausible or reading.value is None:
        return None
    return {"slot": slot, "value": reading.value, "label": answer_label(slot, reading.value, language)}
