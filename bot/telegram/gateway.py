"""The gateway's handlers and its life cycle (long polling, or a webhook with a secret token)."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import weakref
from collections.abc import AsyncIterator

from telegram import Bot, Update
from telegram.constants import ChatAction
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.config import Settings
from bot.conversation import COMMANDS, Conversations, Person
from bot.crisis_response import CrisisResponse
from bot.safety import warm_up as warm_up_crisis_detection
from bot.db import Database
from bot.handoff.outbox import TELEGRAM_PREFIX, Outbox, Pending
from bot.rasa_client import RasaClient, Reply
from bot.telegram.keyboards import inline_keyboard, payload_for, remember_payloads

logger = logging.getLogger(__name__)

TYPING_REFRESH_SECONDS = 4.0  # Telegram shows "typing…" for about 5 seconds per action
ALL_COMMANDS = (*COMMANDS, "privacy", "delete", "status", "mydata")
OUTBOX_POLL_SECONDS = 0.25  # how soon staff replies and staff-chat notices leave
CRISIS_POLL_SECONDS = 5.0  # how often unanswered crisis alerts are looked for (minutes matter, not seconds)


def person_of(update: Update) -> Person:
    user = update.effective_user
    chat = update.effective_chat
    assert chat is not None
    return Person(
        conversation_id=f"telegram:{chat.id}",
        channel="telegram",
        language_code=user.language_code if user else None,
    )


class Gateway:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.database = Database(settings.app_database_url)
        self.rasa = RasaClient(settings.rasa_url, settings.rasa_token)
        self.conversations = Conversations(settings, self.rasa)
        # One turn at a time per chat, so replies never interleave; chats run concurrently.
        self._chat_locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

    def build_application(self) -> Application:
        application = (
            Application.builder()
            .token(self.settings.telegram_token)
            .base_url(f"{self.settings.telegram_api_url.rstrip('/')}/bot")
            .base_file_url(f"{self.settings.telegram_api_url.rstrip('/')}/file/bot")
            .rate_limiter(AIORateLimiter())
            .concurrent_updates(True)
            .post_shutdown(self._close)
            .build()
        )
        # People write in private chats; the staff groups the bot posts to are not conversations.
        private = filters.ChatType.PRIVATE
        application.add_handler(CommandHandler(list(ALL_COMMANDS), self.on_command, filters=private))
        application.add_handler(CallbackQueryHandler(self.on_button))
        application.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, self.on_text))
        application.add_handler(MessageHandler(private & filters.COMMAND, self.on_unknown_command))
        application.add_handler(MessageHandler(private & ~filters.TEXT & ~filters.StatusUpdate.ALL, self.on_unsupported))
        application.add_error_handler(self.on_error)
        return application

    async def _close(self, _application: Application) -> None:
        await self.rasa.close()

    def _lock(self, chat_id: int) -> asyncio.Lock:
        lock = self._chat_locks.get(chat_id)
        if lock is None:
            lock = asyncio.Lock()
            self._chat_locks[chat_id] = lock
        return lock

    @contextlib.asynccontextmanager
    async def _turn(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> AsyncIterator[None]:
        """Serialise the chat's turns and show "typing…" while Rasa works."""
        chat_id = update.effective_chat.id  # type: ignore[union-attr]

        async def keep_typing() -> None:
            while True:
                with contextlib.suppress(Exception):
                    await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
                await asyncio.sleep(TYPING_REFRESH_SECONDS)

        async with self._lock(chat_id):
            typing = asyncio.create_task(keep_typing())
            try:
                yield
            finally:
                typing.cancel()

    async def _send(self, update: Update, context: ContextTypes.DEFAULT_TYPE, replies: list[Reply]) -> None:
        chat_id = update.effective_chat.id  # type: ignore[union-attr]
        conversation_id = person_of(update).conversation_id
        for reply in replies:
            if reply.reaction:
                message = update.effective_message
                if message is not None and update.callback_query is None:
                    with contextlib.suppress(Exception):  # a missing reaction is no reason to fail the turn
                        await context.bot.set_message_reaction(chat_id, message.message_id, reply.reaction)
                continue
            if reply.document:
                await context.bot.send_document(chat_id, reply.document.content, filename=reply.document.filename)
                continue
            markup = None
            if reply.buttons:
                buttons = list(reply.buttons)
                await asyncio.to_thread(remember_payloads, self.database, conversation_id, [b["payload"] for b in buttons])
                markup = inline_keyboard(conversation_id, buttons)
            await context.bot.send_message(chat_id, reply.text or "…", reply_markup=markup)

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        async with self._turn(update, context):
            replies = await self.conversations.text(person_of(update), update.effective_message.text or "")  # type: ignore[union-attr]
        await self._send(update, context, replies)

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        name = (update.effective_message.text or "/").split()[0][1:].split("@")[0].lower()  # type: ignore[union-attr]
        async with self._turn(update, context):
            replies = await self.conversations.command(person_of(update), name)
        await self._send(update, context, replies)

    async def on_unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        async with self._turn(update, context):
            replies = await self.conversations.command(person_of(update), "help")
        await self._send(update, context, replies)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        person = person_of(update)
        payload = await asyncio.to_thread(payload_for, self.database, person.conversation_id, query.data or "")
        if payload is None:
            # Not a button we sent (forged, or from a database that was reset): say so, ask again.
            await query.answer()
            async with self._turn(update, context):
                replies = await self.conversations.unusable(person, "error_stale_button")
            await self._send(update, context, replies)
            return
        await query.answer()
        title = await self._mark_chosen(query)
        async with self._turn(update, context):
            replies = await self.conversations.button(person, payload, title or "")
        await self._send(update, context, replies)

    @staticmethod
    async def _mark_chosen(query) -> str | None:  # type: ignore[no-untyped-def]
        """Replace the keyboard by the chosen answer, so old buttons cannot be pressed again.

        Returns the chosen button's title."""
        message = query.message
        chosen = next(
            (b.text for row in (message.reply_markup.inline_keyboard if message and message.reply_markup else ())
             for b in row if b.callback_data == query.data),
            None,
        )
        if message is None or not getattr(message, "text", None):
            return chosen
        with contextlib.suppress(Exception):
            await query.edit_message_text(f"{message.text}\n\n✓ {chosen}" if chosen else message.text)
        return chosen

    async def on_unsupported(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        async with self._turn(update, context):
            replies = await self.conversations.unusable(person_of(update), "gateway_unsupported_content")
        await self._send(update, context, replies)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        # Log the kind of failure, never the message text (it is personal data).
        logger.error("update failed: %s", type(context.error).__name__, exc_info=context.error)


async def deliver_outbox(bot: Bot, outbox: Outbox, stop: asyncio.Event) -> None:
    """Send what staff and the action server queued: replies to people, notices to staff chats."""
    while not stop.is_set():
        for message in await asyncio.to_thread(outbox.due):
            try:
                sent_id = await _deliver(bot, outbox, message)
            except TelegramError as error:
                if isinstance(error, BadRequest) and message.delete_message_id is not None:
                    # Too old (Telegram allows 48 hours) or already gone: retrying cannot help.
                    logger.warning("outbox deletion %s refused: %s", message.id, type(error).__name__)
                    await asyncio.to_thread(outbox.drop, message.id)
                    continue
                logger.warning("outbox message %s not sent (attempt %s): %s", message.id, message.attempts + 1,
                               type(error).__name__)
                await asyncio.to_thread(outbox.failed, message.id, type(error).__name__)
            else:
                await asyncio.to_thread(outbox.sent, message, sent_id)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), OUTBOX_POLL_SECONDS)


