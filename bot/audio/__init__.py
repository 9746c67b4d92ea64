"""Questions read aloud (issue 16, decision 20): a district's recordings first, else offline
speech synthesis with espeak-ng, encoded as OGG/Opus for Telegram's voice messages."""
from __future__ import annotations

from bot.audio.speaker import Speaker
from bot.audio.voices import VOICES, has_voice

__all__ = ["VOICES", "Speaker", "has_voice"]
