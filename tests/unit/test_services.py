"""The throwaway servers the database tests use: they answer, and leave nothing behind."""
from __future__ import annotations

import socket
import subprocess

import pytest

from tests.services import PostgresServer, Server, postgres_bin_dir, redis_binary, require, start_postgres, start_redis


def _accepts(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_postgres_answers_sql(postgres_server: PostgresServer) -> None:
    psql = require(postgres_bin_dir(), "PostgreSQL") / "psql"
    result = subprocess.run([str(psql), postgres_server.url(driver="postgresql"), "-tAc", "SHOW fsync"],
                            capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "off"


def test_redis_answers_ping(redis_server: Server) -> None:
    with socket.create_connection(("127.0.0.1", redis_server.port)) as sock:
        sock.sendall(b"PING\r\n")
        assert sock.recv(16) == b"+PONG\r\n"


def test_stopped_servers_leave_no_process_port_or_directory() -> None:
    postgres = start_postgres(require(postgres_bin_dir(), "PostgreSQL"))
    redis = start_redis(require(redis_binary(), "Redis"))
    for server in (postgres.server, redis):
        server.stop()
        assert server.process.poll() is not None
        assert not _accepts(server.port)
        assert not server.directory.exists()


def test_missing_servers_skip_here_and_fail_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="ensure-services"):
        require(None, "Redis")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="ensure-services"):
        require(None, "Redis")
