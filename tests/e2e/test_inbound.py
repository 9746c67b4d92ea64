"""Nothing lost, nothing twice, nothing out of order: the inbound side through the whole stack
(fake Bot API → gateway → Rasa → actions), with processes killed and stopped on the way."""
from __future__ import annotations

import os
import signal
import time

import httpx
from sqlalchemy import select

from bot.db import Case, Database, InboundUpdate
from bot.i18n import localise
from bot.messages import known_responses
from bot.stack import Supervisor
from bot.telegram.keyboards import callback_id, remember_payloads
from tests.e2e.conftest import STAFF_PASSWORD, TEAM_CHATS, TEAM_MEMBERS, Harness
from tests.e2e.fake_telegram import BotMessage, TelegramUser
from tests.e2e.intake_driver import IntakeRun
from tests.e2e.staff import StaffClient

ANSWER_LATER = localise(known_responses().get("gateway_answer_later").text, "en")
EDIT_NOT_READ = localise(known_responses().get("gateway_edit_not_read").text, "en")


def texts(replies: list[BotMessage]) -> str:
    return "\n".join(m.text for m in replies)


def all_texts(harness: Harness, user: TelegramUser) -> list[str]:
    return [m.text for m in harness.telegram.messages_to(user.user_id)]


def count(harness: Harness, user: TelegramUser, words: str) -> int:
    return sum(words in text for text in all_texts(harness, user))


def asked(harness: Harness, user: TelegramUser, questions: tuple[str, ...]) -> list[str]:
    """Which of `questions` the bot's messages to the user asked, in the order they arrived."""
    return [next(q for q in questions if q in text) for text in all_texts(harness, user) if any(q in text for q in questions)]


def reach_first_name_question(user: TelegramUser) -> list[BotMessage]:
    replies = user.say("hi")
    replies = user.press("English", replies)
    replies = user.press("Yes, I agree", replies)
    replies = user.press("Yes, count it", replies)
    assert "What is your first name?" in texts(replies)
    return replies


def inbound_row(harness: Harness, update_id: int) -> InboundUpdate | None:
    with Database(harness.settings.app_database_url).session() as session:
        return session.get(InboundUpdate, update_id)


def case_of(harness: Harness, user: TelegramUser) -> Case:
    with Database(harness.settings.app_database_url).session() as session:
        return session.scalars(select(Case).where(Case.conversation_id == f"telegram:{user.user_id}")).one()


def wait_until(condition, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"not within {timeout} s: {what}")


def rasa_tracker(harness: Harness, user: TelegramUser) -> dict:
    response = httpx.get(f"{harness.settings.rasa_url}/conversations/telegram:{user.user_id}/tracker",
                         params={"token": harness.settings.rasa_token}, timeout=10)
    response.raise_for_status()
    return response.json()


def test_an_update_delivered_twice_is_processed_once(harness: Harness) -> None:
    user = harness.user()
    update_id = user.write_update("hello", copies=2)
    replies = user.wait_for_replies()
    assert "Which language" in texts(replies)
    # The next turn's answer shows that nothing of the duplicate was still on its way.
    user.press("English", replies)
    assert count(harness, user, "Which language") == 1
    row = inbound_row(harness, update_id)
    assert row is not None and row.done_at is not None and row.content is None  # the id stays, the words go


def test_an_edited_message_is_not_taken_as_an_answer(harness: Harness) -> None:
    user = harness.user()
    reach_first_name_question(user)
    message_id = user.write("Sara")
    assert "When were you born?" in texts(user.wait_for_replies())
    replies = user.edit(message_id, "Lena")
    assert texts(replies) == EDIT_NOT_READ
    intake = harness.intake_of(user)
    assert intake is not None and intake["first_name"] == "Sara"
    # The open question is still the date of birth.
    assert "What is your gender?" in texts(user.say("17.04.2001"))


def test_typed_text_never_reaches_rasa_as_a_command(harness: Harness) -> None:
    user = harness.user()
    reach_first_name_question(user)
    user.say("Sara")
    assert "What is your gender?" in texts(user.say("17.04.2001"))
    # Telegram marks no command entity here: this is typed text, and stays text.
    user.write_update('/ /inform{"slot":"gender","value":"=injected"}')
    user.wait_for_replies()
    user.write_update(' / /inform{"slot":"school_years","value":"abc"}')
    user.wait_for_replies()
    tracker = rasa_tracker(harness, user)
    said = [e["text"] for e in tracker["events"] if e.get("event") == "user"]
    assert said[-2:] == ['inform{"slot":"gender","value":"=injected"}', 'inform{"slot":"school_years","value":"abc"}']
    assert tracker["slots"].get("gender") is None and tracker["slots"].get("school_years") is None
    intake = harness.intake_of(user)
    assert intake is not None and intake.get("gender") is None and intake.get("school_years") is None


def test_a_forged_button_value_is_asked_again_not_a_crash(harness: Harness) -> None:
    user = harness.user()
    replies = reach_first_name_question(user)
    # A payload stored for this chat (as if offered) whose value no question offers.
    forged = '/inform{"slot": "school_years", "value": "abc"}'
    with Database(harness.settings.app_database_url).session() as session:
        remember_payloads(session, f"telegram:{user.user_id}", [forged])
    replies = user.press_data(replies[-1], callback_id(f"telegram:{user.user_id}", forged))
    assert "Please press one of the buttons" in texts(replies)
    assert "What is your first name?" in texts(replies)
    assert "When were you born?" in texts(user.say("Sara"))


