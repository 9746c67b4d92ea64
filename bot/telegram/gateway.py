"""The gateway's handlers and its life cycle (long polling, or a webhook with a secret token)."""
from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
import secrets
from collections.abc import AsyncIterator

from sqlalchemy.orm import Session
from telegram import CallbackQuery, Message, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackContext,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.audio import Speaker
from bot.audio.listening import LISTEN_DATA_PREFIX, choice_titles, listened_language, said, with_listen_button
from bot.audio.prompts import index_prompts
from bot.audio.synthesis import SynthesisFailed
from bot.config import Settings
from bot.conversation import COMMANDS, Conversations, Person
from bot.crisis_response import CrisisResponse
from bot.db import Database
from bot.handoff.outbox import Outbox, enqueue_voice
from bot.i18n import SUPPORTED_LANGUAGES
from bot.rasa_client import RasaClient, Reply
from bot.reminders.loop import Reminding
from bot.safety import compile_lexicons
from bot.safety import warm_up as warm_up_crisis_detection
from bot.telegram.health import serve_health
from bot.telegram.http import AiohttpRequest
from bot.telegram.inbound import DurableQueue, Inbound, Write, retrying, turn_writes
from bot.telegram.keyboards import payload_for
from bot.telegram.metrics import GatewayMetrics
from bot.telegram.rate_limit import MessageRateLimiter
from bot.telegram.sender import Sender, queue_replies
from bot.telegram.voice import download_voice

logger = logging.getLogger(__name__)

TYPING_REFRESH_SECONDS = 4.0  # Telegram shows "typing…" for about 5 seconds per action
TYPING_AFTER_SECONDS = 0.5  # a turn still under way then shows "typing…"
ALL_COMMANDS = (*COMMANDS, "privacy", "delete", "status", "mydata", "stop", "listen")
SENDER_STALE_SECONDS = 30.0  # a sender round takes milliseconds; this long without one, it hangs
CRISIS_POLL_SECONDS = 5.0  # how often unanswered crisis alerts are looked for (minutes matter, not seconds)
REMINDERS_STALE_SECONDS = 180.0  # a reminder round waits for Rasa at most a minute per reminder
# Connections to the Bot API: 16 carry several hundred requests a second at Telegram's latency;
# a request waits up to POOL_WAIT_SECONDS for one (then the sender retries it).
TELEGRAM_CONNECTIONS = 16
POOL_WAIT_SECONDS = 10.0


def person_of(update: Update) -> Person:
    user = update.effective_user
    chat = update.effective_chat
    assert chat is not None
    return Person(
        conversation_id=f"telegram:{chat.id}",
        channel="telegram",
        language_code=user.language_code if user else None,
        # Rasa keeps it with the message, so a turn tried again can be found in its tracker.
        message_id=str(update.update_id),
        retrying=retrying.get(),
    )


