"""One turn of a conversation, whatever the channel: the Telegram gateway and `lotse chat` both
send what the person did through here and show what comes back."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from bot.config import Settings
from bot.deployment import Deployment, load_deployment
from bot.i18n import normalise_language_code, DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES
from bot.messages import render
from bot.privacy import forget_conversation
from bot.rasa_client import RasaClient, RasaUnavailable, Reply

logger = logging.getLogger(__name__)

# Commands a person can send at any moment, and what Rasa hears for them.
COMMANDS = {
    "start": "/greet",
    "language": "/change_language",
    "help": "/ask_help",
    "human": "/request_human",
    "restart": "/start_over",
}


@dataclass(frozen=True)
class Person:
    conversation_id: str
    channel: str
    language_code: str | None = None

    def metadata(self) -> dict[str, Any]:
        return {"channel": self.channel, "language_code": self.language_code}


class Conversations:
    def __init__(self, settings: Settings, rasa: RasaClient) -> None:
        self.settings = settings
        self.rasa = rasa
        self.deployment: Deployment = load_deployment(settings.deployment_file)

    async def language(self, person: Person) -> str:
        chosen = await self.rasa.slot(person.conversation_id, "language")
        if chosen in SUPPORTED_LANGUAGES:
            return chosen
        return normalise_language_code(person.language_code) or DEFAULT_LANGUAGE

    async def notice(self, person: Person, name: str, **values: Any) -> Reply:
        """A message the application says itself, in the person's language."""
        message = render(name, await self.language(person), self.deployment, **values)
        return Reply(text=message["text"], buttons=tuple(message.get("buttons", ())))

    async def _to_rasa(self, person: Person, message: str) -> list[Reply]:
        try:
            replies = await self.rasa.send(person.conversation_id, message, person.metadata())
        except RasaUnavailable as error:
            logger.error("Rasa did not answer: %s", type(error.__cause__).__name__)
            replies = []
        if replies:
            return replies
        # Every turn ends with something to say; silence means a part failed. Never leave the
        # person waiting without a word.
        logger.error("no reply from Rasa for a turn of a %s conversation", person.channel)
        language = normalise_language_code(person.language_code) or DEFAULT_LANGUAGE
        return [Reply(text=render("gateway_rasa_unavailable", language, self.deployment)["text"])]

    async def text(self, person: Person, text: str) -> list[Reply]:
        if not text.strip():
            return [await self.notice(person, "error_empty")]
        # A leading "/" would be read by Rasa as an intent payload: people never mean that.
        return await self._to_rasa(person, text.lstrip("/") or text)

    async def button(self, person: Person, payload: str) -> list[Reply]:
        return await self._to_rasa(person, payload)

    async def command(self, person: Person, name: str) -> list[Reply]:
        if name == "privacy":
            return [await self.notice(person, "privacy_notice", controller=self.deployment.controller)]
        if name == "delete":
            replies = [await self.notice(person, "privacy_deleted")]
            await forget_conversation(self.settings, person.conversation_id)
            return replies
        return await self._to_rasa(person, COMMANDS.get(name, "/ask_help"))

    async def unusable(self, person: Person, notice: str) -> list[Reply]:
        """Something we cannot read (a sticker, an old button): say so, then ask again."""
        return [await self.notice(person, notice), *await self._to_rasa(person, "/repeat")]
