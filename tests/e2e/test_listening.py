"""Questions read aloud through the whole stack: 🔊 under a question sends it as a voice message
(OGG/Opus, in the language's voice) and leaves the answers pressable; no 🔊 in a language
without a voice; a district's recording comes before synthesis; /listen and "read every
message" follow each message with its voice."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.audio.prompts import prompts
from bot.deployment import load_deployment
from tests.e2e.conftest import Harness, running_stack
from tests.e2e.fake_telegram import BotMessage

LISTEN = "🔊"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    tmp = tmp_path_factory.mktemp("listening")
    with running_stack(tmp, recordings_dir=tmp / "recordings") as harness:
        yield harness


def listen_data(message: BotMessage) -> str | None:
    return next((b["callback_data"] for b in message.buttons if b["text"] == LISTEN), None)


def titles(message: BotMessage) -> list[str]:
    return [b["text"] for b in message.buttons]


def assert_voice(message: BotMessage, language: str) -> None:
    audio = message.voice
    assert audio is not None and len(audio) > 1000, "no voice message"
    assert audio.startswith(b"OggS") and b"OpusHead" in audio[:200]
    assert f"LANGUAGE={language}".encode() in audio[:1000]


def test_the_listen_button_reads_the_question_aloud_and_the_answers_stay(stack: Harness) -> None:
    user = stack.user(language_code="ar")
    question = user.say("مرحبا")[-1]
    assert LISTEN in titles(question) and titles(question)[-1] == LISTEN  # below the answers
    data = listen_data(question)
    assert data == "listen:ar"
    edits_before = len(stack.telegram.calls_of("editMessageText"))
    voice = user.press_data(question, data)
    assert len(voice) == 1
    assert_voice(voice[0], "ar")
    assert len(stack.telegram.calls_of("editMessageText")) == edits_before  # the answers were not taken away
    consent = user.press("العربية", [question])[-1]
    assert listen_data(consent) == "listen:ar" and len(titles(consent)) == 3


def test_no_listen_button_in_a_language_without_a_voice(stack: Harness) -> None:
    for code in ("ti", "ps"):
        user = stack.user(language_code=code)
        replies = user.say("hello")
        assert replies and all(LISTEN not in titles(m) for m in replies)
        listen = user.say("/listen")
        assert all(LISTEN not in titles(m) and m.voice is None for m in listen)
        assert "/human" in listen[-1].text


def test_a_districts_recording_comes_before_synthesis(stack: Harness) -> None:
    deployment = load_deployment(stack.settings.deployment_file)
    words = next(p.script for p in prompts("de", deployment) if p.name == "ask_consent")
    folder = Path(stack.settings.recordings_dir) / "de" / "audio"
    folder.mkdir(parents=True, exist_ok=True)
    recording = b"OggS" + b"\x00" * 20 + b"OpusHead recorded by a native speaker" + b"\x00" * 2000
    (folder / "ask_consent.ogg").write_bytes(recording)
    (folder / "ask_consent.txt").write_text(words + "\n", encoding="utf-8")
    user = stack.user(language_code="de")
    consent = user.press("Deutsch", user.say("Hallo"))[-1]
    assert "Ja, einverstanden" in titles(consent)
    voice = user.press_data(consent, listen_data(consent) or "")
    assert voice[0].voice == recording


def test_listen_reads_the_question_and_every_message_once_asked(stack: Harness) -> None:
    user = stack.user(language_code="en")
    user.press("Yes, I agree", user.press("English", user.say("hi")))
    replies = user.say("/listen")
    texts = [m for m in replies if m.voice is None]
    voices = [m for m in replies if m.voice is not None]
    assert "Read every message to me" in titles(texts[0]) and len(voices) == len(texts)
    assert [m.voice is None for m in replies] == [True, False] * len(texts)  # each message, then its voice
    for voice in voices:
        assert_voice(voice, "en")
    replies = user.press("Read every message to me", replies)
    assert "From now on I read every message" in replies[0].text and replies[1].voice is not None
    replies = user.press("Yes, count it", replies + texts)
    assert [m.voice is None for m in replies] == [True, False] * (len(replies) // 2)
    replies = user.say("/listen")
    replies = user.press("Stop reading every message", replies)
    assert all(m.voice is None for m in replies)
