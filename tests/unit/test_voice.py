"""A person's voice message for the team: the limits and type checks, the download (retried
while attempts remain, then a note for the team), keeping it with the case and forwarding it."""
from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select, update
from telegram import Audio
from telegram import Voice as TelegramVoice
from telegram.error import NetworkError

from bot.conversation import Conversations, Person
from bot.db import Case, CaseNote, CaseVoice, Database
from bot.deployment import load_deployment
from bot.handoff.cases import CaseDesk
from bot.handoff.outbox import Outbox
from bot.handoff.packet import Packet
from bot.handoff.voice import Voice, VoiceDesk, VoiceRefused, check_audio, check_declared
from bot.i18n import localise
from bot.messages import response_catalog
from bot.rasa_client import RasaClient, Reply
from bot.telegram.inbound import MAX_FAILED_ATTEMPTS, attempts_before
from bot.telegram.voice import download_voice
from tests.unit.fake_rasa import FakeRasa
from tests.unit.privacy_helpers import STAFF_CHAT, make_settings

OGG = (Path(__file__).parent.parent / "fixtures" / "voice.ogg").read_bytes()
MB = 1024 * 1024


def test_the_fixture_is_a_small_ogg_opus_file() -> None:
    assert OGG.startswith(b"OggS") and b"OpusHead" in OGG[:64] and len(OGG) < 8 * 1024


def test_declared_type_and_size_are_checked_before_the_download() -> None:
    assert check_declared(None, 3000, MB) == "audio/ogg"  # a voice message without a type is OGG/Opus
    assert check_declared("audio/mpeg", 3000, MB) == "audio/mpeg"
    with pytest.raises(VoiceRefused, match="zu groß: 2,0 MB, höchstens 1,0 MB"):
        check_declared("audio/ogg", 2 * MB, MB)
    with pytest.raises(VoiceRefused, match="Format video/mp4"):
        check_declared("video/mp4", 3000, MB)


def test_the_bytes_must_be_what_was_declared_and_within_the_limit() -> None:
    assert check_audio(Voice(OGG, "audio/ogg", 1), MB).audio == OGG
    assert check_audio(Voice(b"ID3\x04" + bytes(20), "audio/mpeg", 1), MB)
    assert check_audio(Voice(b"\x00\x00\x00\x20ftypM4A " + bytes(20), "audio/mp4", 1), MB)
    with pytest.raises(VoiceRefused, match="kein audio/ogg"):
        check_audio(Voice(b"<html>not audio</html>", "audio/ogg", 1), MB)
    with pytest.raises(VoiceRefused, match="zu groß"):
        check_audio(Voice(OGG, "audio/ogg", 1), len(OGG) - 1)


class FakeBot:
    """getFile and the download, failing the first `failures` times."""

    def __init__(self, content: bytes, failures: int = 0, file_size: int | None = None) -> None:
        self.content, self.failures, self.file_size = content, failures, file_size
        self.downloads = 0

    async def get_file(self, file_id: str) -> Any:
        async def download() -> bytearray:
            self.downloads += 1
            if self.failures:
                self.failures -= 1
                raise NetworkError("connection reset")
            return bytearray(self.content)
        return SimpleNamespace(file_size=self.file_size, download_as_bytearray=download)


def _voice_message(mime_type: str | None = "audio/ogg", file_size: int | None = None) -> Any:
    voice = TelegramVoice("f1", "u1", 3, mime_type=mime_type, file_size=file_size)
    return SimpleNamespace(voice=voice, audio=None)


def _download(bot: FakeBot, message: Any, attempts: int = 0, max_bytes: int = MB) -> Voice:
    async def run() -> Voice:
        attempts_before.set(attempts)
        return await download_voice(bot, message, max_bytes)
    return asyncio.run(run())


def test_a_voice_message_is_downloaded_and_checked() -> None:
    voice = _download(FakeBot(OGG), _voice_message())
    assert (voice.audio, voice.mime_type, voice.duration_seconds) == (OGG, "audio/ogg", 3)
    audio = SimpleNamespace(voice=None, audio=Audio("f2", "u2", 65, mime_type="audio/mpeg"))
    assert _download(FakeBot(b"ID3" + bytes(30)), audio).duration_seconds == 65


