"""Which espeak-ng voice speaks which of Lotse's languages: the one place this is written down.

Debian's espeak-ng 1.51 has no voice for Pashto (ps), Sorani (ckb), Tigrinya (ti) or Somali
(so): for them only a district's recordings can be heard (docs/audio.md).
"""
from __future__ import annotations

import shutil
import subprocess
from functools import cache

VOICES: dict[str, str] = {
    "ar": "ar",
    "de": "de",
    "en": "en-gb",
    "fa": "fa",
    "fr": "fr-fr",
    "ku": "ku",  # Kurmanji, as Lotse's "ku"
    "ru": "ru",
    "tr": "tr",
    "uk": "uk",
}


@cache
def tools_installed() -> bool:
    """espeak-ng and opusenc are here (make audio-tools); without them nothing is synthesised."""
    return shutil.which("espeak-ng") is not None and shutil.which("opusenc") is not None


def has_voice(language: str) -> bool:
    """Whether messages in `language` can be synthesised here (recordings aside)."""
    return language in VOICES and tools_installed()


def installed_voices() -> set[str]:
    """The language codes of the voices espeak-ng has here (empty when it is not installed)."""
    try:
        listing = subprocess.run(["espeak-ng", "--voices"], capture_output=True, text=True, check=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return set()
    # Columns: Pty Language Age/Gender VoiceName File Other Languages; the first line is the header.
    return {line.split()[1] for line in listing.stdout.splitlines()[1:] if len(line.split()) > 1}


def missing_voices() -> dict[str, str]:
    """Languages whose voice in VOICES espeak-ng does not have here: language → voice."""
    installed = installed_voices()
    return {language: voice for language, voice in VOICES.items() if voice not in installed}
