"""A person's data obeys their word, through the whole stack: /delete after a handoff leaves
nothing anywhere and takes back the staff-chat notices; /mydata returns what was given; a declined
consent leaves nothing after the retention run."""
from __future__ import annotations

import datetime
import json
import time

from sqlalchemy import select

from bot.db import AuditEntry, Case, Database, OutboxMessage, StaffNotice
from bot.db.models import utcnow
from bot.privacy.retention import run_retention
from tests.e2e.conftest import TEAM_CHATS, Harness
from tests.e2e.fake_telegram import BotMessage, SentDocument, TelegramUser
from tests.e2e.intake_driver import IntakeRun
from tests.e2e.test_handoff import case_of, sentence, texts, wait_for_reaction
from tests.unit.privacy_helpers import traces


def _until(condition, timeout: float = 20.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.05)
    raise AssertionError(f"{what}: not within {timeout} s")


def _needles(user: TelegramUser, *more: str) -> tuple[str, ...]:
    return (f"telegram:{user.user_id}", str(user.user_id), *more)


def _sent_notice_ids(harness: Harness, chat: int, reference: str) -> list[int]:
    return [m.message_id for m in harness.telegram.messages_to(chat) if reference in m.text]


def test_delete_after_a_handoff_leaves_nothing_and_takes_back_the_staff_notices(harness: Harness) -> None:
    user = harness.user(language_code="de", first_name="Yasemin")
    user.say("/human")
    case = case_of(harness, user)
    chat = TEAM_CHATS[case.team]
    said = "Bitte ruft mich morgen an 58213"
    wait_for_reaction(harness, user.write(said))
    harness.telegram.wait_for_message(chat, said)
    notices = _until(lambda: len(_sent_notice_ids(harness, chat, case.reference)) == 2
                     and _sent_notice_ids(harness, chat, case.reference), what="both staff notices")
    database = Database(harness.settings.app_database_url)

    def recorded() -> list[int]:
        with database.session() as session:
            return sorted(session.scalars(select(StaffNotice.message_id)
                                          .where(StaffNotice.conversation_id == f"telegram:{user.user_id}")))

    # The gateway keeps the Telegram id of each notice about the person it has sent.
    _until(lambda: recorded() == sorted(notices), what="the sent notices recorded")

    # Telegram cannot be reached for the team's chat: the next notice waits in the outbox.
    unsent = "Noch eine Nachricht 77419"
    harness.telegram.failing_chats.add(chat)
    try:
        wait_for_reaction(harness, user.write(unsent))
        _until(lambda: any(params.get("chat_id") == chat and unsent in str(params.get("text"))
                           for params in harness.telegram.calls_of("sendMessage")), what="the failed attempt")
        replies = user.say("/delete")
    finally:
        harness.telegram.failing_chats.discard(chat)
    assert sentence("privacy_deleted", "de") in texts(replies)

    _until(lambda: sorted(int(p["message_id"]) for p in harness.telegram.calls_of("deleteMessage")
                          if int(p["chat_id"]) == chat and int(p["message_id"]) in notices) == sorted(notices),
           what="deleteMessage for both notices")
    time.sleep(3)  # past the outbox's retry pause: the cancelled notice must not go out now
    assert not any(unsent in m.text for m in harness.telegram.messages_to(chat))
    with database.session() as session:
        assert session.get(Case, case.id) is None
        # Nothing waits for the person or the team's chat: the deletions have gone out too.
        assert session.scalars(select(OutboxMessage).where(OutboxMessage.chat_id.in_([str(chat), str(user.user_id)]))).all() == []
        audit = session.scalars(select(AuditEntry).where(AuditEntry.case_id == case.id,
                                                         AuditEntry.action == "delete_person")).one()
    assert (audit.actor, audit.detail) == ("person", case.reference)  # that it happened, not what
    assert traces(harness.settings, *_needles(user, said, unsent)) == []


def _document_for(harness: Harness, user: TelegramUser) -> SentDocument:
    return _until(lambda: next((d for d in harness.telegram.documents if d.chat_id == user.user_id), None),
                  what="the JSON file")


def test_mydata_returns_what_was_given_as_text_and_json(harness: Harness) -> None:
    user = harness.user(language_code="en", first_name="Josephine")
    IntakeRun(user, "en", "Josephine").complete()
    case = case_of(harness, user)
    said = "Can we meet on Tuesday 40417?"
    wait_for_reaction(harness, user.write(said))

    replies: list[BotMessage] = user.say("/mydata")
    readable = texts(replies)
    assert sentence("mydata_intro", "en") in readable
    assert "First name: Josephine" in readable and "Moers" in readable
    assert case.reference in readable and said in readable
    assert sentence("mydata_screening", "en") in readable
    document = _document_for(harness, user)
    assert document.filename == "lotse-my-data.json"
    data = json.loads(document.content)
    assert data["intake"]["first_name"] == "Josephine" and data["intake"]["municipality"]["name"] == "Moers"
    assert data["intake"]["eligibility"]["programmes"]
    assert data["cases"][0]["reference"] == case.reference
    assert [m["text"] for m in data["cases"][0]["messages"]] == [said]
    assert any(line["from"] == "you" for line in data["chat_with_the_assistant"])

    fresh = harness.user(language_code="en")
    assert texts(fresh.say("/mydata")) == "Nothing is stored about you: no answers, no case, no messages."


def test_a_declined_consent_leaves_nothing_after_the_retention_run(harness: Harness) -> None:
    user = harness.user(language_code="en", first_name="Nadira")
    replies = user.say("hello, my number is 0176 5550199")
    replies = user.press("English", replies)
    replies = user.press("No", replies)
    assert "not stored anything" in texts(replies)

    # The clock moved past the period: every conversation of the session without consent is due
    # (the earlier tests' people are done with by now).
    run_retention(harness.settings, now=utcnow() + datetime.timedelta(hours=25))
    assert traces(harness.settings, *_needles(user, "0176 5550199")) == []
