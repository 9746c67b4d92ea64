"""The crisis lexicons compiled ahead (bot/safety/lexicon.py, `compile_all`): afterwards no
message waits for a pattern to compile, and every message matches as it does when the patterns
are compiled one by one as messages come."""
from __future__ import annotations

import pytest

from bot.safety import lexicon
from bot.safety.normalize import normalize
from tests.unit.test_safety import CRISES, LOOKALIKES

TEXTS = [normalize(text) for _, _, text in CRISES] + [normalize(text) for _, text in LOOKALIKES]


def test_compiled_ahead_no_message_compiles_and_all_match_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    one_by_one = lexicon.compiled_lexicons.__wrapped__()
    expected = [list(one_by_one.matches(text)) for text in TEXTS]
    ahead = lexicon.compiled_lexicons.__wrapped__()
    ahead.compile_all()

    def no_compiling(patterns: list[tuple[str, str]]) -> None:
        raise AssertionError("a pattern was compiled while a message was read")

    monkeypatch.setattr(lexicon, "_alternation", no_compiling)
    assert [list(ahead.matches(text)) for text in TEXTS] == expected
    assert any(expected)
