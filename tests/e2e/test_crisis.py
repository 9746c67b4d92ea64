"""A person in danger, through the whole stack: help first, in their language, at any moment;
an urgent case for the team; the intake goes on where it was."""
from __future__ import annotations

import datetime
import time

from sqlalchemy import select, update

from bot.db import Case, CaseMessage, CrisisAlert, Database
from bot.i18n import localise
from tests.e2e.conftest import STAFF_PASSWORD, TEAM_CHATS, TEAM_MEMBERS, Harness
from tests.e2e.fake_telegram import BotMessage, TelegramUser
from tests.e2e.intake_driver import IntakeRun, question_text
from tests.e2e.staff import StaffClient
from tests.e2e.test_handoff import case_of, sentence, texts, user_texts_in_rasa


def conversation(user: TelegramUser) -> str:
    return f"telegram:{user.user_id}"


def alert_of(harness: Harness, user: TelegramUser) -> CrisisAlert | None:
    with Database(harness.settings.app_database_url).session() as session:
        return session.scalars(select(CrisisAlert).where(CrisisAlert.conversation_id == conversation(user))).one_or_none()


def messages_of(harness: Harness, case: Case) -> list[tuple[str, str]]:
    with Database(harness.settings.app_database_url).session() as session:
        rows = session.scalars(select(CaseMessage).where(CaseMessage.case_id == case.id).order_by(CaseMessage.id))
        return [(m.direction, m.text) for m in rows]


