"""`make bench-load USERS=100 TURNS=20`: many people at once through the whole stack, and bare Rasa
on the same machine as the reference. Prints figures, asserts nothing.

Ours: the stack as `make run` starts it (bot/stack.py: action server, Rasa, gateway, inbox) behind
a fake Telegram Bot API on loopback. Each simulated person goes through the intake in one of
several languages (tests/e2e/intake_driver.py), half of them pressing buttons, half typing
answers, and sends their next message as soon as the bot has asked the next question.
Bare Rasa: the `rasa init` assistant (created and trained once into var/bench-load/bare), served
by plain `rasa run` on loopback, the same number of conversations sending messages through
its REST channel, one after the other's reply.

Paced (--rate R): people no longer write again the moment the bot has asked; together they offer
R turns a second, each person starting a turn every USERS/R seconds (±50 %, at random), or at
once when the last turn took longer than that. The closed loop above measures the most the stack
can do (every turn queues behind the others: p95 is then queueing time, close to USERS/(turns/s));
the paced run measures the latency people meet at a given rate (issue 12's target: 40 turns/s
from 100 people at p95 ≤ 1 s). Turns/s below R means the stack could not keep up.

A turn's first-reply latency runs from the update being offered to the bot (for bare Rasa: the
request) until the first reply. A turn is lost when no reply comes within 30 s (that person then
stops); a reply is duplicated when a turn gets the same message twice.

Stacks (--stack, comma-separated, or `all`): `sqlite`, the default as `make run` starts it (SQLite,
one Rasa and one action server); `pg1`, `pg2`, `pg3`: PostgreSQL for the application database and
the tracker store, Redis as the lock store, and that many Rasa servers and as many action servers
(decision 16). PostgreSQL and Redis are throwaway servers from Debian's packages (tests/services.py),
started once for the run, with fresh databases for each stack. Each stack runs the same load, one
after the other; the table adds the scaling factor per added Rasa server.

Options (environment or arguments): --users, --turns, --rate, --stack, --limiter default|lifted, --only ours|bare,
--profile SECONDS (py-spy Rasa and the gateway under load; needs PYSPY=/path/to/py-spy;
PYSPY_ARGS=--gil samples only the thread holding the GIL: where the CPU goes, not the waits).
`LOTSE_RASA_PLAIN=1` starts our Rasa without the launcher's change (decision 12), to compare.
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import dataclasses
import functools
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import psycopg
import uvicorn
import uvloop
from sqlalchemy.engine import make_url
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.config import PROJECT_ROOT, Settings
from bot.db import migrate
from bot.i18n import language_name, localise
from bot.messages import known_responses
from bot.rasa_model import rasa_environment
from bot.stack import parse_worker_name
from bot.telegram.rate_limit import is_message
from tests.e2e.conftest import Harness, e2e_settings, scaled_out_settings
from tests.e2e.fake_telegram import BotMessage, FakeTelegram, free_port
from tests.e2e.intake_driver import IntakeRun, question_text
from tests.services import PostgresServer, Server, postgres_bin_dir, redis_binary, start_postgres, start_redis

LANGUAGES = ("en", "de", "ar", "uk", "fa", "tr", "ru", "fr", "so", "ps")
LOST_AFTER = 30.0  # seconds without a reply: the turn is lost
QUIET = 0.15  # after the next question arrived, how long to wait for stragglers of the same turn
UNRECOGNISED_QUIET = 1.0  # a turn whose replies ask nothing we know ends after this much quiet
BENCH_DIR = PROJECT_ROOT / "var" / "bench-load"
STACKS = ("sqlite", "pg1", "pg2", "pg3")
BARE_MESSAGES = ("hi", "I am sad", "yes", "great", "no", "bye", "hello", "very good", "are you a bot?", "not really")


# --- measurements ---------------------------------------------------------------------------------
@dataclasses.dataclass
class Figures:
    first_reply: list[float] = dataclasses.field(default_factory=list)
    turns: int = 0
    lost: int = 0
    duplicated: int = 0
    # Each duplicated reply: the person, the text's start, and when the copies arrived (s after
    # the turn began): enough to tell a repeated question from a message sent twice.
    duplicates: list[tuple[int, str, list[float]]] = dataclasses.field(default_factory=list)
    errors: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    started: float = 0.0
    ended: float = 0.0
    pushed: list[tuple[int, float]] = dataclasses.field(default_factory=list)  # (person, when a turn began)

    def row(self, name: str) -> str:
        times = sorted(self.first_reply)

        def pct(p: float) -> str:
            return f"{times[min(len(times) - 1, int(p * len(times)))] * 1000:6.0f}" if times else "     –"

        seconds = max(self.ended - self.started, 1e-9)
        return (f"{name:24} {self.turns:6d} {self.turns / seconds:8.1f} {pct(0.50)} {pct(0.95)} {pct(0.99)} "
                f"{self.lost:5d} {self.duplicated:5d}")

    @property
    def rate(self) -> float:
        return self.turns / max(self.ended - self.started, 1e-9)

    def steady(self) -> tuple[float, float] | None:
        """Turns begun per second while everyone was writing (after the last person's first turn,
        before the first person's last), and how long that was. The whole run's turns/s counts
        the start, spread over a while, and the end: paced, it stays below the rate offered even
        for a stack that keeps up."""
        by_person: dict[int, list[float]] = {}
        for person, moment in self.pushed:
            by_person.setdefault(person, []).append(moment)
        if len(by_person) < 2:
            return None
        start = max(min(moments) for moments in by_person.values())
        end = min(max(moments) for moments in by_person.values())
        if end - start < 1.0:
            return None
        return sum(start <= moment < end for _, moment in self.pushed) / (end - start), end - start


# --- stacks -------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class StackChoice:
    """One configuration to load: SQLite with one server each, or PostgreSQL + Redis with N."""

    name: str
    workers: int

    @property
    def postgres(self) -> bool:
        return self.name != "sqlite"

    @property
    def label(self) -> str:
        engines = "PostgreSQL + Redis" if self.postgres else "SQLite"
        return f"{engines}, {self.workers} Rasa + {self.workers} action server{'s' if self.workers > 1 else ''}"


def parse_stacks(value: str) -> list[StackChoice]:
    """`sqlite,pg2` or `all`: the stacks, in the order given, each once."""
    names = list(STACKS) if value.strip() == "all" else [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in STACKS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"--stack takes {', '.join(STACKS)} or all (comma-separated), not {value!r}")
    return [StackChoice(name, 1 if name == "sqlite" else int(name[2:])) for name in dict.fromkeys(names)]


class Services:
    """Throwaway PostgreSQL and Redis, started when the first stack needs them, stopped at the end."""

    def __init__(self) -> None:
        self.postgres: PostgresServer | None = None
        self.redis: Server | None = None

    def start(self) -> tuple[PostgresServer, Server]:
        if self.postgres is None or self.redis is None:
            bin_dir, redis = postgres_bin_dir(), redis_binary()
            if bin_dir is None or redis is None:
                raise SystemExit("PostgreSQL or Redis is not installed: `make services` installs them")
            self.postgres, self.redis = start_postgres(bin_dir), start_redis(redis)
        return self.postgres, self.redis

    def stop(self) -> None:
        for server in (self.postgres, self.redis):
            if server is not None:
                server.stop()


def scaling_lines(rows: list[tuple[StackChoice, Figures]]) -> list[str]:
    """Each PostgreSQL stack's turns/s against the one with a Rasa server less, and against one."""
    rates = {choice.workers: figures.rate for choice, figures in rows if choice.postgres}
    lines = []
    for workers in sorted(rates):
        if workers > 1 and workers - 1 in rates:
            line = f"pg{workers}/pg{workers - 1} turns/s: {rates[workers] / rates[workers - 1]:.2f}"
            if 1 in rates and workers > 2:
                line += f"  (pg{workers}/pg1: {rates[workers] / rates[1]:.2f})"
            lines.append(line)
    sqlite = next((figures.rate for choice, figures in rows if not choice.postgres), None)
    if sqlite and 1 in rates:
        lines.append(f"pg1/sqlite turns/s: {rates[1] / sqlite:.2f}")
    return lines


HEADER = f"{'':24} {'turns':>6} {'turns/s':>8} {'p50 ms':>6} {'p95 ms':>6} {'p99 ms':>6} {'lost':>5} {'dup':>5}"


def peak_rss_mib(pid: int) -> float:
    """The process's peak resident memory (VmHWM), with its children's."""
    total = 0.0
    pids = [pid]
    while pids:
        current = pids.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        total += next((int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmHWM:")), 0.0)
        pids += [int(child) for child in children]
    return total


def cpu_seconds(pid: int) -> float:
    """CPU time the process has used so far (user and system, with its children's that ended)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """CPU time of the process and of all its descendants, running or ended: PostgreSQL's
    backends are children of its postmaster (the benchmark's own children, the stack, are not
    counted this way: see `measured`)."""
    total, pids = 0.0, [pid]
    while pids:
        current = pids.pop()
        total += cpu_seconds(current)
        try:
            pids += [int(child) for child in Path(f"/proc/{current}/task/{current}/children").read_text().split()]
        except OSError:
            continue
    return total


def measured(pids: dict[str, int]) -> dict[str, float]:
    """CPU seconds so far of each measured process: the benchmark alone, every other with its descendants."""
    return {name: cpu_seconds(pid) if pid == os.getpid() else tree_cpu_seconds(pid) for name, pid in pids.items()}


def cpu_line(before: dict[str, float], pids: dict[str, int], seconds: float, turns: int) -> str:
    """Each process's CPU use during the load, in % of one core and in ms per turn (the figure that
    stays comparable when other work shares the machine, and that sizes a deployment)."""
    now = measured(pids)
    used = {name: now[name] - before[name] for name in pids}
    share = ", ".join(f"{name} {cpu / seconds * 100:.0f} %" for name, cpu in used.items())
    per_turn = ", ".join(f"{name} {cpu / max(turns, 1) * 1000:.1f}" for name, cpu in used.items())
    line = f"{share}\n  CPU per turn (ms): {per_turn}"
    kinds: dict[str, float] = collections.defaultdict(float)
    for name, cpu in used.items():
        kinds[parse_worker_name(name)[0]] += cpu
    if len(kinds) < len(used):  # several servers of a kind: what the kind costs per turn, all together
        line += "\n  CPU per turn (ms), servers of a kind together: " + ", ".join(
            f"{kind} {cpu / max(turns, 1) * 1000:.1f}" for kind, cpu in kinds.items())
    return line


# --- the fake Bot API, in the benchmark's own event loop --------------------------------------------
class LoadTelegram(FakeTelegram):
    """FakeTelegram that wakes the waiting person as soon as a message to them is sent."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.inbox: dict[int, list[BotMessage]] = collections.defaultdict(list)
        self.arrived: dict[int, asyncio.Event] = collections.defaultdict(asyncio.Event)
        self._new_update = asyncio.Event()

    async def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        result = await super()._api_sendMessage(params)
        message = next(m for m in reversed(self.sent) if m.message_id == result["message_id"])
        self.inbox[message.chat_id].append(message)
        self.arrived[message.chat_id].set()
        return result

    async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 2.0)
        while True:
            with self._lock:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
                if self.updates or time.monotonic() >= deadline:
                    return list(self.updates)
            self._new_update.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), timeout=max(0.0, deadline - time.monotonic()))

    def push_update(self, update: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        result = super().push_update(update, *args, **kwargs)
        self._new_update.set()
        return result

    async def _endpoint(self, request: Request) -> JSONResponse:
        # A call the gateway gave up on (its typing indicator, cancelled once the reply is there)
        # is no error of the benchmark's: without this, each one prints a traceback.
        try:
            return await super()._endpoint(request)
        except ClientDisconnect:
            return JSONResponse({"ok": False, "description": "client gone"}, status_code=499)

    async def serve(self) -> None:
        app = Starlette(routes=[Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"])])
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off",
                                ws="none", backlog=2048, limit_concurrency=None)
        self._server = uvicorn.Server(config)
        await self._server.serve()


class Lost(Exception):
    pass


@dataclasses.dataclass
class LoadUser:
    """A person whose turns are awaited: the TelegramUser protocol the intake driver needs, async."""

    telegram: LoadTelegram
    user_id: int
    language_code: str
    figures: Figures
    first_name: str = "Sam"
    is_turn_over: Any = None  # (replies) -> bool, set by the run
    pace: float = 0.0  # seconds between the starts of this person's turns (0: at once, a closed loop)
    next_turn_at: float = 0.0

    @property
    def sender(self) -> dict[str, Any]:
        return {"id": self.user_id, "is_bot": False, "first_name": self.first_name, "language_code": self.language_code}

    def _message(self, **content: Any) -> dict[str, Any]:
        return {"message_id": random.randrange(1, 2**31), "date": int(time.time()),
                "chat": {"id": self.user_id, "type": "private", "first_name": self.first_name},
                "from": self.sender, **content}

    async def _next_message(self, seen: int, timeout: float) -> bool:
        inbox, arrived = self.telegram.inbox[self.user_id], self.telegram.arrived[self.user_id]
        deadline = time.monotonic() + timeout
        while len(inbox) <= seen:
            arrived.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            try:
                await asyncio.wait_for(arrived.wait(), timeout=remaining)
            except TimeoutError:
                return False
        return True

    async def _push_and_wait(self, update: dict[str, Any]) -> list[BotMessage]:
        inbox = self.telegram.inbox[self.user_id]
        seen = len(inbox)
        if self.pace and (wait := self.next_turn_at - time.monotonic()) > 0:
            await asyncio.sleep(wait)
        pushed = time.monotonic()
        self.figures.pushed.append((self.user_id, pushed))
        self.next_turn_at = pushed + self.pace * random.uniform(0.5, 1.5)
        self.telegram.push_update(update)
        if not await self._next_message(seen, LOST_AFTER):
            self.figures.lost += 1
            raise Lost
        self.figures.first_reply.append(inbox[seen].sent_at - pushed)
        while True:
            over = self.is_turn_over is not None and self.is_turn_over(inbox[seen:])
            if not await self._next_message(len(inbox), QUIET if over else UNRECOGNISED_QUIET):
                break
        replies = inbox[seen:]
        self.figures.turns += 1
        keys = [(m.text, tuple(b.get("callback_data", "") for b in m.buttons)) for m in replies]
        self.figures.duplicated += len(keys) - len(set(keys))
        for key in {key for key in keys if keys.count(key) > 1}:
            self.figures.duplicates.append((self.user_id, key[0][:40], [
                round(m.sent_at - pushed, 2) for m, k in zip(replies, keys, strict=True) if k == key]))
        return replies

    async def say(self, text: str) -> list[BotMessage]:
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return await self._push_and_wait({"message": self._message(**content)})

    async def press(self, title: str, replies: list[BotMessage]) -> list[BotMessage]:
        for message in reversed(replies):
            for button in message.buttons:
                if button["text"] == title:
                    query = {"id": f"q{time.monotonic_ns()}", "from": self.sender, "chat_instance": str(self.user_id),
                             "data": button["callback_data"], "message": self.telegram._message_json(message)}
                    return await self._push_and_wait({"callback_query": query})
        raise AssertionError(f"no button {title!r}")


@dataclasses.dataclass
class LoadRun(IntakeRun):
    """The intake driver with awaited turns (its answers call say/press, which return coroutines here)."""

    user: LoadUser  # type: ignore[assignment]  # the driver's user, awaited

    async def say(self, text: str) -> list[BotMessage]:  # type: ignore[override]
        return await self.user.say(text)

    async def press(self, title: str, replies: list[BotMessage]) -> list[BotMessage]:  # type: ignore[override]
        return await self.user.press(title, replies)

    # The driver looks up catalogs and training data on every call; fine for tests, but here it
    # would make the simulated people, not the bot, the bottleneck. Computed once per person.
    def answers(self) -> dict[str, Any]:
        if "_answers" not in self.__dict__:
            self.__dict__["_answers"] = super().answers()
            self.__dict__["_questions"] = [(slot, question_text(slot, self.language)) for slot in self.__dict__["_answers"]]
        return self.__dict__["_answers"]

    def asked(self, replies: list[BotMessage]) -> str | None:
        self.answers()
        text = "\n".join(m.text for m in replies[-2:])
        return next((slot for slot, question in self.__dict__["_questions"] if question in text), None)

    async def run(self, turns: int) -> None:
        done = localise(known_responses().get("intake_complete").text, self.language, first_name=self.name)[:15]
        self.user.is_turn_over = lambda replies: self.asked(replies) is not None or any(done in m.text for m in replies)
        replies = await self.say("/start")
        replies = await self.press(language_name(self.language), replies)
        answers = self.answers()
        for _ in range(turns - 2):
            if any(done in m.text for m in replies):
                return
            slot = self.asked(replies)
            if slot is None:
                raise AssertionError(f"{self.language}: no known question in {[m.text[:60] for m in replies]}")
            replies = await answers[slot](replies)


# --- ours -------------------------------------------------------------------------------------------
def limiter_overrides(lifted: bool) -> tuple[dict[str, object], str]:
    """Settings that lift the Bot API rate limiter, if this version of Lotse has such a setting."""
    fields = {f.name for f in dataclasses.fields(Settings)}
    name = next((f for f in sorted(fields) if "rate_limit" in f), None)
    if name is None:
        return {}, "default limiter (no rate-limit setting in bot/config.py yet)"
    if not lifted:
        return {}, f"default limiter ({name} unset)"
    default = next(f.default_factory() for f in dataclasses.fields(Settings) if f.name == name)  # type: ignore[operator]
    value: object = 0 if isinstance(default, (int, float)) else "0"
    return {name: value}, f"limiter lifted ({name}={value})"


async def bench_ours(users: int, turns: int, rate: float, lifted: bool, profile: float, choice: StackChoice,
                     services: Services) -> tuple[Figures, dict[str, float], str]:
    with contextlib.ExitStack() as resources:
        stack_overrides: dict[str, object] = {}
        engines: dict[str, int] = {}  # measured beside the stack: their CPU per turn sizes them too
        after_load: Callable[[], str] | None = None
        if choice.postgres:
            postgres, redis = await asyncio.to_thread(services.start)
            stack_overrides = resources.enter_context(scaled_out_settings(postgres, redis, choice.workers))
            engines = {"postgres": postgres.server.process.pid, "redis": redis.process.pid}
            after_load = functools.partial(pg_connections, postgres, {
                "application database": str(stack_overrides["database_url"]),
                "tracker store": str(stack_overrides["tracker_store_url"])})
        return await _bench_ours(users, turns, rate, lifted, profile, stack_overrides, engines, after_load)


def pg_connections(postgres: PostgresServer, databases: dict[str, str]) -> str:
    """Connections open to each database now, after the load: what `max_connections` must allow."""
    names = {make_url(url).database: label for label, url in databases.items()}
    with psycopg.connect(postgres.url(driver="postgresql")) as connection:
        rows = connection.execute("SELECT datname, count(*) FROM pg_stat_activity WHERE datname = ANY(%s) "
                                  "GROUP BY datname", [list(names)]).fetchall()
    counts = {names[name]: count for name, count in rows}
    return "PostgreSQL connections open: " + ", ".join(f"{label} {counts.get(label, 0)}" for label in databases)


async def _bench_ours(users: int, turns: int, rate: float, lifted: bool, profile: float,
                      stack_overrides: dict[str, object],
                      engines: dict[str, int], after_load: Callable[[], str] | None = None,
                      ) -> tuple[Figures, dict[str, float], str]:
    figures = Figures()
    telegram = LoadTelegram()
    server = asyncio.create_task(telegram.serve())
    while telegram._server is None or not telegram._server.started:
        await asyncio.sleep(0.02)
    overrides, limiter = limiter_overrides(lifted)
    with tempfile.TemporaryDirectory() as tmp:
        settings = e2e_settings(Path(tmp), telegram, log_level="WARNING", **overrides, **stack_overrides)
        migrate(settings.app_database_url)
        harness = Harness(settings, telegram)
        try:
            started = time.monotonic()
            await asyncio.to_thread(harness.start)
            print(f"  stack up in {time.monotonic() - started:.0f} s; {limiter}; "
                  f"Rasa {'plain' if os.environ.get('LOTSE_RASA_PLAIN') else 'through nlu_data/launcher'}", flush=True)
            pids = {service.name: service.process.pid for service in harness.stack.services}
            pids.update(engines)
            pids["bench (fake Bot API, people)"] = os.getpid()
            # Warm-up: one person's first turns load the model's lazy parts; not counted.
            warm = LoadRun(LoadUser(telegram, 8_000_000, "en", Figures()), "en", "Sam")
            await warm.run(3)
            people = [prepared_person(telegram, figures, index, users, rate) for index in range(users)]
            profilers = [start_profiler(pids[name], profile, f"ours-{name}") for name in ("rasa", "gateway")]  # the first Rasa
            cpu = measured(pids)
            calls_before = len(telegram.calls)
            figures.started = time.monotonic()
            await asyncio.gather(*(one_person(run, figures, index, turns, users) for index, run in enumerate(people)))
            figures.ended = time.monotonic()
            print("  CPU during the load: " + cpu_line(cpu, pids, figures.ended - figures.started, figures.turns))
            print("  " + calls_line(telegram.calls[calls_before:], figures.turns))
            for profiler in profilers:
                stop_profiler(profiler)
            await asyncio.sleep(1.0)  # stragglers: replies after a person's last turn
            memory = {name: peak_rss_mib(pid) for name, pid in pids.items() if pid != os.getpid()}
            if after_load is not None:
                print("  " + await asyncio.to_thread(after_load))
        finally:  # a stack that failed to start must not stay behind, running
            await asyncio.to_thread(harness.stack.stop)
    telegram._server.should_exit = True
    await server
    return figures, memory, limiter


def calls_line(calls: list[tuple[str, dict[str, Any]]], turns: int) -> str:
    """Bot API calls per turn, by method, and the messages among them: what the rate limiter counts
    (TELEGRAM_RATE_LIMIT, 30 a second by default: bot/telegram/rate_limit.py)."""
    by_method = collections.Counter(method for method, _ in calls if method != "getUpdates")
    messages = sum(count for method, count in by_method.items() if is_message(method))
    per_turn = ", ".join(f"{method} {count / max(turns, 1):.2f}" for method, count in by_method.most_common())
    return f"Bot API calls per turn: {per_turn}; messages (rate-limited): {messages / max(turns, 1):.2f}"


def prepared_person(telegram: LoadTelegram, figures: Figures, index: int, users: int, rate: float = 0.0) -> LoadRun:
    """A person who knows their answers before the load begins: working them out (catalogs and
    training data) took the benchmark's one core for the first seconds of the load, when it also
    serves the fake Bot API, and so made the stack's first turns look slow."""
    pace = users / rate if rate else 0.0
    language = LANGUAGES[index % len(LANGUAGES)]
    user = LoadUser(telegram, 8_000_001 + index, language, figures, pace=pace)
    run = LoadRun(user, language, "Sam", prefer_buttons=index % 2 == 1)
    run.answers()
    return run


async def one_person(run: LoadRun, figures: Figures, index: int, turns: int, users: int) -> None:
    # Everyone starts within two seconds, or, paced, within their first turn's time.
    await asyncio.sleep((run.user.pace or 2.0) * index / users)
    try:
        await run.run(turns)
    except Lost:
        pass
    except AssertionError as error:
        figures.errors[str(error)[:160]] += 1


# --- bare Rasa ----------------------------------------------------------------------------------------
def bare_model(rasa_bin: Path) -> Path:
    """The `rasa init` assistant, created and trained once (no network: its data ships with Rasa)."""
    project = BENCH_DIR / "bare"
    models = sorted((project / "models").glob("*.tar.gz")) if project.exists() else []
    if not models:
        project.mkdir(parents=True, exist_ok=True)
        print("  creating and training the `rasa init` assistant (once) …", flush=True)
        subprocess.run([str(rasa_bin), "init", "--no-prompt", "--init-dir", str(project)], check=True,
                       env=rasa_environment(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        models = sorted((project / "models").glob("*.tar.gz"))
    return models[-1]


async def bench_bare(users: int, turns: int, rate: float, profile: float) -> tuple[Figures, dict[str, float]]:
    rasa_bin = Settings().rasa_bin
    model = await asyncio.to_thread(bare_model, rasa_bin)
    port = free_port()
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    log = (BENCH_DIR / "bare-rasa.log").open("ab")
    process = subprocess.Popen(
        [str(rasa_bin), "run", "--model", str(model), "--interface", "127.0.0.1", "--port", str(port),
         "--credentials", str(model.parent.parent / "credentials.yml")],
        cwd=model.parent.parent, env=rasa_environment(), stdout=log, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, start_new_session=True,
    )
    figures = Figures()
    url = f"http://127.0.0.1:{port}"
    try:
        limits = httpx.Limits(max_connections=users + 10, max_keepalive_connections=users + 10)
        async with httpx.AsyncClient(base_url=url, timeout=LOST_AFTER, limits=limits) as client:
            started = time.monotonic()
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"bare Rasa exited; see {BENCH_DIR / 'bare-rasa.log'}")
                try:
                    if (await client.get("/")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() - started > 300:
                    raise RuntimeError("bare Rasa did not start within 300 s")
                await asyncio.sleep(0.5)
            print(f"  bare Rasa up in {time.monotonic() - started:.0f} s", flush=True)
            await client.post("/webhooks/rest/webhook", json={"sender": "warm-up", "message": "hi"})
            profiler = start_profiler(process.pid, profile, "bare")
            pids = {"rasa (bare)": process.pid, "bench (people)": os.getpid()}
            cpu = measured(pids)
            figures.started = time.monotonic()
            await asyncio.gather(*(bare_person(client, figures, index, turns, users, rate) for index in range(users)))
            figures.ended = time.monotonic()
            print("  CPU during the load: " + cpu_line(cpu, pids, figures.ended - figures.started, figures.turns))
            stop_profiler(profiler)
        memory = {"rasa (bare)": peak_rss_mib(process.pid)}
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
    return figures, memory


async def bare_person(client: httpx.AsyncClient, figures: Figures, index: int, turns: int, users: int,
                      rate: float = 0.0) -> None:
    pace = users / rate if rate else 0.0
    await asyncio.sleep((pace or 2.0) * index / users)
    next_turn_at = 0.0
    for turn in range(turns):
        if pace and (wait := next_turn_at - time.monotonic()) > 0:
            await asyncio.sleep(wait)
        sent = time.monotonic()
        figures.pushed.append((index, sent))
        next_turn_at = sent + pace * random.uniform(0.5, 1.5)
        try:
            response = await client.post("/webhooks/rest/webhook", json={
                "sender": f"bare-{index}", "message": BARE_MESSAGES[(index + turn) % len(BARE_MESSAGES)]})
            response.raise_for_status()
        except httpx.HTTPError:
            figures.lost += 1
            return
        if not response.json():
            figures.errors["a turn without a reply"] += 1
        figures.first_reply.append(time.monotonic() - sent)
        figures.turns += 1


# --- py-spy (optional) ----------------------------------------------------------------------------------
def start_profiler(pid: int, seconds: float, label: str) -> tuple[subprocess.Popen, Path] | None:
    pyspy = os.environ.get("PYSPY", "")
    if not seconds or not pyspy:
        return None
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    out = BENCH_DIR / f"profile-{label}{'-plain' if os.environ.get('LOTSE_RASA_PLAIN') else ''}.txt"
    process = subprocess.Popen([pyspy, "record", "-p", str(pid), "-f", "raw", "-d", str(int(seconds)), "-r", "50",
                                "--nonblocking", "-o", str(out), *os.environ.get("PYSPY_ARGS", "").split()],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return process, out


def stop_profiler(profiler: tuple[subprocess.Popen, Path] | None) -> None:
    if profiler is None:
        return
    process, out = profiler
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
    if out.exists():
        print(f"  py-spy: {out.relative_to(PROJECT_ROOT)}")
        for line in profile_summary(out):
            print("    " + line)


def profile_summary(path: Path, top: int = 14) -> list[str]:
    """Share of the sampled CPU time spent inside each function (inclusive), the largest first."""
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        total += int(count)
        frames = {frame.split(" (")[0] + " (" + frame.split(" (")[-1].split(":")[0].rsplit("/", 1)[-1] + ")"
                  for frame in stack.split(";") if frame}
        for frame in frames:
            inclusive[frame] += int(count)
    interesting = [(name, n) for name, n in inclusive.most_common() if not name.startswith(("<module>", "run ("))]
    return [f"{n / total * 100:5.1f} %  {name}" for name, n in interesting[:top]] if total else []


# --- main --------------------------------------------------------------------------------------------------
async def main_async(args: argparse.Namespace) -> None:
    paced = f", paced: {args.rate:g} turns/s offered in all" if args.rate else ", each writing again at once"
    print(f"bench-load: {args.users} concurrent people, up to {args.turns} turns each{paced}, {os.cpu_count()} cores")
    rows: list[tuple[str, Figures]] = []
    stacks: list[tuple[StackChoice, Figures]] = []
    services = Services()
    try:
        for choice in args.stack if args.only in ("", "ours") else []:
            print(f"Lotse on {choice.label} (fake Bot API → gateway → Rasa → actions):", flush=True)
            ours, memory, _limiter = await bench_ours(args.users, args.turns, args.rate, args.limiter == "lifted",
                                                      args.profile, choice, services)
            rows.append((f"Lotse {choice.name}", ours))
            stacks.append((choice, ours))
            print("  peak memory: " + ", ".join(f"{name} {mib:.0f} MiB" for name, mib in memory.items()))
            for error, count in ours.errors.most_common(5):
                print(f"  driver stopped {count}×: {error}")
            for person, text, arrived in ours.duplicates[:5]:
                print(f"  duplicated: person {person}, {text!r} at {arrived} s")
    finally:
        await asyncio.to_thread(services.stop)
    if args.only in ("", "bare"):
        print("bare Rasa (`rasa init` assistant, REST, in-memory tracker store):", flush=True)
        bare, memory = await bench_bare(args.users, args.turns, args.rate, args.profile)
        rows.append(("bare Rasa", bare))
        print("  peak memory: " + ", ".join(f"{name} {mib:.0f} MiB" for name, mib in memory.items()))
        for error, count in bare.errors.most_common(3):
            print(f"  {count}×: {error}")
    print()
    print(HEADER)
    for name, figures in rows:
        print(figures.row(name))
    for name, figures in rows:
        if (steady := figures.steady()) is not None:
            print(f"{name}: {steady[0]:.1f} turns/s while all {args.users} people were writing ({steady[1]:.0f} s)")
    for line in scaling_lines(stacks):
        print(line)
    bare_rate = next((figures.rate for name, figures in rows if name == "bare Rasa"), 0.0)
    for name, figures in rows if bare_rate else []:
        if name != "bare Rasa":
            print(f"{name}/bare turns/s: {figures.rate / bare_rate:.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=int(os.environ.get("USERS") or 100))
    parser.add_argument("--turns", type=int, default=int(os.environ.get("TURNS") or 20))
    parser.add_argument("--rate", type=float, default=float(os.environ.get("RATE") or 0),
                        help="turns/s the people offer in all (0: each writes again as soon as asked)")
    parser.add_argument("--stack", type=parse_stacks, default=os.environ.get("STACK") or "sqlite",
                        help=f"comma-separated: {', '.join(STACKS)}; or all")
    parser.add_argument("--limiter", choices=("default", "lifted"), default=os.environ.get("LIMITER") or "lifted")
    parser.add_argument("--only", choices=("", "ours", "bare"), default=os.environ.get("ONLY") or "")
    parser.add_argument("--profile", type=float, default=float(os.environ.get("PROFILE") or 0))
    # The fake Bot API and the people share the machine with the stack: on uvloop they take less of it.
    asyncio.run(main_async(parser.parse_args()), loop_factory=uvloop.new_event_loop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
