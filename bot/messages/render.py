"""Rendering a response in one language, with its buttons."""
from __future__ import annotations

import json
from typing import Any

from babel import Locale

from bot.deployment import Deployment
from bot.i18n import SUPPORTED_LANGUAGES, language_name, localise
from bot.messages.responses import Button, Message, known_responses

# Above this many municipalities a keyboard stops helping: people type and we match.
MAX_MUNICIPALITY_BUTTONS = 16


def choice_payload(slot: str, value: str) -> str:
    return "/inform" + json.dumps({"slot": slot, "value": value}, ensure_ascii=False, separators=(",", ":"))


# The countries most people in the target group come from (BAMF first applications 2015-2025).
TOP_COUNTRIES = ("SY", "AF", "TR", "IQ", "UA", "IR", "ER", "SO", "RU", "GN")


def _dynamic_buttons(kind: str | None, language: str, deployment: Deployment, values: dict[str, Any]) -> list[dict[str, str]]:
    if kind == "countries":
        territories = Locale.parse(language).territories
        buttons = [{"title": territories.get(code, code), "payload": choice_payload("nationality", code)} for code in TOP_COUNTRIES]
        return [
            *buttons,
            {"title": localise("Stateless", language), "payload": choice_payload("nationality", "stateless")},
            {"title": localise("I don't know", language), "payload": "/dont_know"},
        ]
    if kind == "spoken_language":
        code = values.get("conversation_language", language)
        return [{"title": language_name(code), "payload": choice_payload("languages", code)}]
    if kind == "contact_language":
        codes = dict.fromkeys([values.get("conversation_language", language), "de", "en"])
        return [{"title": language_name(code), "payload": choice_payload("contact_language", code)} for code in codes]
    if kind == "confirmation":
        # Yes stores the proposed value as if its button had been pressed; No asks the question again.
        slot, value = values["slot"], values["value"]
        no = "No, show me the choices" if values.get("has_choices") else "No, I will write it again"
        return [{"title": localise("Yes", language), "payload": choice_payload(slot, str(value))},
                {"title": localise(no, language), "payload": "/deny"}]
    if kind == "summary":
        buttons = [{"title": localise("Everything is correct", language), "payload": "/affirm"}]
        return buttons + [
            {"title": localise("Change: {field}", language, field=label),
             "payload": "/correct_field" + json.dumps({"field": field}, separators=(",", ":"))}
            for field, label in values.get("summary_fields", ())
        ]
    if kind == "languages":
        # Each language by its own name, so a person finds theirs without reading the others.
        return [{"title": language_name(code), "payload": choice_payload("language", code)} for code in SUPPORTED_LANGUAGES]
    if kind == "municipalities" and len(deployment.municipalities) <= MAX_MUNICIPALITY_BUTTONS:
        return [{"title": m.name, "payload": choice_payload("municipality", m.ags)} for m in deployment.municipalities]
    return []


def _button(button: Button, language: str) -> dict[str, str]:
    return {"title": localise(button.title, language), "payload": button.payload}


def render_message(message: Message, language: str, deployment: Deployment, values: dict[str, Any]) -> dict[str, Any]:
    filled = {key: value for key, value in values.items() if value is not None}
    rendered: dict[str, Any] = {"text": localise(message.text, language, **filled)}
    buttons = [_button(b, language) for b in message.buttons]
    buttons += _dynamic_buttons(message.dynamic_buttons, language, deployment, values)
    if buttons:
        rendered["buttons"] = buttons
    return rendered


def render(name: str, language: str, deployment: Deployment, /, **values: Any) -> dict[str, Any]:
    """The response `name` as a message dict (`text`, optional `buttons`) in `language`."""
    return render_message(known_responses().get(name), language, deployment, values)