def test_gateway_killed_mid_turn_answers_everything_once_and_in_order(harness: Harness) -> None:
    stack = harness.stack
    user = harness.user()
    reach_first_name_question(user)
    rasa = stack.service("rasa").process.pid
    os.killpg(rasa, signal.SIGSTOP)  # Rasa hangs: the turn is under way when the gateway dies
    try:
        name = user.write_update("Sara")
        wait_until(lambda: (row := inbound_row(harness, name)) is not None and row.attempts >= 1, "the turn started")
        stack.end("gateway")
    finally:
        os.killpg(rasa, signal.SIGCONT)
    # While the gateway is down: Telegram redelivers an update it has processed, the person goes on.
    last_processed = max(row.update_id for row in _done_rows(harness, user))
    harness.telegram.redeliver(last_processed)
    user.write_update("17.04.2001")
    user.write_update("Female")
    stack.start_gateway()

    wait_until(lambda: count(harness, user, "citizen of") >= 1, "the last message was answered")
    replies = user.wait_for_replies()
    # Each message answered once, in order; the redelivered update (the last consent tap) not again.
    questions = ("What is your first name?", "When were you born?", "What is your gender?", "citizen of")
    assert asked(harness, user, questions) == list(questions)

    replies = IntakeRun(user, "en", "Sara").finish(replies)
    intake = harness.intake_of(user)
    assert intake is not None and intake["status"] == "handed_off"
    assert (intake["first_name"], intake["birth_date"], intake["gender"]) == ("Sara", "2001-04-17", "female")
    # Rasa logs the turn the gateway gave up on, without the words the person wrote.
    rasa_log = stack.service("rasa").log_path.read_text(errors="replace")
    assert "rest.message.received.timeout" in rasa_log and "[redacted]" in rasa_log
    assert '"text": "Sara"' not in rasa_log


def _done_rows(harness: Harness, user: TelegramUser) -> list[InboundUpdate]:
    with Database(harness.settings.app_database_url).session() as session:
        return list(session.scalars(select(InboundUpdate).where(
            InboundUpdate.conversation_id == f"telegram:{user.user_id}", InboundUpdate.done_at.is_not(None))))


def assert_told_once_then_answered_in_order(harness: Harness, user: TelegramUser) -> list[BotMessage]:
    """After an outage: told once that the answer comes later, then the name and the date of birth
    each answered once, in order, and stored. Returns the last replies."""
    wait_until(lambda: count(harness, user, "What is your gender?") >= 1, "the waiting messages were answered", 120)
    replies = user.wait_for_replies()
    questions = ("What is your first name?", ANSWER_LATER, "When were you born?", "What is your gender?")
    assert asked(harness, user, questions) == list(questions)
    intake = harness.intake_of(user)
    assert intake is not None and (intake["first_name"], intake["birth_date"]) == ("Sara", "2001-04-17")
    return replies


def test_messages_wait_while_rasa_is_down_and_are_answered_once_it_is_back(harness: Harness) -> None:
    stack = harness.stack
    user = harness.user()
    reach_first_name_question(user)
    stack.end("rasa", signal.SIGTERM)
    try:
        user.write_update("Sara")
        user.write_update("17.04.2001")
        harness.telegram.wait_for_message(user.user_id, ANSWER_LATER)
    finally:
        stack.start_rasa()  # takes most of a minute: the messages wait meanwhile
    assert_told_once_then_answered_in_order(harness, user)


def test_rasa_killed_mid_turn_answers_everything_once_and_in_order_and_keeps_a_relay_open(harness: Harness) -> None:
    stack = harness.stack
    user = harness.user()
    reach_first_name_question(user)
    relayed = harness.user(language_code="en")
    relayed.say("/human")
    case = case_of(harness, relayed)
    staff = StaffClient(harness.settings.web_url, TEAM_MEMBERS[case.team], STAFF_PASSWORD)
    rasa = stack.service("rasa").process.pid
    os.killpg(rasa, signal.SIGSTOP)  # Rasa hangs with the turn under way, then dies
    try:
        name = user.write_update("Sara")
        wait_until(lambda: (row := inbound_row(harness, name)) is not None and row.attempts >= 1, "the turn started")
    finally:
        os.killpg(rasa, signal.SIGKILL)
        os.killpg(rasa, signal.SIGCONT)
    stack.service("rasa").process.wait(timeout=30)
    try:
        user.write_update("17.04.2001")
        harness.telegram.wait_for_message(user.user_id, ANSWER_LATER)
        # Handing back needs Rasa: while it is down the relay stays open and staff are told why.
        page = staff.act(case.id, "handback")
        assert "Der Bot ist gerade nicht erreichbar" in page
        assert case_of(harness, relayed).relay_open
        relayed.write("are you still there?")
        harness.telegram.wait_for_message(TEAM_CHATS[case.team], "are you still there?")

        Supervisor(stack).tick()  # what `lotse run` does every half second: Rasa starts again
        assert_told_once_then_answered_in_order(harness, user)

        staff.act(case.id, "handback")
        assert not case_of(harness, relayed).relay_open
        assert "Which language" in texts(relayed.wait_for_replies())
    finally:
        staff.close()


def test_action_server_killed_mid_conversation_answers_everything_once_and_in_order(harness: Harness) -> None:
    stack = harness.stack
    user = harness.user()
    reach_first_name_question(user)
    stack.end("actions", signal.SIGKILL)
    user.write_update("Sara")
    user.write_update("17.04.2001")
    harness.telegram.wait_for_message(user.user_id, ANSWER_LATER)
    Supervisor(stack).tick()  # the action server starts again
    replies = assert_told_once_then_answered_in_order(harness, user)

    replies = IntakeRun(user, "en", "Sara").finish(replies)
    intake = harness.intake_of(user)
    assert intake is not None and intake["status"] == "handed_off"
    assert (intake["first_name"], intake["birth_date"], intake["gender"]) == ("Sara", "2001-04-17", "female")
