"""Questions read aloud (bot/audio/): synthesis as OGG/Opus in the language's voice, the cache
that makes each prompt once and never keeps a person's values, the district's recordings first
(outdated ones not), the 🔊 button's data, and the /listen choice forgotten with the person."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.audio import Speaker, synthesis
from bot.audio.listening import AlwaysAudio, chosen_always, listen_button, listened_language
from bot.audio.prompts import prompt_name, prompts, script
from bot.audio.voices import VOICES, missing_voices
from bot.config import PROJECT_ROOT
from bot.db import Database
from bot.db.last_seen import LastSeen
from bot.deployment import load_deployment
from bot.i18n import localise
from bot.privacy import forget_person
from bot.telegram.keyboards import inline_keyboard, stored_payloads
from tests.unit.privacy_helpers import make_settings

QUESTION = "What is your first name?"


def opus_tags(audio: bytes) -> bytes:
    """The OpusTags packet (in the second Ogg page of a file opusenc wrote)."""
    assert audio.startswith(b"OggS") and b"OpusHead" in audio[:200]
    return audio[audio.index(b"OpusTags"):][:400]


def test_synthesis_is_ogg_opus_in_the_languages_voice() -> None:
    arabic = synthesis.synthesise(localise(QUESTION, "ar"), "ar")
    german = synthesis.synthesise(localise(QUESTION, "ar"), "de")
    assert len(arabic) > 1000 and b"LANGUAGE=ar" in opus_tags(arabic) and b"VOICE=espeak-ng ar" in opus_tags(arabic)
    assert b"LANGUAGE=de" in opus_tags(german)
    # The same words in another voice are other sounds, not only other tags.
    assert arabic[arabic.index(b"OpusTags") + 300:] != german[german.index(b"OpusTags") + 300:]


def test_every_voice_is_installed() -> None:
    assert missing_voices() == {}
    assert not {"ps", "ckb", "ti", "so"} & set(VOICES)


def test_a_prompt_is_synthesised_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = synthesis.synthesise

    def counted(words: str, language: str) -> bytes:
        calls.append(language)
        return real(words, language)

    monkeypatch.setattr(synthesis, "synthesise", counted)
    speaker = Speaker(tmp_path / "cache", tmp_path / "locales")
    first = speaker.audio("de", localise(QUESTION, "de"))
    assert speaker.audio("de", localise(QUESTION, "de")) == first and calls == ["de"]
    assert [p.name for p in (tmp_path / "cache" / "de").iterdir()] == [
        speaker.cache.path(script(localise(QUESTION, "de")), "de").name]


def test_a_text_with_the_persons_values_is_spoken_but_never_kept(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.audio.speaker as speaker_module

    monkeypatch.setattr(speaker_module, "synthesise", lambda words, language: b"OggS" + words.encode())
    speaker = Speaker(tmp_path / "cache", tmp_path / "locales")
    text = localise("Welcome back, {first_name}! We stopped at this question. Shall we go on, or start again?",
                    "en", first_name="Zubeida")
    assert prompt_name("en", text) is None
    assert b"Zubeida" in (speaker.audio("en", text) or b"")
    assert not (tmp_path / "cache").exists()


def record(root: Path, language: str, name: str, words: str, audio: bytes = b"OggS recorded") -> None:
    folder = root / language / "audio"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.ogg").write_bytes(audio)
    (folder / f"{name}.txt").write_text(words + "\r\n", encoding="utf-8")  # as saved on Windows


def test_a_current_recording_comes_first_an_outdated_one_falls_back(tmp_path: Path) -> None:
    speaker = Speaker(tmp_path / "cache", tmp_path / "locales")
    text = localise(QUESTION, "fa")
    record(tmp_path / "locales", "fa", "ask_first_name", script(text))
    assert speaker.audio("fa", text) == b"OggS recorded"
    record(tmp_path / "locales", "fa", "ask_first_name", "an older wording")
    assert b"LANGUAGE=fa" in opus_tags(speaker.audio("fa", text) or b"")


def test_a_language_without_a_voice_is_heard_only_where_recorded(tmp_path: Path) -> None:
    speaker = Speaker(tmp_path / "cache", tmp_path / "locales")
    text, other = localise(QUESTION, "ti"), localise("In which town or municipality do you live?", "ti")
    assert not speaker.can_speak("ti", text) and speaker.audio("ti", text) is None
    record(tmp_path / "locales", "ti", "ask_first_name", script(text))
    assert speaker.can_speak("ti", text) and speaker.audio("ti", text) == b"OggS recorded"
    assert not speaker.can_speak("ti", other)


def test_choices_are_read_after_the_question_without_bidi_marks() -> None:
    text = localise("Your case {reference} is closed.", "ar", reference="K-1")
    assert "\u2068" in text and "\u2068" not in script(text, ["نعم", "لا"])
    assert script("Do you agree?", ["Yes, I agree", "No"]) == "Do you agree?\nYes, I agree\nNo"


def test_every_prompt_of_every_language_has_words() -> None:
    deployment = load_deployment(PROJECT_ROOT / "config" / "deployment.yml")
    for language in ("de", "ti"):
        listed = list(prompts(language, deployment))
        assert len(listed) > 100 and all(p.script for p in listed)
        assert "ask_first_name" in {p.name for p in listed}


def test_the_listen_button_carries_its_data_and_sits_alone_below_the_answers() -> None:
    buttons = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}, listen_button("ar")]
    keyboard = inline_keyboard("telegram:1", buttons).inline_keyboard
    assert [[b.text for b in row] for row in keyboard] == [["Yes", "No"], ["🔊"]]
    assert keyboard[1][0].callback_data == "listen:ar" and listened_language("listen:ar") == "ar"
    assert stored_payloads(buttons) == ["/affirm", "/deny"] and listened_language("p:abc") is None
    assert chosen_always('/listen_always{"on": true}') and not chosen_always('/listen_always{"on": false}')
    assert not chosen_always("/listen_always{broken")


def test_always_audio_is_forgotten_with_the_person(tmp_path: Path, database_url: str) -> None:
    settings = make_settings(tmp_path, database_url)
    database = Database(settings.app_database_url)
    LastSeen(database).touch("telegram:5", "telegram")
    always = AlwaysAudio(database)
    always.set("telegram:5", True)
    assert always.get("telegram:5")
    forget_person(settings, "telegram:5", "person")
    assert not always.get("telegram:5")


def test_without_espeak_ng_no_message_offers_a_voice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.audio import voices

    monkeypatch.setattr(voices, "tools_installed", lambda: False)
    speaker = Speaker(tmp_path / "cache", tmp_path / "locales")
    assert not speaker.can_speak("de", localise(QUESTION, "de")) and speaker.audio("de", QUESTION) is None
