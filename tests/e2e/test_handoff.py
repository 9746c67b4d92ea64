"""Handoff and live relay through the whole stack: fake Bot API → gateway → Rasa → actions,
the staff inbox over HTTP, and the outbox back to the fake Bot API."""
from __future__ import annotations

import asyncio
import time

from sqlalchemy import select

from bot.db import Case, CaseMessage, Database
from bot.i18n import localise
from bot.messages import known_responses
from bot.rasa_client import RasaClient
from tests.e2e.conftest import STAFF_PASSWORD, TEAM_CHATS, TEAM_MEMBERS, Harness
from tests.e2e.fake_telegram import BotMessage, TelegramUser
from tests.e2e.intake_driver import IntakeRun
from tests.e2e.staff import StaffClient


def texts(replies: list[BotMessage]) -> str:
    return "\n".join(m.text for m in replies)


def sentence(name: str, language: str) -> str:
    """The first words of a response in a language: enough to recognise it, free of placeholders."""
    return localise(known_responses().get(name).text, language).split("{")[0][:20]


def case_of(harness: Harness, user: TelegramUser) -> Case:
    with Database(harness.settings.app_database_url).session() as session:
        return session.scalars(select(Case).where(Case.conversation_id == f"telegram:{user.user_id}")).one()


def user_texts_in_rasa(harness: Harness, user: TelegramUser) -> list[str]:
    async def fetch() -> list[str]:
        rasa = RasaClient(harness.settings.rasa_url, harness.settings.rasa_token)
        try:
            events = await rasa.events(f"telegram:{user.user_id}") or []
        finally:
            await rasa.close()
        return [e.get("text") or "" for e in events if e.get("event") == "user"]
    return asyncio.run(fetch())


def wait_for_reaction(harness: Harness, message_id: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(call.get("message_id") == message_id for call in harness.telegram.calls_of("setMessageReaction")):
            return
        time.sleep(0.02)
    raise AssertionError("the relayed message got no reaction")


def test_asking_for_a_person_opens_a_case_and_relays_both_ways(harness: Harness) -> None:
    user = harness.user(language_code="fa", first_name="Reza")
    replies = user.say("/human")
    assert sentence("handoff_requested", "fa") in texts(replies)

    case = case_of(harness, user)
    assert (case.team, case.state, case.reason, case.relay_open) == ("erstberatung", "new", "requested", True)
    chat = TEAM_CHATS["erstberatung"]
    notice = harness.telegram.wait_for_message(chat, case.reference)
    assert notice.text.startswith("🆕 Neuer Fall") and f"/cases/{case.id}" in notice.text

    # While the case is open, the person's words go to the case and the team chat, not to Rasa.
    message_id = user.write("سلام، من کار می‌خواهم")
    wait_for_reaction(harness, message_id)
    forwarded = harness.telegram.wait_for_message(chat, "سلام، من کار می‌خواهم")
    assert forwarded.text.startswith(f"💬 {case.reference}")
    with Database(harness.settings.app_database_url).session() as session:
        kept = session.scalars(select(CaseMessage).where(CaseMessage.case_id == case.id)).all()
    assert [(m.direction, m.text) for m in kept] == [("in", "سلام، من کار می‌خواهم")]
    assert "سلام، من کار می‌خواهم" not in user_texts_in_rasa(harness, user)

    # /status answers in the person's language.
    status = user.say("/status")
    assert case.reference in texts(status) and sentence("status_new", "fa")[:10] in texts(status)

    # A staff reply from the inbox arrives in the person's chat.
    staff = StaffClient(harness.settings.web_url, TEAM_MEMBERS["erstberatung"], STAFF_PASSWORD)
    try:
        page = staff.case_page(case.id)
        assert "سلام، من کار می‌خواهم" in page and "Lotse – Übergabe" in page
        staff.act(case.id, "reply", text="Hallo Reza, wir rufen dich morgen an.")
        delivered = user.wait_for_replies()
        assert texts(delivered) == "👤 Erika: Hallo Reza, wir rufen dich morgen an."
        assert case_of(harness, user).state == "contacted"

        # Handed back, the bot talks again: it says so, and the intake starts.
        staff.act(case.id, "handback")
        back = user.wait_for_replies()
        assert sentence("handed_back", "fa") in texts(back)
        assert any(b["text"] == "English" for m in back for b in m.buttons)  # the language question
        answered = user.press("English", back)
        assert "agree" in texts(answered)  # Rasa answers again: the consent question
    finally:
        staff.close()


def test_a_completed_intake_is_handed_to_the_team_of_the_persons_town(harness: Harness) -> None:
    user = harness.user(language_code="en", first_name="John")
    run = IntakeRun(user, "en", "John")
    replies = run.complete()
    assert sentence("handoff_done", "en") in texts(replies)

    case = case_of(harness, user)
    intake = harness.intake_of(user)
    assert intake is not None and intake["status"] == "handed_off"
    assert intake["handoff"] == {"team": case.team, "case_id": case.id, "created_at": intake["handoff"]["created_at"],
                                 "state": "new"}
    # Moers belongs to team west when a programme may fit, else to the general counselling team.
    expected = "west" if case.programmes else "erstberatung"
    assert case.team == expected and case.reason == "intake_complete" and case.age is not None
    assert "John" in case.headline and "Moers" in case.headline
    notice = harness.telegram.wait_for_message(TEAM_CHATS[case.team], case.reference)
    assert "John" in notice.text
    assert "Vorprüfung" in case.summary and "Zum ersten Termin mitbringen" in case.summary
    assert "Dolmetschung nötig: ja" in case.summary

    # After the intake the person reaches the team, not the bot.
    message_id = user.write("When will you call me?")
    wait_for_reaction(harness, message_id)
    harness.telegram.wait_for_message(TEAM_CHATS[case.team], "When will you call me?")


def test_delete_forgets_the_case_with_its_messages(harness: Harness) -> None:
    user = harness.user(language_code="de", first_name="Lena")
    user.say("/human")
    case = case_of(harness, user)
    wait_for_reaction(harness, user.write("Bitte ruft mich an"))
    user.say("/delete")
    with Database(harness.settings.app_database_url).session() as session:
        assert session.get(Case, case.id) is None
        assert session.scalars(select(CaseMessage).where(CaseMessage.case_id == case.id)).all() == []
    # The person starts afresh with the bot, not with the team.
    assert any(b["text"] == "Deutsch" for m in user.say("Hallo") for b in m.buttons)
