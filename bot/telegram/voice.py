"""Downloading a person's voice message through the Bot API (getFile, then the file itself),
within the size limit and of a type checked twice: as declared, and by the bytes' own start."""
from __future__ import annotations

from telegram import Audio, Bot, Message
from telegram import Voice as TelegramVoice
from telegram.error import TelegramError

from bot.handoff.voice import Voice, VoiceRefused, check_audio, check_declared
from bot.telegram.durations import seconds_of
from bot.telegram.inbound import MAX_FAILED_ATTEMPTS, attempts_before


def _seconds(medium: TelegramVoice | Audio) -> int | None:
    duration = seconds_of(medium, "duration")
    return None if duration is None else int(duration)


async def download_voice(bot: Bot, message: Message, max_bytes: int) -> Voice:
    """The message's voice (or audio file), checked. Raises VoiceRefused for one the team cannot
    get; a failed download raises TelegramError, so that the stored update is tried again (the
    message is not lost), until the last attempt, which tells the team instead."""
    medium = message.voice or message.audio
    if medium is None:
        raise VoiceRefused("keine Audiodatei")
    kind = check_declared(medium.mime_type, medium.file_size, max_bytes)
    try:
        file = await bot.get_file(medium.file_id)
        check_declared(kind, file.file_size, max_bytes)  # getFile may know the size when the message did not
        audio = bytes(await file.download_as_bytearray())
    except TelegramError:
        if attempts_before.get() + 1 < MAX_FAILED_ATTEMPTS:
            raise
        raise VoiceRefused("Telegram gab die Datei auch nach mehreren Versuchen nicht heraus") from None
    return check_audio(Voice(audio, kind, _seconds(medium)), max_bytes)
