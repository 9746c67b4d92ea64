"""What every action needs: settings, the deployment, the intake store, the person's language."""
from __future__ import annotations

import asyncio
import datetime
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.config import load_settings
from bot.db import Database
from bot.deployment import Deployment, load_deployment
from bot.i18n import conversation_language
from bot.intake.store import IntakeStore
from bot.messages import render
from bot.rasa_client import LANGUAGE_KEY


@lru_cache(maxsize=1)
def deployment() -> Deployment:
    return load_deployment(load_settings().deployment_file)


@lru_cache(maxsize=1)
def database() -> Database:
    """The action server's one database engine (its connection pool), shared by every action."""
    return Database(load_settings().app_database_url)


@lru_cache(maxsize=1)
def intake_store() -> IntakeStore:
    return IntakeStore(database())


def today() -> datetime.date:
    return datetime.date.today()


def language_of(slots: dict[str, Any], metadata: dict[str, Any] | None) -> str:
    """The chosen language, else the Telegram client's if we speak it, else the default."""
    return conversation_language(slots.get("language"), (metadata or {}).get("language_code"))


def tracker_language(tracker: Tracker) -> str:
    return language_of(tracker.slots, tracker.latest_message.get("metadata"))


def channel_of(tracker: Tracker) -> str:
    return (tracker.latest_message.get("metadata") or {}).get("channel") or tracker.sender_id.split(":", 1)[0]


def say(dispatcher: CollectingDispatcher, name: str, language: str, /, **values: Any) -> None:
    message = render(name, language, deployment(), **values)
    dispatcher.utter_message(text=message["text"], buttons=message.get("buttons", []),
                             json_message={LANGUAGE_KEY: language})


async def in_thread[T](function: Callable[..., T], *args: Any) -> T:
    """Blocking work (SQL) off the event loop, which serves every conversation."""
    return await asyncio.to_thread(function, *args)
