"""The foundation path, end to end: Telegram user → gateway → Rasa → actions → stored intake."""
from __future__ import annotations

import re

from tests.e2e.conftest import Harness
from tests.e2e.fake_telegram import BotMessage, TelegramUser


def texts(replies: list[BotMessage]) -> str:
    return "\n".join(m.text for m in replies)


def titles(replies: list[BotMessage]) -> list[str]:
    return [b["text"] for m in replies for b in m.buttons]


def test_german_intake_by_buttons(harness: Harness) -> None:
    user = harness.user(language_code="de", first_name="Amina")
    replies = user.say("/start")
    # The first message greets in the client's language, with each language named in itself.
    assert "Welche Sprache" in texts(replies)
    assert {"Deutsch", "English", "العربية", "فارسی", "Türkçe", "Українська"} <= set(titles(replies))

    replies = user.press("Deutsch", replies)
    assert "einverstanden" in texts(replies)
    replies = user.press("Ja, einverstanden", replies)
    assert "Vorname" in texts(replies)
    replies = user.say("Amina")
    assert "geboren" in texts(replies)
    replies = user.say("17.04.2001")
    assert "wohnst du" in texts(replies)
    assert "Moers" in titles(replies)
    replies = user.press("Moers", replies)
    assert "Aufenthaltspapier" in texts(replies)
    replies = user.press("Duldung", replies)
    assert "Danke, Amina" in texts(replies)

    intake = harness.intake_of(user)
    assert intake is not None
    assert intake["status"] == "completed"
    assert intake["language"] == "de"
    assert intake["first_name"] == "Amina"
    assert intake["birth_date"] == "2001-04-17"
    assert intake["municipality"] == {"ags": "05170024", "name": "Moers"}
    assert intake["residence_status"] == "duldung"
    assert intake["consent"]["processing"] is True
    assert intake["channel"] == "telegram"
    # Every button press was answered, and the pressed keyboard was replaced by the choice.
    assert len(harness.telegram.calls_of("answerCallbackQuery")) >= 4
    assert any(m.edited and "✓ Moers" in m.text for m in harness.telegram.messages_to(user.user_id))


def test_english_intake_in_free_text(harness: Harness) -> None:
    user = harness.user(language_code="en", first_name="John")
    replies = user.say("hello")
    assert "Which language" in texts(replies)
    replies = user.say("English please")
    assert "Do you agree?" in texts(replies)
    replies = user.say("yes, I agree")
    assert "first name" in texts(replies)
    replies = user.say("My name is John")
    assert "born" in texts(replies)
    replies = user.say("I was born on 3 March 1999")
    assert "live" in texts(replies)
    replies = user.say("I live in Kamp Lintfort")
    assert "residence document" in texts(replies)
    replies = user.say("I have an Aufenthaltsgestattung")
    assert "Thank you, John" in texts(replies)

    intake = harness.intake_of(user)
    assert intake is not None
    assert (intake["language"], intake["first_name"], intake["birth_date"]) == ("en", "John", "1999-03-03")
    assert intake["municipality"] == {"ags": "05170020", "name": "Kamp-Lintfort"}
    assert intake["residence_status"] == "gestattung"
    assert intake["status"] == "completed"


def reach_birth_date_question(user: TelegramUser) -> list[BotMessage]:
    replies = user.say("hi")
    replies = user.press("English", replies)
    replies = user.press("Yes, I agree", replies)
    replies = user.say("Sara")
    assert "When were you born?" in texts(replies)
    return replies


def test_bad_input_is_explained_and_asked_again(harness: Harness) -> None:
    user = harness.user(language_code="en")
    reach_birth_date_question(user)

    replies = user.say("abc")
    assert "could not read this date" in texts(replies)
    assert "When were you born?" in texts(replies)
    replies = user.say("01.01.2090")
    assert "in the future" in texts(replies)
    # The second failure in a row explains why we ask, then asks again.
    assert "Many programmes are for certain ages" in texts(replies)
    replies = user.say("130")
    assert "too long ago" in texts(replies)
    replies = user.say("x" * 5000)
    assert "very long" in texts(replies)
    assert "When were you born?" in texts(replies)

    replies = user.send_sticker()
    assert "only read text and buttons" in texts(replies)
    assert "When were you born?" in texts(replies)
    replies = user.send_location()
    assert "only read text and buttons" in texts(replies)

    # A button payload the bot never sent.
    replies = user.press_data(replies[-1], "p:forged-payload")
    assert "earlier question" in texts(replies)
    assert "When were you born?" in texts(replies)

    replies = user.say("2001")
    assert "live" in texts(replies)
    replies = user.say("Berlin")
    assert 'do not know the place "Berlin"' in texts(replies)
    assert "Wesel" in titles(replies)

    intake = harness.intake_of(user)
    # Nothing already given was lost along the way.
    assert intake is not None and intake["first_name"] == "Sara" and intake["birth_date"] == "2001"
    assert intake["status"] == "started"


def test_language_switch_keeps_answers_and_question(harness: Harness) -> None:
    user = harness.user(language_code="en")
    reach_birth_date_question(user)
    replies = user.say("/language")
    assert "Which language" in texts(replies)
    replies = user.press("Deutsch", replies)
    assert "Wann bist du geboren?" in texts(replies)
    intake = harness.intake_of(user)
    assert intake is not None and intake["first_name"] == "Sara" and intake["language"] == "de"


def test_declined_consent_stores_nothing(harness: Harness) -> None:
    user = harness.user(language_code="en")
    replies = user.say("hi")
    replies = user.press("English", replies)
    replies = user.press("No", replies)
    assert "not stored anything" in texts(replies)
    assert harness.intake_of(user) is None


def test_conversation_resumes_after_every_process_restarts(harness: Harness) -> None:
    user = harness.user(language_code="en")
    reach_birth_date_question(user)
    harness.restart()
    replies = user.say("17/4/2001")
    assert "In which town" in texts(replies)
    replies = user.press("Wesel", replies)
    assert "residence document" in texts(replies)
    intake = harness.intake_of(user)
    assert intake is not None
    assert (intake["first_name"], intake["birth_date"]) == ("Sara", "2001-04-17")
    assert intake["municipality"]["name"] == "Wesel"


def test_typing_is_shown_and_token_never_logged(harness: Harness) -> None:
    assert harness.telegram.calls_of("sendChatAction"), "no typing indicator was sent"
    token = harness.telegram.token
    for log in harness.stack.log_dir.glob("*.log"):
        assert token not in log.read_text(errors="replace"), f"bot token leaked into {log.name}"
        assert not re.search(r"My name is John", log.read_text(errors="replace")), f"message text in {log.name}"
