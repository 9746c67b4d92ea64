"""Consent per purpose end to end: statistics and sharing asked with buttons, choices changed
under /privacy, declined consent and a child of 15 forgotten completely."""
from __future__ import annotations

import datetime
import time

from sqlalchemy import func, select, text

from bot.db import Conversation, Database, IntakeStats
from bot.db.session import make_engine
from bot.deployment import load_deployment
from bot.stats.facts import NOT_COUNTED, refresh
from bot.stats.report import ReportFilters, Statistics
from tests.e2e.conftest import Harness
from tests.e2e.fake_telegram import BotMessage, TelegramUser


def texts(replies: list[BotMessage]) -> str:
    return "\n".join(m.text for m in replies)


def titles(replies: list[BotMessage]) -> list[str]:
    """The answers offered (🔊, which reads a message aloud, answers nothing)."""
    return [b["text"] for m in replies for b in m.buttons if b["text"] != "🔊"]


def consent_to_statistics(user: TelegramUser, statistics: str) -> list[BotMessage]:
    """From the first message to the name question, with `statistics` pressed."""
    replies = user.press("Yes, I agree", user.press("English", user.say("/start")))
    assert "may I count your intake in our statistics?" in texts(replies)
    assert {"Yes, count it", "No", "I don't know"} <= set(titles(replies))
    replies = user.press(statistics, replies)
    assert "What is your first name?" in texts(replies)
    return replies


def tracker_rows(harness: Harness, user: TelegramUser) -> int:
    engine = make_engine(harness.settings.tracker_database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM events WHERE sender_id = :sender"),
                                      {"sender": f"telegram:{user.user_id}"}).scalar_one()
    finally:
        engine.dispose()


def app_rows(harness: Harness, user: TelegramUser) -> int:
    with Database(harness.settings.app_database_url).session() as session:
        conversations = session.scalar(select(func.count()).select_from(Conversation)
                                       .where(Conversation.id == f"telegram:{user.user_id}"))
    return (conversations or 0) + (harness.intake_of(user) is not None)


def forgotten(harness: Harness, user: TelegramUser, within: float = 10.0) -> bool:
    """Nothing of the person in the app database or the tracker store (forgetting follows the turn)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if app_rows(harness, user) == 0 and tracker_rows(harness, user) == 0:
            return True
        time.sleep(0.2)
    return False


def test_declining_statistics_keeps_the_intake_out_of_the_statistics(harness: Harness) -> None:
    database = Database(harness.settings.app_database_url)
    statistics = Statistics(database, load_deployment(harness.settings.deployment_file))
    today = datetime.date.today()
    started_before = sum(v.started for v in statistics.report(ReportFilters(today, today)).days.values())

    user = harness.user(language_code="en")
    replies = consent_to_statistics(user, "No")
    replies = user.say("Lina")
    assert "When were you born?" in texts(replies)
    intake = harness.intake_of(user)
    assert intake is not None and intake["consent"]["statistics"] is False

    refresh(database)
    with database.session() as session:
        assert session.get(IntakeStats, intake["id"]).status == NOT_COUNTED
    assert sum(v.started for v in statistics.report(ReportFilters(today, today)).days.values()) == started_before


def test_privacy_shows_the_choices_and_a_tap_changes_them(harness: Harness) -> None:
    user = harness.user(language_code="en")
    consent_to_statistics(user, "Yes, count it")
    user.say("Omar")
    replies = user.say("/privacy")
    assert "Privacy notice" in texts(replies)
    assert "Counting your intake in statistics, without your name: Yes" in texts(replies)
    assert "Passing your summary to a partner organisation: not asked yet" in texts(replies)
    assert {"Do not count me", "Allow passing to a partner", "Withdraw consent, delete all"} <= set(titles(replies))

    replies = user.press("Do not count me", replies)
    assert "not counted in the statistics" in texts(replies)
    intake = harness.intake_of(user)
    assert intake is not None and intake["consent"]["statistics"] is False and intake["consent"]["processing"]
    replies = user.say("/privacy")
    assert "without your name: No" in texts(replies) and "Count me in the statistics" in titles(replies)

    # Sharing allowed now: the form does not ask it at the end (its slot is set in Rasa).
    replies = user.press("Allow passing to a partner", replies)
    assert "may pass your summary" in texts(replies)
    replies = user.say("17.04.2001")
    assert "What is your gender?" in texts(replies)  # the intake goes on where it was
    assert harness.intake_of(user)["consent"]["sharing"] is True


def test_withdrawing_consent_under_privacy_asks_first_then_deletes(harness: Harness) -> None:
    user = harness.user(language_code="en")
    consent_to_statistics(user, "Yes, count it")
    user.say("Nadia")
    replies = user.press("Withdraw consent, delete all", user.say("/privacy"))
    assert "Do you want this?" in texts(replies)
    replies = user.press("No, keep my answers", replies)
    assert "Nothing has changed" in texts(replies) and harness.intake_of(user) is not None
    replies = user.press("Withdraw consent, delete all", user.say("/privacy"))
    replies = user.press("Yes, delete everything", replies)
    assert "I have deleted your answers" in texts(replies)
    assert harness.intake_of(user) is None
    # Rasa keeps recent conversations in memory (nlu_data/tracker_store.py): the deleted one is
    # not among them any more, so the next message starts a new intake, not the old one.
    replies = user.say("/start")
    assert "English" in titles(replies) and "Nadia" not in texts(replies)
    assert "may I count your intake in our statistics?" in texts(user.press("Yes, I agree", user.press("English", replies)))


def test_declined_consent_leaves_nothing_behind(harness: Harness) -> None:
    user = harness.user(language_code="en")
    replies = user.press("No", user.press("English", user.say("hi")))
    assert "not stored anything" in texts(replies)
    assert forgotten(harness, user), "the conversation was not forgotten"


def test_a_child_of_15_is_told_about_the_guardian_and_help_and_forgotten(harness: Harness) -> None:
    user = harness.user(language_code="en")
    consent_to_statistics(user, "Yes, count it")
    replies = user.say("Sami")
    fifteen = datetime.date.today().replace(year=datetime.date.today().year - 15) - datetime.timedelta(days=30)
    replies = user.say(fifteen.strftime("%d.%m.%Y"))
    said = texts(replies)
    assert "parent or guardian has to agree" in said and "not kept anything" in said
    assert "Jugendmigrationsdienst, JMD" in said and "116 111" in said
    assert not titles(replies)  # nothing to answer: the intake has ended
    assert forgotten(harness, user), "the child's answers were not forgotten"
    # Writing again is a fresh start: the first question, nothing remembered.
    replies = user.say("hello")
    assert "Which language do you want to use?" in texts(replies)