class Gateway:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.database = Database(settings.app_database_url, commits_wait_for_disk=False)
        self.rasa = RasaClient(settings.rasa_url, settings.rasa_token)
        self.conversations = Conversations(settings, self.rasa, self.database, wait_for_rasa=True)
        self.metrics = GatewayMetrics(self.database)
        self.speaker = Speaker(settings.audio_cache_dir, settings.recordings_dir)
        self.conversations.crisis.on_alert = self.metrics.crisis_alerts.inc
        # Every update is stored first, then handled here one at a time per chat (inbound.py), so
        # a chat's turns, and their replies, never overtake each other; chats run concurrently.
        self.inbound = Inbound(self.database, self.process, self.tell_to_wait, self.metrics)
        self.application: Application | None = None
        self.sender: Sender | None = None  # made with the application's bot
        self.handlers: list[BaseHandler] = []

    def build_application(self) -> Application:
        builder = (
            Application.builder()
            .token(self.settings.telegram_token)
            .base_url(f"{self.settings.telegram_api_url.rstrip('/')}/bot")
            .base_file_url(f"{self.settings.telegram_api_url.rstrip('/')}/file/bot")
            .update_queue(DurableQueue(self.inbound))
            .request(AiohttpRequest(TELEGRAM_CONNECTIONS, pool_timeout=POOL_WAIT_SECONDS))
            # Long polling holds its one connection for up to its timeout (PTB's own default).
            .get_updates_request(AiohttpRequest(1))
            .post_shutdown(self._close)
        )
        application: Application
        if self.settings.telegram_rate_limit:  # TELEGRAM_RATE_LIMIT=off (or 0): none at all
            # Messages over all chats; staff groups keep PTB's 20 per minute. A 429 is the sender's to retry.
            application = builder.rate_limiter(
                MessageRateLimiter(overall_max_rate=self.settings.telegram_rate_limit)).build()
        else:
            application = builder.build()
        self.sender = Sender(application.bot, Outbox(self.database), self.metrics)
        self.inbound.committed = self.sender.wake
        # People write in private chats; the staff groups the bot posts to are not conversations
        # (the inbound intake keeps only private chats, button taps included).
        private = filters.ChatType.PRIVATE
        new = filters.UpdateType.MESSAGE
        self.handlers = [
            MessageHandler(private & filters.UpdateType.EDITED_MESSAGE, self.on_edited),
            CommandHandler(list(ALL_COMMANDS), self.on_command, filters=private & new),
            CallbackQueryHandler(self.on_button),
            MessageHandler(private & new & filters.TEXT & ~filters.COMMAND, self.on_text),
            MessageHandler(private & new & filters.COMMAND, self.on_unknown_command),
            MessageHandler(private & new & (filters.VOICE | filters.AUDIO), self.on_voice),
            MessageHandler(private & new & ~filters.TEXT & ~filters.StatusUpdate.ALL, self.on_unsupported),
        ]
        self.application = application
        return application

    async def process(self, update: Update) -> None:
        """Handle one stored update with the first handler that takes it (others are dropped)."""
        assert self.application is not None
        for handler in self.handlers:
            check = handler.check_update(update)
            if check is not None and check is not False:
                context = CallbackContext.from_update(update, self.application)
                await handler.handle_update(update, self.application, check, context)
                break
        # The person wrote: their reminders are answered, and rescheduled from now (bot/reminders/),
        # in the transaction that ends the turn.
        if update.effective_chat is not None:
            await self._at_turn_end(functools.partial(self.conversations.reminders.note_person_wrote,
                                                      conversation_id=person_of(update).conversation_id,
                                                      now=self.conversations.clock.now()))

    async def _at_turn_end(self, write: Write) -> None:
        """Committed with the turn's update (bot/telegram/inbound.py); at once outside a turn (the
        notice that the answer comes later)."""
        writes = turn_writes.get()
        if writes is not None:
            writes.append(write)
            return
        await asyncio.to_thread(self._write_now, write)
        if self.sender is not None:
            self.sender.wake()

    def _write_now(self, write: Write) -> None:
        with self.database.session() as session:
            write(session)

    async def tell_to_wait(self, update: Update) -> None:
        """Rasa is down or slow: the message waits, and the person knows the answer comes later."""
        assert self.application is not None
        notice = await self.conversations.local_notice(person_of(update), "gateway_answer_later")
        await self._send(update, CallbackContext.from_update(update, self.application), [notice])

    async def _close(self, _application: Application) -> None:
        await self.rasa.close()

    @contextlib.asynccontextmanager
    async def _turn(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> AsyncIterator[None]:
        """Show "typing…" while Rasa works, once the answer takes a moment: an answer that comes
        at once needs none, and the request was a tenth of the gateway's work per turn."""
        chat_id = update.effective_chat.id  # type: ignore[union-attr]

        async def keep_typing() -> None:
            await asyncio.sleep(TYPING_AFTER_SECONDS)
            while True:
                with contextlib.suppress(Exception):
                    await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
                await asyncio.sleep(TYPING_REFRESH_SECONDS)

        typing = asyncio.create_task(keep_typing())
        try:
            yield
        finally:
            typing.cancel()

    async def _send(self, update: Update, context: ContextTypes.DEFAULT_TYPE, replies: list[Reply],
                    audible: bool = False, read_aloud: bool = False) -> None:
        """Queue the turn's replies for the sender: stored first, so a crash loses none; sent in
        order, retried, split when too long (bot/telegram/sender.py).

        `audible`: a turn Rasa answered, whose messages get a 🔊 in the language they are written
        in (and their voice after them, with `read_aloud` or when the person asked for it always).
        Not for the notices said while Rasa is down: a text without its language asks Rasa."""
        chat_id = update.effective_chat.id  # type: ignore[union-attr]
        message = update.effective_message
        reply_to = message.message_id if message is not None and update.callback_query is None else None
        person = person_of(update)
        if audible and any(said(r) and r.language is None for r in replies):
            language = await self.conversations.language(person)
            replies = [r if r.language else dataclasses.replace(r, language=language) for r in replies]
        queue = await asyncio.to_thread(self._prepared, str(chat_id), person.conversation_id, replies, reply_to,
                                        audible, read_aloud)
        await self._at_turn_end(queue)

    def _prepared(self, chat_id: str, conversation_id: str, replies: list[Reply], reply_to: int | None,
                  audible: bool = False, read_aloud: bool = False) -> Write:
        """The replies with their 🔊 and voices, ready to be queued in a transaction."""
        voices: dict[int, bytes] = {}
        if audible:
            replies = [with_listen_button(self.speaker, reply, reply.language) if reply.language else reply
                       for reply in replies]
            # Synthesised before the transaction, which must not wait for it.
            if read_aloud or self.conversations.always_audio.get(conversation_id):
                voices = {index: audio for index, reply in enumerate(replies)
                          if said(reply) and reply.language
                          and (audio := self._audio(reply.language, reply.text, choice_titles(reply.buttons)))}

        def queue(session: Session) -> None:
            for index, reply in enumerate(replies):
                queue_replies(session, chat_id, conversation_id, [reply], reply_to)
                if index in voices:
                    enqueue_voice(session, chat_id, voices[index], conversation_id=conversation_id)
        return queue

    def _audio(self, language: str, text: str, choices: list[str]) -> bytes | None:
        try:
            return self.speaker.audio(language, text, choices)
        except SynthesisFailed as error:  # the text stays; only its voice is missing
            logger.error("audio: synthesis failed: %s", error)
            return None

    async def _read_aloud(self, update: Update, query: CallbackQuery, language: str) -> None:
        """A tap on 🔊: the message it is under, as a voice message in the language it was written in."""
        # A message older than 48 hours comes as an InaccessibleMessage, without its text.
        message = query.message if isinstance(query.message, Message) else None
        if message is None or not message.text or language not in SUPPORTED_LANGUAGES:
            return
        choices = [b.text for row in (message.reply_markup.inline_keyboard if message.reply_markup else ())
                   for b in row if not str(b.callback_data or "").startswith(LISTEN_DATA_PREFIX)]
        audio = await asyncio.to_thread(self._audio, language, message.text, choices)
        if audio is None:
            return
        chat_id, conversation_id = str(update.effective_chat.id), person_of(update).conversation_id  # type: ignore[union-attr]
        await self._at_turn_end(functools.partial(enqueue_voice, chat_id=chat_id, audio=audio,
                                                  conversation_id=conversation_id))

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        async with self._turn(update, context):
            replies = await self.conversations.text(person_of(update), update.effective_message.text or "")  # type: ignore[union-attr]
        await self._send(update, context, replies, audible=True)

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        name = (update.effective_message.text or "/").split()[0][1:].split("@")[0].lower()  # type: ignore[union-attr]
        async with self._turn(update, context):
            replies = await self.conversations.command(person_of(update), name)
        await self._send(update, context, replies, audible=True, read_aloud=name == "listen")

    async def on_unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        async with self._turn(update, context):
            replies = await self.conversations.command(person_of(update), "help")
        await self._send(update, context, replies, audible=True)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        person = person_of(update)
        # After a wait (Rasa down) the query may be too old to answer: the tap still counts.
        with contextlib.suppress(TelegramError):
            await query.answer()
        if (language := listened_language(query.data or "")) is not None:
            await self._read_aloud(update, query, language)  # no answer: the question stays open
            return
        payload = await asyncio.to_thread(payload_for, self.database, person.conversation_id, query.data or "")
        if payload is None:
            # Not a button we sent (forged, or from a database that was reset): say so, ask again.
            async with self._turn(update, context):
                replies = await self.conversations.unusable(person, "error_stale_button")
            await self._send(update, context, replies, audible=True)
            return
        title = await self._mark_chosen(query)
        async with self._turn(update, context):
            replies = await self.conversations.button(person, payload, title or "")
        await self._send(update, context, replies, audible=True)

    @staticmethod
    async def _mark_chosen(query: CallbackQuery) -> str | None:
        """Replace the keyboard by the chosen answer, so old buttons cannot be pressed again.

        Returns the chosen button's title."""
        # A message older than 48 hours comes as an InaccessibleMessage: no keyboard, no text.
        message = query.message if isinstance(query.message, Message) else None
        chosen = next(
            (b.text for row in (message.reply_markup.inline_keyboard if message and message.reply_markup else ())
             for b in row if b.callback_data == query.data),
            None,
        )
        if message is None or not message.text:
            return chosen
        with contextlib.suppress(Exception):
            await query.edit_message_text(f"{message.text}\n\n✓ {chosen}" if chosen else message.text)
        return chosen

    async def on_voice(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None
        async with self._turn(update, context):
            replies = await self.conversations.voice(
                person_of(update), lambda: download_voice(context.bot, message, self.settings.voice_max_bytes))
        await self._send(update, context, replies)

    async def on_unsupported(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        async with self._turn(update, context):
            replies = await self.conversations.unusable(person_of(update), "gateway_unsupported_content")
        await self._send(update, context, replies, audible=True)

    async def on_edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An edit is not a new answer (the question has moved on): say so, on every edit, so
        that nobody takes a silent bot for a correction accepted (decision 10)."""
        notice = await self.conversations.local_notice(person_of(update), "gateway_edit_not_read")
        await self._send(update, context, [notice])


def prepare_in_background() -> None:
    compile_lexicons()
    index_prompts(SUPPORTED_LANGUAGES)


async def escalate_crisis_alerts(crisis: CrisisResponse, stop: asyncio.Event) -> None:
    """A person who got help but did not answer the offer of a person: the team is alerted anyway."""
    while not stop.is_set():
        try:
            await crisis.escalate_due()
        except Exception:  # a failed round must not end the watch; the next one retries
            logger.exception("crisis alerts: escalation failed, retrying")
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), CRISIS_POLL_SECONDS)


async def run_gateway(settings: Settings, stop: asyncio.Event) -> None:
    """Run until `stop` is set: long polling, or a webhook when a public URL is configured."""
    gateway = Gateway(settings)
    await asyncio.to_thread(warm_up_crisis_detection)  # the first person in danger must not wait for it
    # The rest of the lexicons' patterns and the index of the texts that can be heard, while the
    # gateway already serves: else the first messages in each script and language pay for them.
    lexicons = asyncio.create_task(asyncio.to_thread(prepare_in_background))
    application = gateway.build_application()
    async with application:
        await application.start()
        gateway.inbound.bot = application.bot
        inbound = asyncio.create_task(gateway.inbound.run(stop))
        assert gateway.sender is not None and application.updater is not None
        sender, updater = gateway.sender, application.updater
        delivery = asyncio.create_task(sender.run(stop))
        crisis_watch = asyncio.create_task(escalate_crisis_alerts(gateway.conversations.crisis, stop))
        conversations = gateway.conversations
        reminding = Reminding(conversations.reminders, gateway.rasa, conversations.deployment, conversations.clock,
                              settings.timezone, sender.wake, gateway.speaker)
        reminder_loop = asyncio.create_task(reminding.run(stop))
        if settings.webhook_url:
            secret = settings.webhook_secret or secrets.token_urlsafe(32)
            path = "telegram"
            await application.updater.start_webhook(
                listen=settings.webhook_listen,
                port=settings.webhook_port,
                url_path=path,
                webhook_url=f"{settings.webhook_url.rstrip('/')}/{path}",
                secret_token=secret,
            )
            logger.info("gateway: webhook on %s:%s", settings.webhook_listen, settings.webhook_port)
        else:
            await application.updater.start_polling(drop_pending_updates=False)
            logger.info("gateway: long polling %s", settings.telegram_api_url)
        loops = {
            "updates": lambda: updater.running,
            "inbound": lambda: not inbound.done(),
            "sender": lambda: not delivery.done() and sender.alive(within=SENDER_STALE_SECONDS),
            "crisis_watch": lambda: not crisis_watch.done(),
            "reminders": lambda: not reminder_loop.done() and reminding.alive(within=REMINDERS_STALE_SECONDS),
        }
        gateway.metrics.watch_loops(loops)
        health = await serve_health("127.0.0.1", settings.gateway_health_port, loops,
                                    details=lambda: {"rasa_workers": gateway.rasa.workers.status()},
                                    metrics=gateway.metrics.scrape)
        await stop.wait()
        health.close()
        await application.updater.stop()  # no new update while the last turns finish
        await inbound
        await delivery
        await crisis_watch
        await reminder_loop
        await lexicons
        await application.stop()
