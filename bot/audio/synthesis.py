"""Offline speech synthesis: espeak-ng's speech encoded by opusenc as OGG/Opus, mono, the
format of Telegram's voice messages; and the disk cache that synthesises each prompt once."""
from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
from pathlib import Path

from bot.audio.voices import VOICES

WORDS_PER_MINUTE = 140  # espeak-ng's 175 is fast for someone listening in a second language
BITRATE_KBPS = 20  # plenty for synthetic speech; Telegram's own voice messages use about 32
TIMEOUT_SECONDS = 60


class SynthesisFailed(RuntimeError):
    pass


def synthesise(words: str, language: str) -> bytes:
    """`words` spoken in `language`'s voice, as OGG/Opus whose tags name the language and voice
    (LANGUAGE=…, VOICE=…). Blocking: call it off the event loop."""
    voice = VOICES[language]
    try:
        speech = subprocess.run(["espeak-ng", "-v", voice, "-s", str(WORDS_PER_MINUTE), "--stdin", "--stdout"],
                                input=words.encode("utf-8"), capture_output=True, check=True, timeout=TIMEOUT_SECONDS)
        encoded = subprocess.run(["opusenc", "--quiet", "--speech", "--bitrate", str(BITRATE_KBPS),
                                  "--comment", f"LANGUAGE={language}", "--comment", f"VOICE=espeak-ng {voice}",
                                  "-", "-"],
                                 input=speech.stdout, capture_output=True, check=True, timeout=TIMEOUT_SECONDS)
    except (OSError, subprocess.SubprocessError) as error:
        # The type only: the words may hold a person's name.
        raise SynthesisFailed(type(error).__name__) from error
    if not encoded.stdout.startswith(b"OggS"):
        raise SynthesisFailed("opusenc wrote no Ogg stream")
    return encoded.stdout


class SynthesisCache:
    """`<root>/<language>/<sha256 of voice and words>.ogg`, written atomically (a reader never
    sees half a file; two gateways writing the same prompt write the same thing)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, words: str, language: str) -> Path:
        digest = hashlib.sha256(f"{VOICES[language]}\n{words}".encode()).hexdigest()
        return self.root / language / f"{digest}.ogg"

    def get(self, words: str, language: str) -> bytes | None:
        try:
            return self.path(words, language).read_bytes()
        except FileNotFoundError:
            return None

    def put(self, words: str, language: str, audio: bytes) -> None:
        target = self.path(words, language)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".part")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(audio)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def synthesised(self, words: str, language: str) -> bytes:
        """From the cache, or synthesised now and kept."""
        audio = self.get(words, language)
        if audio is None:
            audio = synthesise(words, language)
            self.put(words, language, audio)
        return audio
