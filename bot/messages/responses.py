"""Loading response definitions from the Rasa domain and from the application's own file."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from bot.config import PROJECT_ROOT

DOMAIN_DIR = PROJECT_ROOT / "nlu_data" / "domain"
APP_MESSAGES = Path(__file__).with_name("messages.yml")


# Payloads of fixed buttons that answer yes, no or "I don't know".
_INTENT_VALUES = {"/affirm": "yes", "/deny": "no", "/dont_know": "unknown"}


@dataclass(frozen=True)
class Button:
    title: str
    payload: str

    @property
    def value(self) -> str | None:
        """The answer the button stands for: the value of `/inform{"value": …}`, or yes/no/unknown."""
        if self.payload.startswith("/inform"):
            return json.loads(self.payload.removeprefix("/inform")).get("value")
        return _INTENT_VALUES.get(self.payload)


@dataclass(frozen=True)
class Message:
    """One response: its English text, fixed buttons, and the name of a dynamic button set."""

    name: str
    text: str
    buttons: tuple[Button, ...] = ()
    dynamic_buttons: str | None = None


@dataclass
class Responses:
    """The responses by name; their translations are in the gettext catalogs (bot/i18n)."""

    messages: dict[str, Message] = field(default_factory=dict)

    def get(self, name: str) -> Message:
        try:
            return self.messages[name]
        except KeyError:
            raise KeyError(f"no response named {name!r}") from None

    def __contains__(self, name: str) -> bool:
        return name in self.messages


def parse_responses(data: dict) -> dict[str, Message]:
    messages = {}
    for name, variants in (data.get("responses") or {}).items():
        # One variant per response: translations replace variation, and a person who reads
        # little is better served by the same words each time.
        variant = variants[0]
        messages[name] = Message(
            name=name,
            text=variant["text"],
            buttons=tuple(Button(b["title"], b["payload"]) for b in variant.get("buttons") or ()),
            dynamic_buttons=(variant.get("metadata") or {}).get("buttons"),
        )
    return messages


def response_files() -> list[Path]:
    return [*sorted(DOMAIN_DIR.glob("*.yml")), APP_MESSAGES]


@lru_cache(maxsize=1)
def known_responses() -> Responses:
    """Every response the bot can say (English texts, their buttons), read once per process."""
    responses = Responses()
    for path in response_files():
        with path.open(encoding="utf-8") as handle:
            responses.messages.update(parse_responses(yaml.safe_load(handle) or {}))
    return responses
