"""Progress on the console: one updating line on a terminal, plain lines elsewhere (CI logs)."""
from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressLine:
    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self._last_plain = 0.0

    def __call__(self, message: str) -> None:
        if self.tty:
            self.stream.write(f"\r\033[K  {message}")
            self.stream.flush()
        elif time.monotonic() - self._last_plain > 10:  # a line every 10 s is enough in a log
            self.stream.write(f"  {message}\n")
            self._last_plain = time.monotonic()

    def step(self, message: str) -> None:
        """A finished step, on its own line."""
        if self.tty:
            self.stream.write("\r\033[K")
        self.stream.write(f"✓ {message}\n")
        self.stream.flush()
