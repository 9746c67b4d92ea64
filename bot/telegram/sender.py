"""One sender for everything the bot says on Telegram: the replies of a turn, staff replies,
staff-chat notices, reactions, files and deletions all go through the outbox table and leave
from here (decision 11).

Per chat, messages leave in the order they were queued, one at a time; chats go on in parallel.
With several gateways, each sends to a chat only while it holds the chat's claim
(bot/handoff/outbox_claims.py), and reads the chat's messages after claiming it.
A message Telegram cannot take now (429 with its `retry_after`, 5xx, a timeout, no network)
waits for its retry and holds back the later ones to its chat. One Telegram refuses for good
(400, 403), or one still failing after the retries, is kept for the person's case page. The loop
is supervised: whatever goes wrong in a round is logged (its type only, never a text) and the
next round goes on; `alive` tells /health whether rounds still happen.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from sqlalchemy.orm import Session
from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

from bot.handoff.outbox import (
    MAX_ATTEMPTS,
    TELEGRAM_PREFIX,
    Outbox,
    Pending,
    enqueue,
    enqueue_document,
    enqueue_reaction,
    pause_after,
)
from bot.handoff.outbox_claims import RENEW_SECONDS, SendClaims, holder_name
from bot.rasa_client import Reply
from bot.telegram.durations import seconds_of
from bot.telegram.keyboards import inline_keyboard
from bot.telegram.metrics import GatewayMetrics

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.25  # how soon what other processes queued (staff replies, notices) leaves
FAILURE_PAUSE_SECONDS = 1.0  # after an unexpected error, before the chat is tried again


def queue_replies(session: Session, chat_id: str, conversation_id: str, replies: list[Reply],
                  reply_to: int | None) -> None:
    """Queue a turn's replies; `reply_to` is the person's message a reaction belongs on."""
    for reply in replies:
        if reply.reaction:
            if reply_to is not None:  # a button press has no message of the person's to react to
                enqueue_reaction(session, chat_id, reply_to, reply.reaction, conversation_id=conversation_id)
        elif reply.document:
            enqueue_document(session, chat_id, reply.document.filename, reply.document.content,
                             conversation_id=conversation_id)
        else:
            enqueue(session, chat_id, reply.text or "…", list(reply.buttons) or None, conversation_id=conversation_id)


def refusal(error: TelegramError) -> str | None:
    """Why Telegram will never take the message, in German for staff; None if it may later."""
    text = error.message.lower()
    if isinstance(error, ChatMigrated):
        return (f"die Gruppe ist jetzt eine Supergruppe (neue ID {error.new_chat_id}); "
                "staff_chat_id in der Deployment-Datei anpassen")
    if isinstance(error, Forbidden):
        if "blocked" in text:
            return "die Person hat den Bot blockiert"
        if "deactivated" in text:
            return "das Telegram-Konto gibt es nicht mehr"
        if "kicked" in text or "not a member" in text:
            return "der Bot ist nicht (mehr) Mitglied der Gruppe"
        return "Telegram verweigert die Zustellung"
    if isinstance(error, BadRequest):
        return "Chat nicht gefunden" if "chat not found" in text else "Telegram lehnt die Nachricht ab"
    return None


class Sender:
    def __init__(self, bot: Bot, outbox: Outbox, metrics: GatewayMetrics | None = None,
                 claims: SendClaims | None = None) -> None:
        self.bot = bot
        self.outbox = outbox
        # Several gateways share PostgreSQL's outbox and claim a chat before sending to it; on
        # SQLite one gateway runs (decision 22), and claims would cost three commits a chat for nothing.
        if claims is None and outbox.database.engine.dialect.name != "sqlite":
            claims = SendClaims(outbox.database, holder_name())
        self.claims = claims
        self.metrics = metrics  # counts every call's result, and the messages given up
        self.last_round = time.monotonic()
        self._wake = asyncio.Event()
        self._chats: dict[str, asyncio.Task[None]] = {}  # the chats being sent to now

    def wake(self) -> None:
        """Something was queued: look now, not at the next poll."""
        self._wake.set()

    def alive(self, within: float) -> bool:
        return time.monotonic() - self.last_round < within

    async def run(self, stop: asyncio.Event) -> None:
        if self.claims is not None and self.outbox.database.engine.dialect.name == "sqlite":
            await asyncio.to_thread(self.claims.release_all)  # one gateway only: claims found are a dead one's
        while not stop.is_set():
            self._wake.clear()
            try:
                await self._round()
            except Exception as error:  # noqa: BLE001 - e.g. "database is locked": the next round retries
                logger.error("sender: round failed: %s", type(error).__name__)
            self.last_round = time.monotonic()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)
        await asyncio.gather(*self._chats.values(), return_exceptions=True)

    async def _round(self) -> None:
        by_chat: dict[str, list[Pending]] = {}
        for message in await asyncio.to_thread(self.outbox.due, set(self._chats), shared=self.claims is not None):
            by_chat.setdefault(message.chat_id, []).append(message)
        for chat_id, messages in by_chat.items():
            self._chats[chat_id] = asyncio.create_task(self._send_chat(chat_id, messages))

    async def _send_chat(self, chat_id: str, messages: list[Pending]) -> None:
        try:
            if self.claims is None:
                await self._send_in_order(messages)
                return
            if not await asyncio.to_thread(self.claims.claim, chat_id):
                return  # another gateway sends to this chat now
            renewal = asyncio.create_task(self._keep_claim(chat_id, self.claims))
            try:
                # Read again after the claim: what another gateway sent before it let go is gone.
                await self._send_in_order(await asyncio.to_thread(self.outbox.due, chat_id=chat_id))
            finally:
                renewal.cancel()
                await asyncio.to_thread(self.claims.release, chat_id)
        except Exception as error:  # noqa: BLE001 - the message stays queued; a later round retries
            logger.error("sender: sending failed: %s", type(error).__name__)
            await asyncio.sleep(FAILURE_PAUSE_SECONDS)
        finally:
            del self._chats[chat_id]
            self._wake.set()  # more may have been queued for this chat meanwhile

    async def _send_in_order(self, messages: list[Pending]) -> None:
        for message in messages:
            if not await self._send(message):
                break  # it waits for its retry, and the later messages to this chat behind it

    @staticmethod
    async def _keep_claim(chat_id: str, claims: SendClaims) -> None:
        while True:
            await asyncio.sleep(RENEW_SECONDS)
            try:
                await asyncio.to_thread(claims.renew, chat_id)
            except Exception as error:  # noqa: BLE001 - the next renewal may succeed; the claim lasts a while
                logger.warning("sender: claim on a chat not renewed: %s", type(error).__name__)

    async def _send(self, message: Pending) -> bool:
        """Send one message; False if it is to be tried again later."""
        try:
            telegram_message_id = await self._call(message)
        except TelegramError as error:
            if self.metrics:
                self.metrics.sent(error)
            return await self._failed(message, error)
        if self.metrics:
            self.metrics.sent(None)
        await asyncio.to_thread(self.outbox.sent, message, telegram_message_id)
        return True

    async def _failed(self, message: Pending, error: TelegramError) -> bool:
        """Wait for a retry (False), or give up (True)."""
        if isinstance(error, RetryAfter):
            logger.info("sender: outbox message %s: Telegram asks to wait (429)", message.id)
            wait = seconds_of(error, "retry_after") or 0.0
            await asyncio.to_thread(self.outbox.retry_later, message.id, wait, "RetryAfter", counts=False)
            return False
        reason = refusal(error)
        if reason is None and message.attempts + 1 < MAX_ATTEMPTS:
            logger.warning("sender: outbox message %s not sent (attempt %s): %s", message.id, message.attempts + 1,
                           type(error).__name__)
            await asyncio.to_thread(self.outbox.retry_later, message.id, pause_after(message.attempts + 1),
                                    type(error).__name__)
            return False
        await self._give_up(message, reason or f"Telegram war nach {MAX_ATTEMPTS} Versuchen nicht erreichbar", error)
        return True

    async def _give_up(self, message: Pending, reason: str, error: TelegramError) -> None:
        if not message.is_message:
            # A deletion of a message too old or gone, a reaction: nobody misses it.
            logger.warning("sender: outbox action %s dropped: %s", message.id, type(error).__name__)
            await asyncio.to_thread(self.outbox.drop, message.id)
            return
        if self.metrics:
            self.metrics.given_up.inc()
        kept = await asyncio.to_thread(self.outbox.give_up, message.id, reason)
        logger.warning("sender: outbox message %s not delivered (%s); %s", message.id, type(error).__name__,
                       "shown on the case" if kept else "no case to show it on")

    async def _call(self, message: Pending) -> int | None:
        """The Bot API call for one queued message; the id Telegram gave a sent message."""
        chat_id = message.chat_id
        if message.delete_message_id is not None:
            await self.bot.delete_message(chat_id, message.delete_message_id)
            return None
        if message.reaction_to is not None:
            await self.bot.set_message_reaction(chat_id, message.reaction_to, message.text)
            return None
        if message.document is not None and message.voice:
            return (await self.bot.send_voice(chat_id, message.document, caption=message.text or None)).message_id
        if message.document is not None:
            return (await self.bot.send_document(chat_id, message.document, filename=message.text)).message_id
        markup = None
        if message.buttons:  # their payloads were stored when the message was queued (outbox.enqueue)
            markup = inline_keyboard(message.conversation_id or f"{TELEGRAM_PREFIX}{chat_id}", message.buttons)
        return (await self.bot.send_message(chat_id, message.text, reply_markup=markup)).message_id
