"""One turn of a conversation, whatever the channel: the Telegram gateway and `lotse chat` both
send what the person did through here and show what comes back."""
from __future__ import annotations

import asyncio
import datetime
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select

from bot.audio.listening import AlwaysAudio, chosen_always, is_always_choice
from bot.audio.voices import has_voice
from bot.config import Settings
from bot.crisis_response import PAYLOADS as CRISIS_PAYLOADS
from bot.crisis_response import CrisisResponse
from bot.db import Database, Intake
from bot.db.last_seen import LastSeen, touch
from bot.deployment import Deployment, load_deployment
from bot.handoff.cases import CaseDesk, RelayCase
from bot.handoff.voice import Voice, VoiceDesk, VoiceRefused
from bot.i18n import conversation_language, format_date_for
from bot.messages import render
from bot.privacy import Eraser
from bot.privacy.access import chat_lines, collect
from bot.privacy.mydata import my_data_replies
from bot.privacy_choices import PrivacyChoices, is_privacy_choice
from bot.rasa_client import RasaClient, RasaUnavailable, Reply, Turn, requested_question
from bot.reminders.clock import Clock
from bot.reminders.loop import CHOICES as REMINDER_CHOICES
from bot.reminders.loop import CONTINUE, STOP
from bot.reminders.store import ReminderStore
from bot.safety import detect_crisis

logger = logging.getLogger(__name__)

RELAYED_REACTION = "✍"  # on the person's message: "passed on to the team"
# Rasa reads a message that starts with "/" (after whitespace) as an intent with slot values.
_LEADING_COMMAND = re.compile(r"^[\s/]+")

# Commands a person can send at any moment, and what Rasa hears for them.
# /status, /privacy, /delete, /mydata, /stop (no more reminders) and /listen (questions read
# aloud, bot/audio/) are answered here; /listen asks Rasa for the open question again.
COMMANDS = {
    "start": "/greet",
    "language": "/change_language",
    "help": "/ask_help",
    "human": "/request_human",
    "restart": "/start_over",
}


class AnswerLater(Exception):
    """Rasa or the action server cannot answer now: the message waits and is tried again."""


def as_text(typed: str) -> str:
    """What a person typed, as Rasa must read it: text, never a command (every leading "/" and
    whitespace removed, however they alternate)."""
    return _LEADING_COMMAND.sub("", typed)


@dataclass(frozen=True)
class Arrival:
    case: RelayCase | None  # the open case that takes the person's messages now
    last_seen: datetime.datetime | None  # when the person wrote before this message


@dataclass(frozen=True)
class Person:
    conversation_id: str
    channel: str
    language_code: str | None = None
    message_id: str | None = None  # the channel's id of the message; Rasa keeps it with the message
    retrying: bool = False  # the message may have reached Rasa already (bot/telegram/inbound.py)

    def metadata(self) -> dict[str, Any]:
        metadata: dict[str, Any] = {"channel": self.channel, "language_code": self.language_code}
        if self.message_id is not None:
            metadata["message_id"] = self.message_id
        return metadata


