"""The gateway's reminder loop: sends the reminders that are due, through the one sender.

A due reminder is claimed, then looked at: in the night it waits for the morning; when the
person is no longer in the middle of the intake (completed, a case open, /stop, consent gone,
the form not active in Rasa), or a later reminder is due as well, it is dropped; when Rasa cannot say, it waits a minute. Else it
is queued in the person's language with the open question as they last saw it, read from
Rasa's tracker: reading it does not move the conversation on. The buttons do (bot/conversation.py).
"""
from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
import time
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from bot.audio.listening import with_listen_button
from bot.audio.speaker import Speaker
from bot.deployment import Deployment
from bot.i18n import conversation_language
from bot.messages import render
from bot.rasa_client import RasaClient, Reply
from bot.reminders.clock import Clock, daytime
from bot.reminders.store import Due, ReminderStore

logger = logging.getLogger(__name__)

POLL_SECONDS = 5.0  # how often due reminders are looked for: one indexed query
RASA_DOWN_PAUSE = datetime.timedelta(minutes=1)
# The button payloads of a reminder (bot/messages/messages.yml), answered by bot/conversation.py.
CONTINUE, START_OVER, STOP = "/reminder_continue", "/reminder_start_over", "/reminder_stop"
CHOICES = (CONTINUE, START_OVER, STOP)


def open_question(events: list[dict[str, Any]]) -> str:
    """The bot's last message in the conversation: the form asks its question last in a turn."""
    return next((event["text"] for event in reversed(events) if event.get("event") == "bot" and event.get("text")), "")


class Reminding:
    def __init__(self, store: ReminderStore, rasa: RasaClient, deployment: Deployment, clock: Clock,
                 timezone: str, wake_sender: Callable[[], None], speaker: Speaker) -> None:
        self.store = store
        self.rasa = rasa
        self.deployment = deployment
        self.clock = clock
        self.zone = ZoneInfo(timezone)
        self.wake_sender = wake_sender
        self.speaker = speaker  # a reminder holds the open question: it can be heard like the question
        self.last_round = time.monotonic()

    def alive(self, within: float) -> bool:
        return time.monotonic() - self.last_round < within

    async def run(self, stop: asyncio.Event) -> None:
        if self.store.database.engine.dialect.name == "sqlite":
            await asyncio.to_thread(self.store.release)  # one gateway only: claims found are a dead one's
        while not stop.is_set():
            try:
                await self.round()
            except Exception as error:  # noqa: BLE001 - logged by type (SQL errors carry data); next round retries
                logger.error("reminders: round failed: %s", type(error).__name__)
            self.last_round = time.monotonic()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), POLL_SECONDS)

    async def round(self) -> int:
        """Send what is due now; returns how many reminders were queued."""
        now = self.clock.now()
        queued = 0
        for reminder_id in await asyncio.to_thread(self.store.due, now):
            due = await asyncio.to_thread(self.store.claim, reminder_id, now)
            if due is not None:
                queued += await self._remind(due, now)
            self.last_round = time.monotonic()  # a long round is progress, not a hang
        return queued

    async def _remind(self, due: Due, now: datetime.datetime) -> bool:
        morning = daytime(now, self.zone)
        if morning != now:
            await asyncio.to_thread(self.store.later, due.id, morning)
            return False
        if (not await asyncio.to_thread(self.store.waiting, due.conversation_id)
                or await asyncio.to_thread(self.store.superseded, due, now)):
            await asyncio.to_thread(self.store.drop, due.id)
            return False
        state = await self.rasa.state(due.conversation_id)
        events = await self.rasa.events(due.conversation_id) if state else None
        if not state or events is None:  # Rasa cannot say now: ask again in a minute
            await asyncio.to_thread(self.store.later, due.id, now + RASA_DOWN_PAUSE)
            return False
        slots = state.get("slots", {})
        question = open_question(events)
        if state.get("active_loop") != "intake_form" or slots.get("consent") != "yes" or not question:
            await asyncio.to_thread(self.store.drop, due.id)
            return False
        name = "reminder_last" if due.number == len(self.store.after_hours) else "reminder_first"
        language = conversation_language(slots.get("language"), None)
        message = render(name, language, self.deployment, question=question)
        reply = with_listen_button(self.speaker, Reply(text=message["text"], buttons=tuple(message.get("buttons", ()))),
                                   language)
        if not await asyncio.to_thread(self.store.send, due, reply, now):
            return False
        logger.info("reminders: reminder %s queued (number %s)", due.id, due.number)
        self.wake_sender()
        return True