def wait_for_alert(harness: Harness, chat: int, reference: str, timeout: float = 30.0) -> BotMessage:
    """The staff chat's urgent alert about this case (other tests' alerts share the chat)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in harness.telegram.messages_to(chat):
            if message.text.startswith("🚨 DRINGEND") and reference in message.text:
                return message
        time.sleep(0.05)
    raise AssertionError(f"no urgent alert about {reference} in chat {chat}")


def offer_buttons(replies: list[BotMessage], language: str) -> tuple[str, str]:
    yes, no = localise("Yes, please", language), localise("No, let us continue", language)
    titles = [b["text"] for m in replies for b in m.buttons]
    assert yes in titles and no in titles, titles
    return yes, no


def test_a_suicidal_message_mid_question_gets_help_and_a_person_and_is_no_answer(harness: Harness) -> None:
    user = harness.user(language_code="en", first_name="Sam")
    run = IntakeRun(user, "en", "Sam")
    run.answer_until("birth_date", run.start())

    replies = user.say("1990 but i dont want to live anymore")
    shown = texts(replies)
    for number in ("112", "0800 111 0 111", "0800 111 0 222", "116 123"):
        assert number in shown
    assert "could not read" not in shown  # not parsed as a date
    yes, _ = offer_buttons(replies, "en")
    assert alert_of(harness, user) is not None

    coming = user.press(yes, replies)
    assert sentence("crisis_person_coming", "en") in texts(coming)
    case = case_of(harness, user)
    assert (case.urgent, case.reason, case.relay_open, case.team) == (True, "crisis", True, "erstberatung")
    assert messages_of(harness, case) == [("in", "1990 but i dont want to live anymore")]
    notice = wait_for_alert(harness, TEAM_CHATS["erstberatung"], case.reference)
    assert "Suizid" in notice.text
    assert "dont want to live" in notice.text and f"/cases/{case.id}" in notice.text
    assert alert_of(harness, user) is None
    # Never an answer: Rasa did not hear it, and the stored intake has no birth date from it.
    assert "1990 but i dont want to live anymore" not in user_texts_in_rasa(harness, user)
    assert (harness.intake_of(user) or {}).get("birth_date") is None

    # The case heads the team's inbox; handed back, the intake goes on at the open question.
    staff = StaffClient(harness.settings.web_url, TEAM_MEMBERS["erstberatung"], STAFF_PASSWORD)
    try:
        assert "DRINGEND" in staff.case_page(case.id)
        staff.act(case.id, "handback")
        back = user.wait_for_replies()
        assert question_text("birth_date", "en") in texts(back)
    finally:
        staff.close()


def test_declining_the_offer_continues_the_intake_at_the_same_question(harness: Harness) -> None:
    user = harness.user(language_code="ar", first_name="Huda")
    run = IntakeRun(user, "ar", "Huda")
    run.answer_until("gender", run.start())

    replies = user.say("زوجي يضربني وانا خايفة")
    assert "116 016" in texts(replies) and "110" in texts(replies)
    _, no = offer_buttons(replies, "ar")
    going_on = user.press(no, replies)
    assert question_text("gender", "ar") in texts(going_on)
    assert alert_of(harness, user) is None
    with Database(harness.settings.app_database_url).session() as session:
        assert session.scalars(select(Case).where(Case.conversation_id == conversation(user))).all() == []
    # The intake goes on as before, and the message was never taken as an answer.
    run.answer_until("nationality", run.answers()["gender"](going_on))
    assert harness.intake_of(user)["gender"] == "female"
    assert "زوجي يضربني وانا خايفة" not in user_texts_in_rasa(harness, user)


KIDS_ALONE = "yes, my kids are alone at home, nobody can look after them"


def test_declined_as_a_crisis_the_message_is_proposed_as_the_answer_never_stored_unconfirmed(harness: Harness) -> None:
    user = harness.user(language_code="en", first_name="Lina")
    run = IntakeRun(user, "en", "Lina")
    run.answer_until("childcare_needed", run.start())

    replies = user.say(KIDS_ALONE)
    _, no = offer_buttons(replies, "en")
    going_on = user.press(no, replies)
    assert localise("Did you mean: {answer}?", "en", answer="Yes") in texts(going_on)
    assert (harness.intake_of(user) or {}).get("childcare_needed") is None  # proposed, not stored
    assert KIDS_ALONE not in user_texts_in_rasa(harness, user)  # only the proposed value reached Rasa
    confirmed = user.press(localise("Yes", "en"), going_on)
    assert harness.intake_of(user)["childcare_needed"] is True
    assert run.asked(confirmed) not in (None, "childcare_needed")


def test_an_offer_declined_after_the_person_went_on_proposes_nothing(harness: Harness) -> None:
    """The message came at another question: read as an answer to the next one ("yes" to an
    interpreter), it would be a proposal the person never made."""
    user = harness.user(language_code="en", first_name="Omar")
    run = IntakeRun(user, "en", "Omar")
    asking = run.answer_until("contact_language", run.start())

    offer = user.say(KIDS_ALONE)
    _, no = offer_buttons(offer, "en")
    interpreter = run.answers()["contact_language"](asking)  # answered meanwhile
    assert run.asked(interpreter) == "interpreter_needed"
    going_on = user.press(no, offer)
    assert run.asked(going_on) == "interpreter_needed"
    assert "Did you mean" not in texts(going_on)


def test_before_consent_an_unanswered_offer_becomes_an_urgent_case(harness: Harness) -> None:
    user = harness.user(language_code="fa", first_name="Nilufar")
    replies = user.say("دیگه نمیخوام زنده باشم")  # the very first message
    assert "0800 111 0 111" in texts(replies)
    offer_buttons(replies, "fa")

    # Nobody answers: once the configured time has passed, the team is alerted all the same.
    with Database(harness.settings.app_database_url).session() as session:
        session.execute(update(CrisisAlert).where(CrisisAlert.conversation_id == conversation(user))
                        .values(escalate_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=1)))
    told = user.wait_for_replies(timeout=30)
    assert sentence("crisis_person_coming", "fa") in texts(told)
    case = case_of(harness, user)
    assert case.urgent and case.reason == "crisis" and case.first_name is None  # no consent: no profile
    assert messages_of(harness, case) == [("in", "دیگه نمیخوام زنده باشم")]
    assert "دیگه نمیخوام زنده باشم" in wait_for_alert(harness, TEAM_CHATS["erstberatung"], case.reference).text


def test_during_a_live_relay_a_crisis_makes_the_case_urgent(harness: Harness) -> None:
    user = harness.user(language_code="ru", first_name="Olga")
    user.say("/human")
    case = case_of(harness, user)
    assert not case.urgent

    replies = user.say("муж бьет меня, я боюсь идти домой")
    assert "116 016" in texts(replies)
    assert sentence("crisis_team_told", "ru") in texts(replies)
    assert case_of(harness, user).urgent
    assert ("in", "муж бьет меня, я боюсь идти домой") in messages_of(harness, case)
    notice = wait_for_alert(harness, TEAM_CHATS["erstberatung"], case.reference)
    assert "Gewalt" in notice.text and "муж бьет меня" in notice.text


def test_a_look_alike_is_an_ordinary_answer(harness: Harness) -> None:
    user = harness.user(language_code="en", first_name="Lee")
    run = IntakeRun(user, "en", "Lee")
    run.answer_until("birth_date", run.start())
    replies = user.say("this form is killing me")
    assert "0800 111 0 111" not in texts(replies) and "112" not in texts(replies)
    assert alert_of(harness, user) is None
    assert question_text("birth_date", "en") in texts(replies)  # asked again, as any unreadable date
    with Database(harness.settings.app_database_url).session() as session:
        assert session.scalars(select(Case).where(Case.conversation_id == conversation(user))).all() == []
