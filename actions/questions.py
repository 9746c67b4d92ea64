"""How each intake question turns an answer into a slot value.

A parser returns the value to store, or raises `AnswerError`; its code names the message the
person gets (`error_<code>`) before the question is asked again.
"""
from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from actions.answers import Answer
from bot.deployment import Deployment
from bot.parsing import AnswerError
from bot.parsing.choices import parse_language
from bot.parsing.dates import parse_birth_date
from bot.parsing.names import parse_first_name
from bot.parsing.places import match_municipality
from bot.parsing.residence import RESIDENCE_STATUS_CODES, parse_residence_status
from bot.i18n import SUPPORTED_LANGUAGES

UNKNOWN = "unknown"


@dataclass(frozen=True)
class Context:
    today: datetime.date
    deployment: Deployment


@dataclass(frozen=True)
class Parsed:
    value: str
    extra: dict[str, object] | None = None  # further slots the answer fills (e.g. a stated age)


Parser = Callable[[Answer, Context], Parsed]


def _button_value(answer: Answer, allowed: object) -> str | None:
    if answer.value is not None and answer.value in allowed:  # type: ignore[operator]
        return answer.value
    return None


def language(answer: Answer, context: Context) -> Parsed:
    return Parsed(_button_value(answer, SUPPORTED_LANGUAGES) or parse_language(answer.text))


def consent(answer: Answer, context: Context) -> Parsed:
    by_intent = {"affirm": "yes", "deny": "no"}
    if answer.intent in by_intent and answer.slot is None:
        return Parsed(by_intent[answer.intent])
    raise AnswerError("consent_unclear")


def first_name(answer: Answer, context: Context) -> Parsed:
    return Parsed(parse_first_name(answer.text))


def birth_date(answer: Answer, context: Context) -> Parsed:
    if answer.is_dont_know:
        return Parsed(UNKNOWN)
    parsed = parse_birth_date(answer.text, context.today)
    extra = {"stated_age": parsed.stated_age} if parsed.stated_age is not None else {"stated_age": None}
    return Parsed(parsed.record_value(context.today), extra)


def municipality(answer: Answer, context: Context) -> Parsed:
    if answer.is_dont_know:
        return Parsed(UNKNOWN)
    ags = _button_value(answer, {m.ags for m in context.deployment.municipalities})
    return Parsed(ags or match_municipality(answer.text, context.deployment.municipalities).ags)


def residence_status(answer: Answer, context: Context) -> Parsed:
    if answer.is_dont_know:
        return Parsed(UNKNOWN)
    return Parsed(_button_value(answer, RESIDENCE_STATUS_CODES) or parse_residence_status(answer.text))


PARSERS: dict[str, Parser] = {
    "language": language,
    "consent": consent,
    "first_name": first_name,
    "birth_date": birth_date,
    "municipality": municipality,
    "residence_status": residence_status,
}
