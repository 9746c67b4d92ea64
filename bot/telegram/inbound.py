"""Durable inbound: every Telegram update is stored before it is worked on, then processed per
chat in the order it arrived (decision 10).

Telegram delivers at least once. The update queue below stores an update before
python-telegram-bot confirms it to Telegram (long polling moves its offset on, a webhook answers
200, only after `put` returns), so a crash at any point leaves it in the table; a redelivered
update finds its id there and is dropped. One task per chat works through the chat's updates
oldest first; an update is marked done in the transaction that queues its replies.

Several gateways may share the table (webhook mode behind a load balancer, on PostgreSQL): the
one that claims a chat's oldest update works on the chat, renewing its claim while the turn
runs; the others leave the chat alone, and take it over once a dead gateway's claim ran out.
"""
from __future__ import annotations

import asyncio
import contextlib
import datetime
import functools
import json
import logging
from collections.abc import Callable, Collection, Coroutine
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, exists, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from telegram import Bot, Update
from telegram.constants import ChatType

from bot.conversation import AnswerLater
from bot.db import Database, InboundUpdate
from bot.db.models import utcnow
from bot.db.session import rows_affected
from bot.telegram.metrics import GatewayMetrics

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.5  # how soon a waiting message is looked at again when nothing wakes the worker
# Backoff while Rasa cannot answer: 1, 2, 4, 8 s, then every 10 s (cheap: one request per chat).
RETRY_BASE_SECONDS = 1.0
RETRY_MAX_SECONDS = 10.0
# A turn this slow: the person is told that the answer comes a little later.
SLOW_TURN_SECONDS = 15.0
# An update that fails for another reason (a bug) is tried this often, then dropped: one broken
# message must not block the chat for ever.
MAX_FAILED_ATTEMPTS = 5
# Telegram keeps an unconfirmed update for 24 hours: a processed update's id is kept a day longer.
KEEP_DONE_FOR = datetime.timedelta(hours=48)
PRUNE_EVERY_SECONDS = 3600.0
STOP_GRACE_SECONDS = 10.0
# A claim on a chat's update lasts this long unless renewed (every RENEW_SECONDS while the turn
# runs): how long the chats of a gateway that died wait before another gateway takes them over.
CLAIM_SECONDS = 60.0
RENEW_SECONDS = 20.0

# Set while an update is worked on again after an attempt that may have reached Rasa: the turn
# then checks Rasa's tracker before sending (bot/rasa_client.py).
retrying: ContextVar[bool] = ContextVar("retrying", default=False)
# How many attempts at the update came before this one (a voice download gives up at the last).
attempts_before: ContextVar[int] = ContextVar("attempts_before", default=0)

# What a turn writes at its end (its replies queued, its reminders moved), set for the turn's
# task: committed in the transaction that marks its update done. A crash then leaves either the
# update open and nothing queued, or both; before, a crash between the two queued the replies
# again when the update was worked on after the restart.
Write = Callable[[Session], None]
turn_writes: ContextVar[list[Write] | None] = ContextVar("turn_writes", default=None)


def conversation_of(update: Update) -> str | None:
    """Whose conversation an update belongs to; None for anything but a person's private chat
    (the staff groups the bot posts to, channels, inline queries)."""
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:
        return None
    return f"telegram:{chat.id}"


@dataclass(frozen=True)
class Pending:
    update_id: int
    conversation_id: str
    content: str
    attempts: int
    next_attempt_at: datetime.datetime
    told_to_wait: bool
    received_at: datetime.datetime
    more: bool = False  # the chat had other open updates when this one was claimed


def _aware(moment: datetime.datetime) -> datetime.datetime:
    # SQLite gives back naive datetimes; we only ever store UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


# The statements of every turn, built once: building a statement costs more than running it
# (decision 26). Core statements on the table, so the ORM adds nothing either.
_updates = InboundUpdate.__table__
_ADD = insert(_updates)
_OPEN = _updates.c.done_at.is_(None)
_DUE_HEADS = (select(_updates.c.conversation_id, _updates.c.next_attempt_at, _updates.c.claimed_until)
              .where(_OPEN, _updates.c.conversation_id.not_in(bindparam("busy", expanding=True)))
              .order_by(_updates.c.update_id))
_HEAD = (select(_updates.c.update_id)
         .where(_updates.c.conversation_id == bindparam("chat"), _OPEN)
         .order_by(_updates.c.update_id).limit(1).scalar_subquery())
