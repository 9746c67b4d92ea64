"""Understanding free-text answers: numbers, dates, names, places, statuses.

Pure functions, no I/O: the form validation in actions/ calls them, tests call them directly.
Each parser returns a value or raises `AnswerError` with a code naming what was wrong, so the
person can be told precisely and asked again.
"""
from __future__ import annotations


class AnswerError(ValueError):
    """An answer that could not be understood or is not plausible; `code` names the problem."""

    def __init__(self, code: str, **details: object) -> None:
        super().__init__(code)
        self.code = code
        self.details = details
