"""The whole stack for end-to-end tests: fake Bot API → real gateway → real Rasa → real actions.

Rasa starts once per session (TensorFlow's start-up is the slow part); every test uses its own
Telegram user, so conversations never mix.
"""
from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from bot.config import PROJECT_ROOT, Settings
from bot.db import Database, migrate
from bot.db.models import Conversation
from bot.inbox.accounts import Accounts
from bot.intake.store import IntakeStore
from bot.parsing.understanding import answer_models
from bot.rasa_model import train_model
from bot.safety.classifier import crisis_classifier
from bot.stack import Stack
from tests.e2e.fake_telegram import FakeTelegram, TelegramUser, free_port, free_ports
from tests.services import PostgresServer, Server

_user_ids = itertools.count(7000001)


class Harness:
    def __init__(self, settings: Settings, telegram: FakeTelegram) -> None:
        self.settings = settings
        self.telegram = telegram
        self.model = train_model(settings)
        crisis_classifier()  # trained and cached here, so the gateway does not train it at start-up
        answer_models()  # … nor the action server its answer classifiers
        self.stack = Stack(settings, self.model)
        self.store = IntakeStore(Database(settings.app_database_url))

    def start(self) -> None:
        self.stack.start_actions()
        self.stack.start_rasa()
        self.stack.start_gateway()
        self.stack.start_web()

    def restart(self) -> None:
        """Stop every process and start them again, as after a crash or a deployment."""
        self.stack.stop()
        self.stack = Stack(self.settings, self.model)
        self.start()

    def time_passes(self, user: TelegramUser, hours: float) -> None:
        """The person's last message moves back in time: "days later" without waiting days."""
        with Database(self.settings.app_database_url).session() as session:
            conversation = session.get(Conversation, f"telegram:{user.user_id}")
            assert conversation is not None, "the person has not written yet"
            conversation.last_seen_at -= datetime.timedelta(hours=hours)

    def user(self, language_code: str | None = "en", first_name: str = "Test") -> TelegramUser:
        return TelegramUser(self.telegram, next(_user_ids), first_name=first_name, language_code=language_code)

    def intake_of(self, user: TelegramUser) -> dict | None:
        return self.store.get(f"telegram:{user.user_id}")


# Staff chats and team members of the test deployment: the real deployment file's teams, each
# with a Telegram group and one member.
TEAM_CHATS = {"west": -1001, "ost": -1002, "erstberatung": -1003}
TEAM_MEMBERS = {"west": "anna", "ost": "olaf", "erstberatung": "erika"}
STAFF_PASSWORD = "e2e staff password"


def deployment_for_tests(tmp: Path) -> Path:
    deployment = yaml.safe_load((PROJECT_ROOT / "config" / "deployment.yml").read_text(encoding="utf-8"))
    for team in deployment["teams"]:
        team["staff_chat_id"] = TEAM_CHATS[team["id"]]
        team["members"] = [TEAM_MEMBERS[team["id"]]]
    path = tmp / "deployment.yml"
    path.write_text(yaml.safe_dump(deployment, allow_unicode=True), encoding="utf-8")
    return path


def e2e_settings(tmp: Path, telegram: FakeTelegram, **overrides: object) -> Settings:
    rasa_port = free_port()
    values: dict[str, object] = dict(
        var_dir=tmp,
        database_url=f"sqlite:///{tmp / 'lotse.db'}",
        tracker_store_url=f"sqlite:///{tmp / 'tracker.db'}",
        telegram_token=telegram.token,
        telegram_api_url=telegram.base_url,
        webhook_url="",
        rasa_port=rasa_port,
        rasa_url=f"http://127.0.0.1:{rasa_port}",
        action_port=free_port(),
        rasa_token="e2e-token",
        log_level="INFO",
        deployment_file=deployment_for_tests(tmp),
        web_port=free_port(),
        gateway_health_port=free_port(),
    )
    values.update(overrides)
    return Settings(**values)


def add_team_members(settings: Settings) -> None:
    accounts = Accounts(Database(settings.app_database_url))
    for login in TEAM_MEMBERS.values():
        accounts.add(login, login.capitalize(), "staff", STAFF_PASSWORD)


@contextmanager
def scaled_out_settings(postgres: PostgresServer, redis: Server, workers: int) -> Iterator[dict[str, object]]:
    """Settings for a stack on PostgreSQL + Redis with `workers` Rasa and as many action servers
    (decision 16): fresh application and tracker databases, dropped afterwards."""
    with postgres.fresh_database() as app_url, postgres.fresh_database() as tracker_url:
        rasa_port = free_ports(workers)
        yield dict(database_url=app_url, tracker_store_url=tracker_url,
                   lock_store_url=f"redis://127.0.0.1:{redis.port}/0", rasa_workers=workers, action_workers=workers,
                   rasa_port=rasa_port, rasa_url=f"http://127.0.0.1:{rasa_port}", action_port=free_ports(workers))


@contextmanager
def running_stack(tmp: Path, log_level: str = "INFO", **overrides: object) -> Iterator[Harness]:
    """The whole stack with a fresh database and the test teams' members, stopped afterwards;
    `overrides`: settings other than the defaults of e2e_settings."""
    telegram = FakeTelegram()
    telegram.start()
    settings = e2e_settings(tmp, telegram, log_level=log_level, **overrides)
    migrate(settings.app_database_url)
    add_team_members(settings)
    harness = Harness(settings, telegram)
    try:
        harness.start()
        yield harness
    finally:
        harness.stack.stop()
        telegram.stop()


@pytest.fixture(scope="session")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    with running_stack(tmp_path_factory.mktemp("stack")) as harness:
        yield harness


# Modules with a stack of their own on PostgreSQL + Redis: they run before the other end-to-end
# tests, so that their stack is stopped before the session's SQLite stack starts (two stacks at
# once would take twice the memory and share two cores).
OWN_STACK_FIRST = ("test_workers.py",)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
    first = [item for item in items if item.fspath.basename in OWN_STACK_FIRST]
    if first:
        rest = [item for item in items if item.fspath.basename not in OWN_STACK_FIRST]
        at = next((index for index, item in enumerate(rest) if "tests/e2e/" in str(item.fspath)), len(rest))
        items[:] = rest[:at] + first + rest[at:]
