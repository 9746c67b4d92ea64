"""/privacy: the notice, the person's consent choices, and buttons to change the optional ones.

The buttons send `/privacy_choice{…}` payloads, which the gateway answers itself, never Rasa.
A change is written to the stored intake's `consent` and to Rasa's slot, so that the form does
not ask again. Withdrawing consent to processing is /delete, after a confirmation.
"""
from __future__ import annotations

import asyncio
import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from bot.db import Database
from bot.i18n import localise
from bot.intake.consent import OPTIONAL_PURPOSES
from bot.intake.store import IntakeStore
from bot.messages import known_responses, render
from bot.rasa_client import RasaUnavailable, Reply

if TYPE_CHECKING:
    from bot.conversation import Conversations, Person

PREFIX = "/privacy_choice"


def choice_payload(**values: Any) -> str:
    return PREFIX + json.dumps(values, separators=(",", ":"))


def is_privacy_choice(payload: str) -> bool:
    return payload.startswith(PREFIX)


def _values(payload: str) -> dict[str, Any]:
    try:
        values = json.loads(payload[len(PREFIX):])
    except ValueError:
        return {}
    return values if isinstance(values, dict) else {}


class PrivacyChoices:
    def __init__(self, conversations: Conversations, database: Database) -> None:
        self.conversations = conversations
        self.store = IntakeStore(database)

    def _say(self, name: str, language: str, **values: Any) -> Reply:
        message = render(name, language, self.conversations.deployment, **values)
        return Reply(text=message["text"], buttons=tuple(message.get("buttons", ())))

    @staticmethod
    def _text(name: str, language: str) -> str:
        return localise(known_responses().get(name).text, language)

    async def _consent(self, person: Person) -> dict[str, Any] | None:
        record = await asyncio.to_thread(self.store.get, person.conversation_id)
        return (record or {}).get("consent")

    async def show(self, person: Person) -> list[Reply]:
        """The notice, then what the person has agreed to, with a button per possible change."""
        language = await self.conversations.language(person)
        deployment = self.conversations.deployment
        # The periods come from the deployment file, so the notice says what retention does.
        notice = self._say("privacy_notice", language, controller=deployment.controller, **asdict(deployment.retention))
        consent = await self._consent(person)
        if not consent:
            return [notice, self._say("privacy_no_choices", language)]
        answers: dict[bool | None, str] = {True: localise("Yes", language), False: localise("No", language)}
        not_asked = self._text("privacy_not_asked", language)
        shown = {purpose: answers.get(consent.get(purpose), not_asked) for purpose in ("processing", *OPTIONAL_PURPOSES)}
        buttons = [
            {"title": self._text(f"privacy_{purpose}_{'refuse' if consent.get(purpose) else 'allow'}", language),
             "payload": choice_payload(purpose=purpose, allowed=not consent.get(purpose))}
            for purpose in OPTIONAL_PURPOSES
        ]
        buttons.append({"title": self._text("privacy_withdraw", language), "payload": choice_payload(withdraw=True)})
        return [notice, Reply(text=self._say("privacy_choices", language, **shown).text, buttons=tuple(buttons))]

    async def choose(self, person: Person, payload: str) -> list[Reply]:
        """A tap on one of the buttons of `show` (or of the withdrawal's confirmation)."""
        values = _values(payload)
        language = await self.conversations.language(person)
        if values.get("withdraw"):
            return [self._say("privacy_withdraw_confirm", language)]
        if values.get("delete"):
            return await self.conversations.command(person, "delete")
        if values.get("keep"):
            return [self._say("privacy_kept", language)]
        purpose, allowed = values.get("purpose"), values.get("allowed")
        if purpose not in OPTIONAL_PURPOSES or not isinstance(allowed, bool):
            return [self._say("error_stale_button", language)]
        if not await self._consent(person):
            # Nothing stored (deleted since the buttons were sent): a slot set now would skip the
            # question in a new intake.
            return [self._say("privacy_no_choices", language)]
        try:
            await self.conversations.rasa.set_slots(person.conversation_id,
                                                    {OPTIONAL_PURPOSES[purpose]: "yes" if allowed else "no"})
        except RasaUnavailable:
            return [self._say("gateway_rasa_unavailable", language)]
        await asyncio.to_thread(self.store.set_consent_choice, person.conversation_id, purpose, allowed)
        return [self._say(f"privacy_{purpose}_{'yes' if allowed else 'no'}", language)]
