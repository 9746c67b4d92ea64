"""The audio of one message in one language: the district's recording when there is a current
one, else synthesised (cached when the text is a catalog prompt), else none."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bot.audio.prompts import prompt_name, script
from bot.audio.recordings import Recordings, State
from bot.audio.synthesis import SynthesisCache, synthesise
from bot.audio.voices import has_voice


class Speaker:
    def __init__(self, cache_dir: Path, recordings_dir: Path) -> None:
        self.cache = SynthesisCache(cache_dir)
        self.recordings = Recordings(recordings_dir)

    def can_speak(self, language: str, text: str, choices: Sequence[str] = ()) -> bool:
        """Whether a 🔊 under this message would play something."""
        if has_voice(language):
            return bool(script(text, choices))
        name = prompt_name(language, text)
        return name is not None and self.recordings.state(language, name, script(text, choices)) is State.CURRENT

    def audio(self, language: str, text: str, choices: Sequence[str] = ()) -> bytes | None:
        """OGG/Opus of the message and its choices; None when nothing can say it. Blocking."""
        words = script(text, choices)
        if not words:
            return None
        name = prompt_name(language, text)
        if name is not None and (recording := self.recordings.find(language, name, words)) is not None:
            return recording
        if not has_voice(language):
            return None
        if name is None:
            # The person's values are in the text: spoken for them, never kept on disk.
            return synthesise(words, language)
        return self.cache.synthesised(words, language)