async def escalate_crisis_alerts(crisis: CrisisResponse, stop: asyncio.Event) -> None:
    """A person who got help but did not answer the offer of a person: the team is alerted anyway."""
    while not stop.is_set():
        try:
            await crisis.escalate_due()
        except Exception:  # noqa: BLE001 - a failed round must not end the watch; the next one retries
            logger.exception("crisis alerts: escalation failed, retrying")
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), CRISIS_POLL_SECONDS)


async def _deliver(bot: Bot, outbox: Outbox, message: Pending) -> int | None:
    """Send (or delete) one queued message; the id Telegram gave a sent message."""
    if message.delete_message_id is not None:
        await bot.delete_message(message.chat_id, message.delete_message_id)
        return None
    markup = None
    if message.buttons:
        conversation_id = message.conversation_id or f"{TELEGRAM_PREFIX}{message.chat_id}"
        await asyncio.to_thread(remember_payloads, outbox.database, conversation_id, [b["payload"] for b in message.buttons])
        markup = inline_keyboard(conversation_id, message.buttons)
    return (await bot.send_message(message.chat_id, message.text, reply_markup=markup)).message_id


async def run_gateway(settings: Settings, stop: asyncio.Event) -> None:
    """Run until `stop` is set: long polling, or a webhook when a public URL is configured."""
    gateway = Gateway(settings)
    await asyncio.to_thread(warm_up_crisis_detection)  # the first person in danger must not wait for it
    application = gateway.build_application()
    async with application:
        await application.start()
        delivery = asyncio.create_task(deliver_outbox(application.bot, Outbox(gateway.database), stop))
        crisis_watch = asyncio.create_task(escalate_crisis_alerts(gateway.conversations.crisis, stop))
        assert application.updater is not None
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
        await stop.wait()
        await delivery
        await crisis_watch
        await application.updater.stop()
        await application.stop()