class Conversations:
    def __init__(self, settings: Settings, rasa: RasaClient, database: Database, wait_for_rasa: bool = False) -> None:
        """`database`: the process's one (the gateway's, the console's). `wait_for_rasa`: when Rasa or
        the action server cannot answer, raise `AnswerLater` (the Telegram gateway keeps the message
        and tries again) instead of apologising."""
        self.settings = settings
        self.rasa = rasa
        self.wait_for_rasa = wait_for_rasa
        self.deployment: Deployment = load_deployment(settings.deployment_file)
        self.seen = LastSeen(database)
        self.cases = CaseDesk(database, self.deployment, settings.web_url)
        self.voices = VoiceDesk(database, settings.web_url)
        self.privacy = PrivacyChoices(self, database)
        self.database = database
        self.eraser = Eraser(database, settings.tracker_database_url)
        self.crisis = CrisisResponse(self.deployment, database, self.cases, rasa)
        self.reminders = ReminderStore(database, settings.reminder_after_hours)
        self.clock = Clock(settings.clock_file)
        self.always_audio = AlwaysAudio(database)

    async def language(self, person: Person) -> str:
        chosen = (await self.rasa.state(person.conversation_id)).get("slots", {}).get("language")
        return conversation_language(chosen, person.language_code)

    async def notice(self, person: Person, name: str, **values: Any) -> Reply:
        """A message the application says itself, in the person's language."""
        language = await self.language(person)
        message = render(name, language, self.deployment, **values)
        return Reply(text=message["text"], buttons=tuple(message.get("buttons", ())), language=language)

    async def local_notice(self, person: Person, name: str) -> Reply:
        """A notice in the person's language without asking Rasa (it may be the part that is down):
        the language of their stored intake, else their Telegram client's."""
        stored = await asyncio.to_thread(self._stored_language, person.conversation_id)
        return Reply(text=render(name, conversation_language(stored, person.language_code), self.deployment)["text"])

    def _stored_language(self, conversation_id: str) -> str | None:
        with self.database.session() as session:
            return session.scalar(select(Intake.language).where(Intake.conversation_id == conversation_id))

    async def _actions_down(self) -> bool:
        """Whether an action server is down. With several, the silent turn's Rasa may call any
        one of them (decision 16): one down is enough to wait rather than apologise."""
        async with httpx.AsyncClient(timeout=2.0) as http:
            for url in self.settings.action_server_urls:
                try:
                    if (await http.get(f"{url}/health")).status_code >= 500:
                        return True
                except httpx.HTTPError:
                    return True
        return False

    async def _to_rasa(self, person: Person, message: str) -> list[Reply]:
        try:
            turn = await self.rasa.send(person.conversation_id, message, person.metadata(), check_first=person.retrying)
        except RasaUnavailable as error:
            logger.error("Rasa did not answer: %s", type(error.__cause__).__name__)
            if self.wait_for_rasa:
                raise AnswerLater from error
            turn = Turn(replies=[])
        if turn.forget:
            # An action asked for it (consent declined, a child): nothing of the person stays.
            await asyncio.to_thread(self.eraser.forget, person.conversation_id, "bot")
        if turn.replies:
            return turn.replies
        # Every turn ends with something to say; silence means a part failed. Never leave the
        # person waiting without a word.
        logger.error("no reply from Rasa for a turn of a %s conversation", person.channel)
        if self.wait_for_rasa and await self._actions_down():
            raise AnswerLater  # Rasa is up, but its actions and texts come from the action server
        language = conversation_language(None, person.language_code)
        return [Reply(text=render("gateway_rasa_unavailable", language, self.deployment)["text"])]

    def _arrived(self, person: Person) -> Arrival:
        """The person wrote: noted, with what decides where the message goes, in one transaction."""
        with self.database.session() as session:
            return Arrival(self.cases.relay_case_in(session, person.conversation_id),
                           touch(session, person.conversation_id, person.channel))

    async def _welcome_back(self, person: Person, last_seen: datetime.datetime | None) -> list[Reply] | None:
        """After a long pause in the middle of the intake: welcome, and the open question again.

        The message that brought the person back is not taken as an answer: days later, it is
        more likely "hello" than the answer to a question they no longer see.
        """
        pause = self.settings.welcome_back_after_hours * 3600
        if last_seen is None or (datetime.datetime.now(datetime.UTC) - last_seen).total_seconds() < pause:
            return None
        state = await self.rasa.state(person.conversation_id)
        slots = state.get("slots", {})
        if state.get("active_loop") != "intake_form" or slots.get("consent") != "yes":
            return None
        welcome = await self.notice(person, "welcome_back", first_name=slots.get("first_name") or "")
        return [welcome, *await self._to_rasa(person, "/repeat")]

    async def _relay(self, case: RelayCase, text: str) -> list[Reply]:
        """While a case is open, the person talks to the team, not to the bot."""
        if text.strip():
            await asyncio.to_thread(self.cases.relay_from_person, case, text.strip())
        return [Reply(text="", reaction=RELAYED_REACTION)]

    async def voice(self, person: Person, fetch: Callable[[], Awaitable[Voice]]) -> list[Reply]:
        """A voice message. The bot cannot listen (decision 21); the team can: with an open case
        it goes to them (`fetch` downloads it), else the person hears how to go on."""
        case = await asyncio.to_thread(self.cases.open_case_of, person.conversation_id)
        if case is None:
            # "Talk to a person now" is a button; the open question follows with its own.
            return [await self.notice(person, "voice_not_understood"), *await self._to_rasa(person, "/repeat")]
        await asyncio.to_thread(self.seen.touch, person.conversation_id, person.channel)
        try:
            voice = await fetch()
        except VoiceRefused as refused:
            await asyncio.to_thread(self.voices.refused, case, refused.reason)
            return [await self.notice(person, "voice_refused")]
        await asyncio.to_thread(self.voices.keep, case, voice)
        if case.relay_open:
            return [Reply(text="", reaction=RELAYED_REACTION)]
        # Handed back to the bot: the person talks to the bot again, and must know who listens.
        return [Reply(text="", reaction=RELAYED_REACTION), await self.notice(person, "voice_passed_to_team")]

    async def text(self, person: Person, text: str) -> list[Reply]:
        # Before anything else: a person in danger gets help, and the message is no answer.
        if signal := detect_crisis(text):
            await asyncio.to_thread(self.seen.touch, person.conversation_id, person.channel)
            state = await self.rasa.state(person.conversation_id)  # {} while Rasa is down: help goes out
            slots = state.get("slots", {})
            return await self.crisis.respond(person.conversation_id, person.channel, text.strip(), signal,
                                             conversation_language(slots.get("language"), person.language_code),
                                             requested_question(state))
        arrival = await asyncio.to_thread(self._arrived, person)
        if arrival.case is not None:
            return await self._relay(arrival.case, text)
        if welcome := await self._welcome_back(person, arrival.last_seen):
            return welcome
        message = as_text(text)
        if not message:
            return [await self.notice(person, "error_empty")]
        return await self._to_rasa(person, message)

    async def button(self, person: Person, payload: str, title: str = "") -> list[Reply]:
        """A tap on a button; during a relay the team reads the button's title."""
        if is_privacy_choice(payload):  # answered here, never by Rasa, nor relayed to the team
            return await self.privacy.choose(person, payload)
        if is_always_choice(payload):  # a setting: answered here, never relayed
            return await self.choose_always_audio(person, chosen_always(payload))
        if payload in CRISIS_PAYLOADS:
            replies, go_on = await self.crisis.answer(person.conversation_id, person.channel, payload,
                                                      await self.language(person))
            return [*replies, *await self._to_rasa(person, "/repeat")] if go_on else replies
        arrival = await asyncio.to_thread(self._arrived, person)
        if arrival.case is not None:
            return await self._relay(arrival.case, title)
        if payload in REMINDER_CHOICES:
            return await self._reminder_choice(person, payload)
        if welcome := await self._welcome_back(person, arrival.last_seen):
            return welcome
        return await self._to_rasa(person, payload)

    async def _reminder_choice(self, person: Person, payload: str) -> list[Reply]:
        """A button of a reminder: the person is back, so no welcome-back; go on where they
        stopped, start again, or stop the reminders."""
        if payload == STOP:
            return await self.stop_reminders(person)
        return await self._to_rasa(person, "/repeat" if payload == CONTINUE else "/start_over")

    async def stop_reminders(self, person: Person) -> list[Reply]:
        await asyncio.to_thread(self.reminders.stop, person.conversation_id, self.clock.now())
        return [await self.notice(person, "reminders_stopped")]

    async def listen(self, person: Person) -> list[Reply]:
        """/listen: how to hear the messages, the choice to hear all of them, and the open
        question again (the gateway sends this turn's messages read aloud)."""
        if not has_voice(await self.language(person)):
            return [await self.notice(person, "listen_no_voice")]
        always = await asyncio.to_thread(self.always_audio.get, person.conversation_id)
        offer = await self.notice(person, "listen_offer_off" if always else "listen_offer_on")
        if await asyncio.to_thread(self.cases.relay_case, person.conversation_id):
            return [offer]  # the team is there; no question to repeat
        return [offer, *await self._to_rasa(person, "/repeat")]

    async def choose_always_audio(self, person: Person, on: bool) -> list[Reply]:
        await asyncio.to_thread(self.seen.touch, person.conversation_id, person.channel)  # the row holds the choice
        await asyncio.to_thread(self.always_audio.set, person.conversation_id, on)
        return [await self.notice(person, "listen_always_on" if on else "listen_always_off")]

    async def command(self, person: Person, name: str) -> list[Reply]:
        await asyncio.to_thread(self.seen.touch, person.conversation_id, person.channel)
        if name == "privacy":
            return await self.privacy.show(person)
        if name == "delete":
            replies = [await self.notice(person, "privacy_deleted")]  # in their language, while it is known
            await asyncio.to_thread(self.eraser.forget, person.conversation_id, "person")
            return replies
        if name == "mydata":
            return await self.my_data(person)
        if name == "status":
            return [await self.status(person)]
        if name == "stop":
            return await self.stop_reminders(person)
        if name == "listen":
            return await self.listen(person)
        if await asyncio.to_thread(self.cases.relay_case, person.conversation_id):
            return [await self.notice(person, "relay_active")]
        return await self._to_rasa(person, COMMANDS.get(name, "/ask_help"))

    async def my_data(self, person: Person) -> list[Reply]:
        """Everything stored about the person: readable, in their language, and as a JSON file."""
        chat = chat_lines(await self.rasa.events(person.conversation_id))
        data = await asyncio.to_thread(collect, self.database, person.conversation_id, chat)
        slots = (await self.rasa.state(person.conversation_id)).get("slots", {})
        return my_data_replies(data, slots, await self.language(person), self.deployment)

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
