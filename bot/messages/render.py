"""Rendering a response in one language, with its buttons."""
from __future__ import annotations

import json
from typing import Any

from bot.deployment import Deployment
from bot.i18n import SUPPORTED_LANGUAGES, language_name, localise
from bot.messages.catalog import Button, Message, response_catalog

# Above this many municipalities a keyboard stops helping: people type and we match.
MAX_MUNICIPALITY_BUTTONS = 16


def choice_payload(slot: str, value: str) -> str:
    return "/inform" + json.dumps({"slot": slot, "value": value}, ensure_ascii=False, separators=(",", ":"))


def _dynamic_buttons(kind: str | None, language: str, deployment: Deployment) -> list[dict[str, str]]:
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
    buttons += _dynamic_buttons(message.dynamic_buttons, language, deployment)
    if buttons:
        rendered["buttons"] = buttons
    return rendered


def render(name: str, language: str, deployment: Deployment, /, **values: Any) -> dict[str, Any]:
    """The response `name` as a message dict (`text`, optional `buttons`) in `language`."""
    return render_message(response_catalog().get(name), language, deployment, values)
