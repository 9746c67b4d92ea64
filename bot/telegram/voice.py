"""Downloading a person's voice message through the Bot API (getFile, then the file itself),
within the size limit and of a type checked twice: as declared, and by the bytes' own start."""
from __future__ import annotations

import datetime
import warnings

from telegram import Audio, Bot, Message
from telegram import Voice as TelegramVoice
from telegram.error import TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.handoff.voice import Voice, VoiceRefused, check_audio, check_declared
from bot.telegram.inbound import MAX_FAILED_ATTEMPTS, attempts_before


def _seconds(medium: TelegramVoice | Audio) -> int | None:
    with warnings.catch_warnings():  # PTB 22 warns that the int becomes a timedelta: both are fine here
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        duration = medium.duration
    if duration is None:
        return None
    return int(duration.total_seconds()) if isinstance(duration, datetime.timedelta) else int(duration)


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
