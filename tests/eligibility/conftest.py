"""Shared fixtures: the real rules, loaded once."""
from __future__ import annotations

import pytest

from bot.eligibility import load_rules


@pytest.fixture(scope="session")
def rules():
    return load_rules()
