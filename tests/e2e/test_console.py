"""`lotse chat`: the same conversation in a terminal, against the same Rasa and action server."""
from __future__ import annotations

import asyncio
import builtins
from collections.abc import Iterator

import pytest

from bot.console import chat
from bot.conversation import Conversations
from bot.db import Database
from bot.rasa_client import RasaClient
from tests.e2e.conftest import Harness


def test_console_chat_numbers_buttons_and_reads_answers(harness: Harness, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    lines: Iterator[str] = iter(["2", "1", "1", "   ", "Lena", "abc", "17.04.2001"])

    def typed(prompt: str = "") -> str:
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None

    monkeypatch.setattr(builtins, "input", typed)

    async def session() -> None:
        rasa = RasaClient(harness.settings.rasa_url, harness.settings.rasa_token)
        try:
            database = Database(harness.settings.app_database_url)
            await chat(Conversations(harness.settings, rasa, database), language_code="en")
        finally:
            await rasa.close()

    asyncio.run(session())
    out = capsys.readouterr().out
    assert "[1] Deutsch" in out and "[2] English" in out  # buttons become numbers
    assert "Do you agree?" in out  # "2" chose English
    assert "may I count your intake in our statistics?" in out  # "1" agreed
    assert "What is your first name?" in out  # "1" allowed the statistics
    assert "did not receive any text" in out  # an empty line is answered, not sent on
    assert "could not read this date" in out
    assert "What is your gender?" in out