_CLAIM = (update(_updates)
          .where(_updates.c.update_id == _HEAD, _OPEN, _updates.c.content.is_not(None),
                 _updates.c.next_attempt_at <= bindparam("now"),
                 or_(_updates.c.claimed_until.is_(None), _updates.c.claimed_until <= bindparam("now")))
          .values(claimed_until=bindparam("until"), attempts=_updates.c.attempts + 1)
          .returning(_updates.c.update_id, _updates.c.content, _updates.c.attempts, _updates.c.next_attempt_at,
                     _updates.c.told_to_wait, _updates.c.received_at))
_MORE = select(exists().where(_updates.c.conversation_id == bindparam("chat"), _OPEN,
                              _updates.c.update_id != bindparam("claimed")))
_THE_UPDATE = _updates.c.update_id == bindparam("id")
_RENEW = update(_updates).where(_THE_UPDATE, _updates.c.claimed_until.is_not(None)).values(
    claimed_until=bindparam("until"))
_TOLD = update(_updates).where(_THE_UPDATE).values(told_to_wait=True)
_LATER = update(_updates).where(_THE_UPDATE).values(next_attempt_at=bindparam("at"), claimed_until=None)
_DONE = update(_updates).where(_THE_UPDATE).values(content=None, done_at=bindparam("at"), claimed_until=None)


class InboundStore:
    def __init__(self, database: Database) -> None:
        self.database = database

    def add(self, update_id: int, conversation_id: str, content: str) -> bool:
        """Store an update; False when it was stored before (a redelivery)."""
        try:
            # Durable: once this returns, Telegram is told it may forget the update.
            with self.database.session(durable=True) as session:
                session.execute(_ADD, {"update_id": update_id, "conversation_id": conversation_id, "content": content})
        except IntegrityError:
            return False
        return True

    def due_chats(self, now: datetime.datetime, busy: Collection[str] = ()) -> list[str]:
        """Chats whose oldest open update may be worked on now (and no gateway works on); the
        `busy` ones, which this gateway works through already, are not read."""
        with self.database.session() as session:
            rows = session.execute(_DUE_HEADS, {"busy": list(busy)}).all()
        heads: dict[str, datetime.datetime] = {}
        for conversation_id, next_attempt_at, claimed_until in rows:
            heads.setdefault(conversation_id, max(_aware(next_attempt_at), _aware(claimed_until or next_attempt_at)))
        return [conversation_id for conversation_id, due in heads.items() if due <= now]

    def claim(self, conversation_id: str, now: datetime.datetime) -> Pending | None:
        """The chat's oldest open update, if it is due and no gateway works on the chat; it is
        then this gateway's until `later` or `done`, or until the claim runs out unrenewed.

        One conditional UPDATE: it takes the write lock at once (SQLite), and of two gateways
        claiming the same head at once (PostgreSQL) the second waits for the first's commit,
        finds the row claimed and gets nothing. Only the head is ever claimed, never the chat's
        next update. The attempt is counted with the claim, so that after a crash the next
        attempt knows one was made. `more` tells whether the chat has other open updates."""
        with self.database.session() as session:
            row = session.execute(_CLAIM, {"chat": conversation_id, "now": now,
                                           "until": now + datetime.timedelta(seconds=CLAIM_SECONDS)}).first()
            if row is None:
                return None
            more = session.scalar(_MORE, {"chat": conversation_id, "claimed": row.update_id})
        return Pending(row.update_id, conversation_id, row.content, row.attempts - 1,
                       _aware(row.next_attempt_at), row.told_to_wait, _aware(row.received_at), bool(more))

    def renew(self, update_id: int) -> None:
        """Extend a claim still held (not a released one: `later` must let the chat go)."""
        with self.database.session() as session:
            session.execute(_RENEW, {"id": update_id, "until": utcnow() + datetime.timedelta(seconds=CLAIM_SECONDS)})

    def release(self, update_ids: Collection[int] | None = None) -> None:
        """Give claims up (all of them: None): for a turn cut short by a stop, and at start on
        SQLite, where only one gateway runs, so every claim found is a dead predecessor's."""
        chosen = InboundUpdate.claimed_until.is_not(None) if update_ids is None else InboundUpdate.update_id.in_(update_ids)
        with self.database.session() as session:
            session.execute(update(InboundUpdate).where(chosen).values(claimed_until=None))

    def told_to_wait(self, update_id: int) -> None:
        with self.database.session() as session:
            session.execute(_TOLD, {"id": update_id})

    def later(self, update_id: int, delay: float) -> None:
        with self.database.session() as session:
            session.execute(_LATER, {"id": update_id, "at": utcnow() + datetime.timedelta(seconds=delay)})

    def done(self, update_id: int, writes: Collection[Write] = ()) -> None:
        """Processed: the person's words go, the id stays to recognise a redelivery; the turn's
        `writes` are committed with it."""
        with self.database.session() as session:
            for write in writes:
                write(session)
            session.execute(_DONE, {"id": update_id, "at": utcnow()})

    def prune(self, now: datetime.datetime) -> int:
        with self.database.session() as session:
            return rows_affected(session.execute(delete(InboundUpdate).where(InboundUpdate.done_at < now - KEEP_DONE_FOR)))


