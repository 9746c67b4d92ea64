"""Voice messages from the person to the team: checked, kept with the case, forwarded to the
team's chat, and deleted with the case (bot/privacy/deletion.py).

The bot itself cannot listen (decision 21); the download from Telegram is the gateway's
(bot/telegram/voice.py). Staff-facing texts are German.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.db import CaseNote, CaseVoice, Database
from bot.handoff.cases import RelayCase, case_link
from bot.handoff.outbox import enqueue, enqueue_voice

NOTE_AUTHOR = "lotse"  # a case note the bot wrote, not a person of the team


def _is_mpeg(head: bytes) -> bool:
    return head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)


# What a browser's <audio> plays and Telegram's sendVoice takes, by the type the sender
# declared, and how the bytes must begin to be that (a declared type alone proves nothing).
AUDIO_TYPES: dict[str, Callable[[bytes], bool]] = {
    "audio/ogg": lambda head: head.startswith(b"OggS"),
    "audio/opus": lambda head: head.startswith(b"OggS"),
    "audio/mpeg": _is_mpeg,
    "audio/mp3": _is_mpeg,
    "audio/mp4": lambda head: head[4:8] == b"ftyp",
    "audio/m4a": lambda head: head[4:8] == b"ftyp",
    "audio/x-m4a": lambda head: head[4:8] == b"ftyp",
}
VOICE_TYPE = "audio/ogg"  # a Telegram voice message without a declared type is OGG/Opus


class VoiceRefused(Exception):
    """A voice message the team cannot get: `reason` says why, in German, for staff."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Voice:
    audio: bytes
    mime_type: str
    duration_seconds: int | None


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".replace(".", ",") + " MB"


def check_declared(mime_type: str | None, size: int | None, max_bytes: int) -> str:
    """The type to keep the message as, if what Telegram says about it allows a download at all."""
    kind = (mime_type or VOICE_TYPE).split(";")[0].strip().lower()
    if kind not in AUDIO_TYPES:
        raise VoiceRefused(f"Format {kind[:32]} wird nicht angenommen")
    if size is not None and size > max_bytes:
        raise VoiceRefused(f"zu groß: {_megabytes(size)}, höchstens {_megabytes(max_bytes)}")
    return kind


def check_audio(voice: Voice, max_bytes: int) -> Voice:
    """The downloaded bytes: not larger than allowed, and of the type declared."""
    if len(voice.audio) > max_bytes:
        raise VoiceRefused(f"zu groß: {_megabytes(len(voice.audio))}, höchstens {_megabytes(max_bytes)}")
    if not AUDIO_TYPES[voice.mime_type](voice.audio[:16]):
        raise VoiceRefused(f"der Inhalt ist kein {voice.mime_type}")
    return voice


def duration_label(seconds: int | None) -> str:
    return "" if seconds is None else f"{seconds // 60}:{seconds % 60:02d}"


class VoiceDesk:
    def __init__(self, database: Database, web_url: str) -> None:
        self.database = database
        self.web_url = web_url

    def keep(self, case: RelayCase, voice: Voice) -> int:
        """Keep the voice message with the case and send it on to the team's chat; its id."""
        with self.database.session() as session:
            row = CaseVoice(case_id=case.id, conversation_id=case.conversation_id, mime_type=voice.mime_type,
                            duration_seconds=voice.duration_seconds, size_bytes=len(voice.audio), audio=voice.audio)
            session.add(row)
            session.flush()
            if case.staff_chat_id:
                length = duration_label(voice.duration_seconds)
                # The team's copy is a staff notice: forgetting the person deletes it (Outbox.sent).
                enqueue_voice(session, case.staff_chat_id, voice.audio,
                              f"🎤 {case.reference} · {case.first_name or 'Person'}: Sprachnachricht"
                              f"{f' ({length})' if length else ''}\n{case_link(self.web_url, case.id)}",
                              conversation_id=case.conversation_id)
            return row.id

    def refused(self, case: RelayCase, reason: str) -> None:
        """The team learns that a voice message came which it cannot hear, and why."""
        text = (f"🎤 {case.reference} · {case.first_name or 'Person'} hat eine Sprachnachricht geschickt, die Lotse "
                f"nicht annehmen konnte ({reason}). Die Person wurde gebeten, kürzer zu sprechen oder zu schreiben.")
        with self.database.session() as session:
            session.add(CaseNote(case_id=case.id, author=NOTE_AUTHOR, text=text))
            if case.staff_chat_id:
                enqueue(session, case.staff_chat_id, f"{text}\n{case_link(self.web_url, case.id)}",
                        conversation_id=case.conversation_id)
