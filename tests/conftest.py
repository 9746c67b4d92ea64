"""Fixtures for every test directory: throwaway PostgreSQL and Redis servers (tests/services.py),
started once per session when a test asks for them, and the application database on each engine."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.services import PostgresServer, Server, postgres_bin_dir, redis_binary, require, start_postgres, start_redis


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = start_postgres(require(postgres_bin_dir(), "PostgreSQL (Debian package postgresql)"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[Server]:
    server = start_redis(require(redis_binary(), "Redis (Debian package redis-server)"))
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty application database for one test, once on each engine Lotse supports."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'app.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    with server.fresh_database() as url:
        yield url
