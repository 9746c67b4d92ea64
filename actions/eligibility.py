"""The pre-screening at the end of the intake: evaluated, stored with the intake, explained."""
from __future__ import annotations

import datetime
import logging
from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions.context import deployment, in_thread, intake_store, say, today
from bot.eligibility import evaluate, localize_result
from bot.i18n import bidi_safe, translator
from bot.rasa_client import LANGUAGE_KEY

logger = logging.getLogger(__name__)


def evaluation_date() -> datetime.date:
    return deployment().evaluation_date or today()


def prescreen(record: dict[str, Any]) -> dict[str, Any]:
    """The deployment's programmes, evaluated on its evaluation date (plain, JSON-able dicts)."""
    programmes = list(deployment().programmes) or None
    result: dict[str, Any] = dict(evaluate(record, evaluation_date(), programmes))
    return result


async def show_eligibility(dispatcher: CollectingDispatcher, conversation_id: str, record: dict[str, Any], language: str) -> None:
    try:
        result = prescreen(record)
    except Exception:  # a broken rule file must not end the intake; staff see it in the log
        logger.exception("eligibility check failed")
        return
    await in_thread(intake_store().save_eligibility, conversation_id, result)
    say(dispatcher, "eligibility_intro", language)
    sentences = localize_result(result, translator(language).gettext, language)
    if sentences:
        dispatcher.utter_message(text="\n".join(f"• {bidi_safe(s, language)}" for s in sentences),
                                 json_message={LANGUAGE_KEY: language})
    if not any(entry["outcome"] == "eligible" for entry in result["programmes"]):
        say(dispatcher, "eligibility_none", language)