def test_too_large_is_refused_without_downloading() -> None:
    bot = FakeBot(OGG)
    with pytest.raises(VoiceRefused, match="zu groß"):
        _download(bot, _voice_message(file_size=11 * MB), max_bytes=10 * MB)
    with pytest.raises(VoiceRefused, match="zu groß"):  # the size getFile tells
        _download(FakeBot(OGG, file_size=11 * MB), _voice_message(), max_bytes=10 * MB)
    assert bot.downloads == 0


def test_a_failed_download_is_tried_again_and_at_the_last_attempt_the_team_is_told() -> None:
    with pytest.raises(NetworkError):  # the stored update is worked on again (bot/telegram/inbound.py)
        _download(FakeBot(OGG, failures=1), _voice_message(), attempts=0)
    with pytest.raises(VoiceRefused, match="nach mehreren Versuchen"):
        _download(FakeBot(OGG, failures=1), _voice_message(), attempts=MAX_FAILED_ATTEMPTS - 1)


def test_a_kept_voice_message_goes_to_the_case_and_the_team_chat(tmp_path: Path, database_url: str) -> None:
    settings = make_settings(tmp_path, database_url)
    database = Database(settings.app_database_url)
    deployment = load_deployment(settings.deployment_file)
    desk = CaseDesk(database, deployment, settings.web_url)
    opened = desk.open_case(conversation_id="telegram:42", channel="telegram", reason="requested", language="ar",
                            first_name="Amal", municipality_ags=None, team=deployment.team("t"),
                            packet_for=lambda ref: Packet(f"Übergabe {ref}", ref, 30, []))
    case = desk.open_case_of("telegram:42")
    assert case is not None and case.relay_open and case.conversation_id == "telegram:42"
    voices = VoiceDesk(database, settings.web_url)
    voices.keep(case, Voice(OGG, "audio/ogg", 75))
    voices.refused(case, "zu groß: 12,0 MB, höchstens 10,0 MB")

    with database.session() as session:
        (row,) = session.scalars(select(CaseVoice)).all()
        assert (row.case_id, row.mime_type, row.size_bytes, row.duration_seconds, row.audio) == (
            opened.id, "audio/ogg", len(OGG), 75, OGG)
        (note,) = session.scalars(select(CaseNote)).all()
        assert note.author == "lotse" and "12,0 MB" in note.text
    to_team = [m for m in Outbox(database).due() if m.chat_id == STAFF_CHAT]
    voice = next(m for m in to_team if m.voice)
    assert voice.document == OGG and voice.text.startswith(f"🎤 {opened.reference} · Amal: Sprachnachricht (1:15)")
    assert voice.is_staff_notice  # remembered when sent, so forgetting the person deletes it
    assert any("nicht annehmen" in m.text for m in to_team if not m.voice)


def test_after_a_hand_back_the_voice_still_reaches_the_team_and_the_person_is_told(
        tmp_path: Path, database_url: str) -> None:
    rasa = FakeRasa()
    rasa.start()
    try:
        settings = make_settings(tmp_path, database_url, rasa_url=rasa.url)
        rasa.slots = {"language": "fr"}
        database = Database(settings.app_database_url)
        deployment = load_deployment(settings.deployment_file)
        opened = CaseDesk(database, deployment, settings.web_url).open_case(
            conversation_id="telegram:43", channel="telegram", reason="requested", language="fr", first_name=None,
            municipality_ags=None, team=deployment.team("t"), packet_for=lambda ref: Packet(ref, ref, 30, []))
        with database.session() as session:  # handed back to the bot, the case still open
            session.execute(update(Case).where(Case.id == opened.id).values(relay_open=False))

        async def turn() -> list[Reply]:
            client = RasaClient(rasa.url)
            try:
                async def fetch() -> Voice:
                    return Voice(OGG, "audio/ogg", 2)
                conversations = Conversations(settings, client, Database(settings.app_database_url))
                return await conversations.voice(Person("telegram:43", "telegram", "fr"), fetch)
            finally:
                await client.close()

        reaction, told = asyncio.run(turn())
    finally:
        rasa.stop()
    assert reaction.reaction == "✍"
    assert told.text == localise(response_catalog().get("voice_passed_to_team").text, "fr")
    with database.session() as session:
        assert session.scalars(select(CaseVoice.case_id)).all() == [opened.id]
