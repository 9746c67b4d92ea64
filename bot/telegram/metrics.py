"""The gateway's metrics, served as `/metrics` beside `/health` (docs/operations.md).

Counters and the turn latency are kept as things happen; the inbound queue and the outbox
backlog live in the database and are read at scrape time, one query each.
"""
from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import Counter, Histogram
from sqlalchemy import case, func, select
from telegram import Update
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.db import Database, InboundUpdate, OutboxMessage
from bot.db.models import utcnow
from bot.metrics import TURN_BUCKETS, Labelled, ScrapeTime, age_seconds, exposition, new_registry
from bot.telegram.health import Checks

TURN_KINDS = ("text", "button", "command", "voice", "other")
SEND_RESULTS = ("ok", "retry_after", "server_error", "timeout", "network", "refused", "error")


def turn_kind(update: Update) -> str:
    """text, button, command, voice or other (edits, photos, stickers …): never what was written."""
    if update.callback_query is not None:
        return "button"
    message = update.message
    if message is not None and (message.voice or message.audio):
        return "voice"  # how many speak rather than type: the bot cannot listen yet (decision 21)
    if message is None or message.text is None:
        return "other"
    return "command" if message.text.startswith("/") else "text"


def send_result(error: TelegramError | None) -> str:
    """How one Bot API call ended. PTB raises a bare NetworkError both for an HTTP error status
    (5xx: Telegram's side) and, caused by the HTTP client's exception, for no connection (our side)."""
    if error is None:
        return "ok"
    if isinstance(error, RetryAfter):
        return "retry_after"
    if isinstance(error, TimedOut):
        return "timeout"
    if type(error) is NetworkError:
        cause = error.__cause__
        return "server_error" if cause is None or isinstance(cause, TelegramError) else "network"
    if isinstance(error, (BadRequest, Forbidden, ChatMigrated)):
        return "refused"  # for good: blocked, chat not found, the group moved
    return "error"


class GatewayMetrics:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.registry = new_registry()
        self.turns = Counter("lotse_gateway_turns", "Turns handled (update stored → replies queued), by kind",
                             ["kind"], registry=self.registry)
        self.turn_seconds = Histogram("lotse_gateway_turn_seconds", "From an update stored to its replies queued",
                                      buckets=TURN_BUCKETS, registry=self.registry)
        self.turn_errors = Counter("lotse_gateway_turn_errors", "Attempts at a turn that failed with an error "
                                   "(tried again a few times, then dropped)", registry=self.registry)
        self.rasa_unavailable = Counter("lotse_gateway_rasa_unavailable", "Turns that had to wait because Rasa or "
                                        "the action server could not answer", registry=self.registry)
        self.sends = Counter("lotse_gateway_sends", "Bot API calls of the sender, by result", ["result"],
                             registry=self.registry)
        self.given_up = Counter("lotse_gateway_sends_given_up", "Messages the sender finally gave up on",
                                registry=self.registry)
        self.crisis_alerts = Counter("lotse_gateway_crisis_alerts", "Crisis alerts raised", registry=self.registry)
        for kind in TURN_KINDS:  # every series from the start, so rate() sees the first one
            self.turns.labels(kind)
        for result in SEND_RESULTS:
            self.sends.labels(result)
        self._loops: Checks = {}
        self.registry.register(ScrapeTime("inbound queue", self._inbound))
        self.registry.register(ScrapeTime("outbox backlog", self._outbox))
        self.registry.register(Labelled("lotse_gateway_loop_alive", "1 while the loop goes round, else 0", "loop",
                                        lambda: {name: float(check()) for name, check in self._loops.items()}))

    def watch_loops(self, checks: Checks) -> None:
        """The loops /health reports, shown as lotse_gateway_loop_alive{loop=…}."""
        self._loops = checks

    def turn_done(self, update: Update, seconds: float) -> None:
        self.turns.labels(turn_kind(update)).inc()
        self.turn_seconds.observe(seconds)

    def sent(self, error: TelegramError | None) -> None:
        self.sends.labels(send_result(error)).inc()

    def scrape(self) -> bytes:
        """The text format; reads the database (call it off the event loop)."""
        return exposition(self.registry)

    def _inbound(self) -> Iterator[tuple[str, str, float]]:
        with self.database.session() as session:
            count, oldest = session.execute(select(func.count(), func.min(InboundUpdate.received_at))
                                            .where(InboundUpdate.done_at.is_(None))).one()
        yield "lotse_gateway_inbound_open", "Telegram updates stored and not yet handled", float(count)
        yield ("lotse_gateway_inbound_oldest_seconds", "Age of the oldest update not yet handled (0: none)",
               age_seconds(oldest, utcnow()))

    def _outbox(self) -> Iterator[tuple[str, str, float]]:
        waiting = OutboxMessage.failed_at.is_(None) & OutboxMessage.sent_at.is_(None)
        with self.database.session() as session:
            count, oldest, failed = session.execute(select(
                func.count(case((waiting, 1))),
                func.min(case((waiting, OutboxMessage.created_at))),
                func.count(OutboxMessage.failed_at))).one()  # count(x) skips NULLs
        yield "lotse_outbox_waiting", "Messages queued and not yet sent (retries included)", float(count)
        yield "lotse_outbox_oldest_seconds", "Age of the oldest message not yet sent (0: none)", age_seconds(oldest, utcnow())
        yield "lotse_outbox_given_up", "Messages finally not delivered, kept for the case page", float(failed)