def retry_delay(attempts: int) -> float:
    return min(RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), RETRY_MAX_SECONDS)


Process = Callable[[Update], Coroutine[Any, Any, None]]


class Inbound:
    """Stores updates as they arrive and works through them, per chat, in order.

    `process` handles one update and raises `AnswerLater` when Rasa cannot answer now; what it
    adds to `turn_writes` is committed with the update's `done`, after which `committed` runs;
    `tell_to_wait` tells the person, once per waiting message, that the answer comes later;
    `metrics` counts the turns, their time from stored to answered, and what went wrong.
    """

    def __init__(self, database: Database, process: Process, tell_to_wait: Process,
                 metrics: GatewayMetrics | None = None) -> None:
        self.store = InboundStore(database)
        self.process = process
        self.tell_to_wait = tell_to_wait
        self.metrics = metrics
        self.bot: Bot | None = None  # set when the application is up; stored updates are read with it
        self.committed: Callable[[], None] = lambda: None  # a turn's writes are in: the gateway's sender wakes
        self._wake = asyncio.Event()
        self._chats: dict[str, asyncio.Task[None]] = {}
        self._claimed: set[int] = set()  # updates this gateway works on now
        # Chats that got an update here while their task was working: the task looks again.
        self._arrived: set[str] = set()

    async def accept(self, update: Update) -> None:
        conversation_id = conversation_of(update)
        if conversation_id is None:
            return
        content = json.dumps(update.to_dict(), ensure_ascii=False)
        if await asyncio.to_thread(self.store.add, update.update_id, conversation_id, content):
            self._arrived.add(conversation_id)
            self._wake.set()
        else:
            logger.info("update %s delivered again: dropped", update.update_id)

    async def run(self, stop: asyncio.Event) -> None:
        """Until `stop`: start a task for every chat with an update due. Supervised: a failed round
        is logged and the next one goes on."""
        last_prune = 0.0
        loop = asyncio.get_running_loop()
        if self.store.database.engine.dialect.name == "sqlite":
            await asyncio.to_thread(self.store.release)
        while not stop.is_set():
            try:
                if loop.time() - last_prune >= PRUNE_EVERY_SECONDS:
                    await asyncio.to_thread(self.store.prune, utcnow())
                    last_prune = loop.time()
                for conversation_id in await asyncio.to_thread(self.store.due_chats, utcnow(), set(self._chats)):
                    if conversation_id not in self._chats:
                        task = asyncio.create_task(self._work_through(conversation_id))
                        self._chats[conversation_id] = task
                        task.add_done_callback(functools.partial(self._forget, conversation_id))
                # Only a running task reads its mark; the others' (chats another gateway works on) go.
                self._arrived.intersection_update(self._chats)
            except Exception:  # e.g. "database is locked": the next round retries
                logger.exception("inbound: a round failed, retrying")
            self._wake.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)
        # Turns under way may finish; one cut short is worked on again after the restart.
        if self._chats:
            await asyncio.wait(list(self._chats.values()), timeout=STOP_GRACE_SECONDS)
            for task in list(self._chats.values()):
                task.cancel()
        if self._claimed:  # another gateway need not wait for these claims to run out
            await asyncio.to_thread(self.store.release, set(self._claimed))

    def _forget(self, conversation_id: str, _task: asyncio.Task[None]) -> None:
        self._chats.pop(conversation_id, None)

    async def _work_through(self, conversation_id: str) -> None:
        while True:
            self._arrived.discard(conversation_id)
            pending = await asyncio.to_thread(self.store.claim, conversation_id, utcnow())
            if pending is None:
                return
            self._claimed.add(pending.update_id)
            renewal = asyncio.create_task(self._keep_claim(pending.update_id))
            try:
                waits = not await self._work_on(pending)
            finally:
                renewal.cancel()
            # Released by `done` or `later`; a turn cut short by a stop keeps its id for `run` to release.
            self._claimed.discard(pending.update_id)
            # Nothing else to work on: no update was open beside this one, none came here since.
            # (One that reached another gateway meanwhile is found by that one's next round.)
            if waits or not (pending.more or conversation_id in self._arrived):
                return

    async def _keep_claim(self, update_id: int) -> None:
        while True:
            await asyncio.sleep(RENEW_SECONDS)
            try:
                await asyncio.to_thread(self.store.renew, update_id)
            except Exception as error:  # noqa: BLE001 - the next renewal may succeed; the claim lasts a while
                logger.warning("inbound: claim on update %s not renewed: %s", update_id, type(error).__name__)

    async def _work_on(self, pending: Pending) -> bool:
        """One attempt at one update; False when it has to wait."""
        assert self.bot is not None
        update = Update.de_json(json.loads(pending.content), self.bot)
        retrying.set(pending.attempts > 0)
        attempts_before.set(pending.attempts)
        told = pending.told_to_wait
        writes: list[Write] = []
        # The turn's task gets its own copy of the context, with `writes` in it; the notice sent
        # from here while the turn is slow goes out at once.
        token = turn_writes.set(writes)
        turn = asyncio.create_task(self.process(update))
        turn_writes.reset(token)
        try:
            done, _ = await asyncio.wait({turn}, timeout=SLOW_TURN_SECONDS)
            if not done and not told:
                told = await self._tell_to_wait(pending, update)
            await turn
        except AnswerLater:
            if self.metrics:
                self.metrics.rasa_unavailable.inc()
            if not told:
                await self._tell_to_wait(pending, update)
            await asyncio.to_thread(self.store.later, pending.update_id, retry_delay(pending.attempts + 1))
            return False
        except Exception as error:  # logged; retried a few times, then dropped
            if self.metrics:
                self.metrics.turn_errors.inc()
            # The kind of failure only: the update's content is personal data.
            logger.error("inbound update %s failed (attempt %s): %s", pending.update_id, pending.attempts + 1,
                         type(error).__name__, exc_info=error)
            if pending.attempts + 1 < MAX_FAILED_ATTEMPTS:  # what the turn wrote goes: the next attempt writes it
                await asyncio.to_thread(self.store.later, pending.update_id, retry_delay(pending.attempts + 1))
                return False
            logger.error("inbound update %s dropped after %s attempts", pending.update_id, MAX_FAILED_ATTEMPTS)
        else:
            if self.metrics:  # the replies are queued: the person's wait is over, as far as we can tell
                self.metrics.turn_done(update, (utcnow() - pending.received_at).total_seconds())
        try:
            await asyncio.to_thread(self.store.done, pending.update_id, writes)
        except Exception as error:  # noqa: BLE001 - nothing of the turn is written: it is worked on again
            logger.error("inbound update %s: its end not written: %s", pending.update_id, type(error).__name__)
            await asyncio.to_thread(self.store.later, pending.update_id, retry_delay(pending.attempts + 1))
            return False
        if writes:
            self.committed()
        return True

    async def _tell_to_wait(self, pending: Pending, update: Update) -> bool:
        try:
            await self.tell_to_wait(update)
        except Exception as error:  # noqa: BLE001 - the notice is a courtesy; the message still waits
            logger.warning("inbound: waiting notice not sent: %s", type(error).__name__)
            return False
        await asyncio.to_thread(self.store.told_to_wait, pending.update_id)
        return True


class DurableQueue(asyncio.Queue[object]):
    """python-telegram-bot's update queue: updates go to the database, not to its handlers.

    The application still uses the queue for its own stop signal, which passes through.
    """

    def __init__(self, inbound: Inbound) -> None:
        super().__init__()
        self.inbound = inbound

    async def put(self, item: object) -> None:
        if isinstance(item, Update):
            await self.inbound.accept(item)
            return
        await super().put(item)
