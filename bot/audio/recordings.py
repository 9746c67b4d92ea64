"""A district's own recordings: `<root>/<lang>/audio/<message name>.ogg`, next to it
`<message name>.txt` with the words that were recorded. A recording whose words are no longer
the message's (the text or its choices changed since) is outdated and not played."""
from __future__ import annotations

import enum
from pathlib import Path


def _lines(words: str) -> list[str]:
    # A .txt saved on Windows, or with a blank line at the end, still says the same words.
    return [line.strip() for line in words.splitlines() if line.strip()]


class State(enum.Enum):
    CURRENT = "current"
    OUTDATED = "outdated"
    MISSING = "missing"


class Recordings:
    def __init__(self, root: Path) -> None:
        self.root = root  # locales/ in the repository; a district may keep its own elsewhere

    def folder(self, language: str) -> Path:
        return self.root / language / "audio"

    def state(self, language: str, name: str, words: str) -> State:
        folder = self.folder(language)
        audio, recorded = folder / f"{name}.ogg", folder / f"{name}.txt"
        if not audio.is_file():
            return State.MISSING
        if not recorded.is_file() or _lines(recorded.read_text(encoding="utf-8")) != _lines(words):
            return State.OUTDATED
        return State.CURRENT

    def find(self, language: str, name: str, words: str) -> bytes | None:
        """The recording of message `name` if it says `words`."""
        if self.state(language, name, words) is not State.CURRENT:
            return None
        return (self.folder(language) / f"{name}.ogg").read_bytes()

    def recorded(self, language: str) -> set[str]:
        """Names of the messages with a recording file (current or not)."""
        return {path.stem for path in self.folder(language).glob("*.ogg")}
