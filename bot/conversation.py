"""One turn of a conversation, whatever the channel: the Telegram gateway and `lotse chat` both
send what the person did through here and show what comes back."""
from __future__ import annotations

import asyncio
import datetime
import logging
from dataclasses import dataclass
from typing import Any

from bot.config import Settings
from bot.db import Database
from bot.db.last_seen import LastSeen
from bot.deployment import Deployment, load_deployment
from bot.handoff.cases import CaseDesk
from bot.i18n import conversation_language, format_date_for
from bot.messages import render
from bot.privacy import forget_conversation
from bot.rasa_client import RasaClient, RasaUnavailable, Reply

logger = logging.getLogger(__name__)

RELAYED_REACTION = "✍"  # on the person's message: "passed on to the team"

# Commands a person can send at any moment, and what Rasa hears for them.
# /status, /privacy and /delete are answered here, without Rasa.
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
        database = Database(settings.app_database_url)
        self.seen = LastSeen(database)
        self.cases = CaseDesk(database, self.deployment, settings.web_url)

    async def language(self, person: Person) -> str:
        chosen = (await self.rasa.state(person.conversation_id)).get("slots", {}).get("language")
        return conversation_language(chosen, person.language_code)

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
        language = conversation_language(None, person.language_code)
        return [Reply(text=render("gateway_rasa_unavailable", language, self.deployment)["text"])]

    async def _welcome_back(self, person: Person) -> list[Reply] | None:
        """After a long pause in the middle of the intake: welcome, and the open question again.

        The message that brought the person back is not taken as an answer: days later, it is
        more likely "hello" than the answer to a question they no longer see.
        """
        last_seen = await asyncio.to_thread(self.seen.touch, person.conversation_id, person.channel)
        pause = self.settings.welcome_back_after_hours * 3600
        if last_seen is None or (datetime.datetime.now(datetime.timezone.utc) - last_seen).total_seconds() < pause:
            return None
        state = await self.rasa.state(person.conversation_id)
        slots = state.get("slots", {})
        if state.get("active_loop") != "intake_form" or slots.get("consent") != "yes":
            return None
        welcome = await self.notice(person, "welcome_back", first_name=slots.get("first_name") or "")
        return [welcome, *await self._to_rasa(person, "/repeat")]

    async def _relayed(self, person: Person, text: str) -> list[Reply] | None:
        """While a case is open, the person talks to the team, not to the bot."""
        case = await asyncio.to_thread(self.cases.relay_case, person.conversation_id)
        if case is None:
            return None
        if text.strip():
            await asyncio.to_thread(self.cases.relay_from_person, case, text.strip())
        await asyncio.to_thread(self.seen.touch, person.conversation_id, person.channel)
        return [Reply(text="", reaction=RELAYED_REACTION)]

    async def text(self, person: Person, text: str) -> list[Reply]:
        if relayed := await self._relayed(person, text):
            return relayed
        if welcome := await self._welcome_back(person):
            return welcome
        if not text.strip():
            return [await self.notice(person, "error_empty")]
        # A leading "/" would be read by Rasa as an intent payload: people never mean that.
        return await self._to_rasa(person, text.lstrip("/") or text)

    async def button(self, person: Person, payload: str, title: str = "") -> list[Reply]:
        """A tap on a button; during a relay the team reads the button's title."""
        if relayed := await self._relayed(person, title):
            return relayed
        if welcome := await self._welcome_back(person):
            return welcome
        return await self._to_rasa(person, payload)

    async def command(self, person: Person, name: str) -> list[Reply]:
        await asyncio.to_thread(self.seen.touch, person.conversation_id, person.channel)
        if name == "privacy":
            return [await self.notice(person, "privacy_notice", controller=self.deployment.controller)]
        if name == "delete":
            replies = [await self.notice(person, "privacy_deleted")]
            await forget_conversation(self.settings, person.conversation_id)
            return replies
        if name == "status":
            return [await self.status(person)]
        if await asyncio.to_thread(self.cases.relay_case, person.conversation_id):
            return [await self.notice(person, "relay_active")]
        return await self._to_rasa(person, COMMANDS.get(name, "/ask_help"))

    async def status(self, person: Person) -> Reply:
        status = await asyncio.to_thread(self.cases.status, person.conversation_id)
        if status is None:
            return await self.notice(person, "status_none")
        team = self.deployment.team(status.team_id)
        language = await self.language(person)
        return await self.notice(
            person, f"status_{status.state}", reference=status.reference, team=team.name if team else status.team_id,
            days=team.response_days if team else "", date=format_date_for(status.created_at.date(), language),
        )

    async def unusable(self, person: Person, notice: str) -> list[Reply]:
        """Something we cannot read (a sticker, an old button): say so, then ask again."""
        if await asyncio.to_thread(self.cases.relay_case, person.conversation_id):
            return [await self.notice(person, notice)]  # the team is there; no question to repeat
        return [await self.notice(person, notice), *await self._to_rasa(person, "/repeat")]
