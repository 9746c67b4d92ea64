"""Shared fixtures: the real catalog, loaded once."""
from __future__ import annotations

import pytest

from bot.eligibility import load_catalog


@pytest.fixture(scope="session")
def catalog():
    return load_catalog()
