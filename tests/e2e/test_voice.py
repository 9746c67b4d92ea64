"""Voice messages from the person, through the fake Bot API: during the intake the bot says it
cannot listen and offers a person; during a relay the voice reaches the case and the team's chat."""
from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import select

from bot.db import CaseNote, CaseVoice, Database
from bot.i18n import localise
from bot.messages import response_catalog
from tests.e2e.conftest import TEAM_CHATS, Harness
from tests.e2e.test_handoff import case_of, sentence, texts, user_texts_in_rasa, wait_for_reaction

OGG = (Path(__file__).parent.parent / "fixtures" / "voice.ogg").read_bytes()


def test_a_voice_message_in_the_intake_is_answered_in_the_persons_language_with_a_person_offered(
        harness: Harness) -> None:
    user = harness.user(language_code="fa", first_name="Reza")
    user.say("/start")
    replies = user.send_voice(OGG)
    assert sentence("voice_not_understood", "fa") in texts(replies)
    offer = localise(response_catalog().get("voice_not_understood").buttons[0].title, "fa")
    assert any(b["text"] == offer for m in replies for b in m.buttons)
    assert len(replies) >= 2  # and the open question again

    handed = user.press(offer, replies)
    assert sentence("handoff_requested", "fa") in texts(handed)
    assert case_of(harness, user).reason == "requested"


def test_a_voice_message_during_the_relay_reaches_the_case_and_the_team_chat(harness: Harness) -> None:
    user = harness.user(language_code="ar")
    user.say("/human")
    case = case_of(harness, user)
    chat = TEAM_CHATS["erstberatung"]

    message_id = user.write_voice(OGG, duration=2)
    wait_for_reaction(harness, message_id)
    forwarded = harness.telegram.wait_for_message(chat, f"🎤 {case.reference}")
    # Named as the intake knows the person (here: not yet), like their relayed words.
    assert forwarded.voice == OGG and forwarded.text.startswith(f"🎤 {case.reference} · Person: Sprachnachricht (0:02)")
    assert f"/cases/{case.id}" in forwarded.text
    with Database(harness.settings.app_database_url).session() as session:
        (kept,) = session.scalars(select(CaseVoice).where(CaseVoice.case_id == case.id)).all()
        assert (kept.audio, kept.mime_type, kept.duration_seconds) == (OGG, "audio/ogg", 2)
    assert not any("voice" in text for text in user_texts_in_rasa(harness, user))


def test_a_voice_message_that_is_no_audio_is_refused_kindly_and_the_team_told(harness: Harness) -> None:
    user = harness.user(language_code="de")
    user.say("/human")
    case = case_of(harness, user)

    replies = user.send_voice(b"<html>not audio</html>")
    assert texts(replies) == localise(response_catalog().get("voice_refused").text, "de")
    note = harness.telegram.wait_for_message(TEAM_CHATS["erstberatung"], f"🎤 {case.reference} · Person hat eine")
    assert "kein audio/ogg" in note.text and note.voice is None
    with Database(harness.settings.app_database_url).session() as session:
        assert session.scalars(select(CaseVoice).where(CaseVoice.case_id == case.id)).all() == []
        assert "kein audio/ogg" in session.scalars(select(CaseNote.text).where(CaseNote.case_id == case.id)).one()


def test_a_failed_download_is_tried_again_and_the_voice_still_arrives(harness: Harness) -> None:
    user = harness.user(language_code="tr")
    user.say("/human")
    case = case_of(harness, user)
    calls_before = len(harness.telegram.calls_of("getFile"))
    harness.telegram.fail("getFile", "502", times=2)

    message_id = user.write_voice(OGG, duration=2)
    wait_for_reaction(harness, message_id, timeout=40.0)  # the stored update, worked on a third time
    assert harness.telegram.wait_for_message(TEAM_CHATS["erstberatung"], f"🎤 {case.reference}").voice == OGG
    assert len(harness.telegram.calls_of("getFile")) - calls_before == 3


def test_delete_forgets_the_voice_and_takes_the_team_chats_copy_back(harness: Harness) -> None:
    user = harness.user(language_code="ru")
    user.say("/human")
    case = case_of(harness, user)
    message_id = user.write_voice(OGG)
    wait_for_reaction(harness, message_id)
    copy = harness.telegram.wait_for_message(TEAM_CHATS["erstberatung"], f"🎤 {case.reference}")

    user.say("/delete")
    deadline = time.monotonic() + 20.0
    while not any(call.get("message_id") == copy.message_id for call in harness.telegram.calls_of("deleteMessage")):
        assert time.monotonic() < deadline, "the voice message's copy in the team chat was not deleted"
        time.sleep(0.05)
    with Database(harness.settings.app_database_url).session() as session:
        assert session.scalars(select(CaseVoice).where(CaseVoice.conversation_id == case.conversation_id)).all() == []
