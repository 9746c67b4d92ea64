"""What is read aloud, and which catalog message a text on screen is.

A message is read as it is shown, then its choices (the button titles), one per line: a person
who cannot read the question cannot read the buttons either. Nothing else is read, so the
person's own values are heard only where the text shows them.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache

from bot.deployment import Deployment
from bot.i18n import localise
from bot.i18n.text import FIRST_STRONG_ISOLATE, POP_DIRECTIONAL_ISOLATE, placeholder_names
from bot.messages import known_responses, render

_INVISIBLE = str.maketrans("", "", FIRST_STRONG_ISOLATE + POP_DIRECTIONAL_ISOLATE)


def plain(text: str) -> str:
    """The text without the bidi isolates the renderer adds (a voice has no direction)."""
    return text.translate(_INVISIBLE).strip()


def script(text: str, choices: Iterable[str] = ()) -> str:
    """The words spoken for a message and its choices."""
    return "\n".join([plain(text), *(plain(choice) for choice in choices if plain(choice))])


@cache
def _names_by_text(language: str) -> dict[str, str]:
    responses = known_responses()
    return {plain(localise(message.text, language)): name for name, message in responses.messages.items()
            if not placeholder_names(message.text)}


def index_prompts(languages: Iterable[str]) -> None:
    """Build the text → message index of each language now (a fraction of a second), not in
    the first turns that need it."""
    for language in languages:
        _names_by_text(language)


def prompt_name(language: str, text: str) -> str | None:
    """The catalog message shown as `text` in `language`; None for a text with the person's
    values filled in (or none of ours), which has no recording and is never cached."""
    return _names_by_text(language).get(plain(text))


@dataclass(frozen=True)
class Prompt:
    name: str
    script: str


def prompts(language: str, deployment: Deployment) -> Iterator[Prompt]:
    """Every catalog message without placeholders, as it is read in `language`."""
    for name, message in known_responses().messages.items():
        if placeholder_names(message.text):
            continue  # filled in per person: synthesised when sent, never cached
        try:
            rendered = render(name, language, deployment)
        except KeyError:  # buttons built from the person's answer (a confirmation)
            continue
        yield Prompt(name, script(rendered["text"], [b["title"] for b in rendered.get("buttons", ())]))
