"""Throwaway PostgreSQL and Redis servers for the tests, from Debian's packages.

Each starts in a fresh temporary directory on a free loopback port and is stopped and removed
afterwards, so no test depends on a server already running (nor disturbs one). Missing binaries
skip the tests that need them on a developer's machine, and fail them in CI (`CI=true`):
`scripts/ensure-services` installs them.
"""
from __future__ import annotations

import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import psycopg
import pytest

from tests.e2e.fake_telegram import free_port

START_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0
PG_SUPERUSER = "lotse"
# initdb and postgres refuse to run as root: as root (CI, containers) they run as this user,
# which Debian's postgresql package creates, else as nobody.
PG_UNPRIVILEGED_USERS = ("postgres", "nobody")
_database_numbers = itertools.count(1)


def postgres_bin_dir() -> Path | None:
    """Where initdb, postgres and pg_isready are: Debian's versioned directory (the newest), else
    the directory `postgres` on PATH really lives in (links on PATH may name only some of them)."""
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"),
                      key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    if versions:
        return versions[-1].parent
    on_path = shutil.which("postgres")
    return Path(on_path).resolve().parent if on_path else None


def redis_binary() -> Path | None:
    found = shutil.which("redis-server") or ("/usr/bin/redis-server" if os.access("/usr/bin/redis-server", os.X_OK) else None)
    return Path(found) if found else None


def require(found: Path | None, package: str) -> Path:
    """The binary, or a skip (a developer's machine) or failure (CI) that says what to install."""
    if found is not None:
        return found
    message = f"{package} is not installed: scripts/ensure-services (make services) installs it"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@dataclass
class Server:
    """A server process in its own temporary directory."""

    name: str
    process: subprocess.Popen[bytes]
    directory: Path
    port: int
    log: Path
    logfile: IO[bytes]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # PostgreSQL: fast shutdown; Redis: shutdown
            try:
                self.process.wait(STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.logfile.close()
        shutil.rmtree(self.directory, ignore_errors=True)

    def wait_until(self, ready: Callable[[], bool]) -> None:
        """Until `ready()`; a server that does not get there is stopped and removed, never left over."""
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        try:
            while not ready():
                if self.process.poll() is not None or time.monotonic() > deadline:
                    tail = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
                    raise RuntimeError(f"{self.name} did not start on port {self.port}:\n{tail}")
                time.sleep(0.05)
        except BaseException:
            self.stop()
            raise


def _unprivileged() -> pwd.struct_passwd | None:
    """The user to run PostgreSQL as; None: as ourselves (we are not root)."""
    if os.geteuid() != 0:
        return None
    for name in PG_UNPRIVILEGED_USERS:
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError(f"running as root, and none of the users {PG_UNPRIVILEGED_USERS} exists to run PostgreSQL")


def _run_as(user: pwd.struct_passwd | None) -> dict[str, Any]:
    return {} if user is None else {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


class PostgresServer:
    def __init__(self, server: Server) -> None:
        self.server = server

    @property
    def port(self) -> int:
        return self.server.port

    def url(self, database: str = "postgres", driver: str = "postgresql+psycopg") -> str:
        return f"{driver}://{PG_SUPERUSER}@127.0.0.1:{self.port}/{database}"

    @contextmanager
    def fresh_database(self) -> Iterator[str]:
        """An empty database of its own for one test, dropped afterwards (connections the test
        left open included); its URL."""
        name = f"test_{next(_database_numbers)}"
        with psycopg.connect(self.url(driver="postgresql"), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        try:
            yield self.url(name)
        finally:
            with psycopg.connect(self.url(driver="postgresql"), autocommit=True) as connection:
                connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')

    def stop(self) -> None:
        self.server.stop()


def start_postgres(bin_dir: Path) -> PostgresServer:
    """initdb into a temporary directory and start postgres on a free port, durability off
    (a test database need not survive a power cut)."""
    user = _unprivileged()
    directory = Path(tempfile.mkdtemp(prefix="lotse-postgres-"))
    if user is not None:
        os.chown(directory, user.pw_uid, user.pw_gid)
    data, log = directory / "data", directory / "postgres.log"
    initdb = subprocess.run([str(bin_dir / "initdb"), "-D", str(data), "-U", PG_SUPERUSER, "--auth=trust",
                             "--encoding=UTF8", "--locale=C", "--no-sync"], capture_output=True, cwd=directory, **_run_as(user))
    if initdb.returncode != 0:
        shutil.rmtree(directory, ignore_errors=True)
        raise RuntimeError(f"initdb failed:\n{initdb.stderr.decode(errors='replace')[-2000:]}")
    port = free_port()
    logfile = open(log, "wb")  # noqa: SIM115 - closed by Server.stop
    process = subprocess.Popen(
        [str(bin_dir / "postgres"), "-D", str(data), "-k", str(directory), "-p", str(port),
         "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
         "-c", "full_page_writes=off", "-c", "max_connections=200"],
        stdout=logfile, stderr=subprocess.STDOUT, cwd=directory, **_run_as(user))
    server = Server("PostgreSQL", process, directory, port, log, logfile)
    isready = [str(bin_dir / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(port), "-U", PG_SUPERUSER, "-t", "1"]
    server.wait_until(lambda: subprocess.run(isready).returncode == 0)
    return PostgresServer(server)


def _redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def start_redis(binary: Path) -> Server:
    """redis-server on a free port, in memory only (no RDB snapshots, no append-only file)."""
    directory = Path(tempfile.mkdtemp(prefix="lotse-redis-"))
    port, log = free_port(), directory / "redis.log"
    logfile = open(log, "wb")  # noqa: SIM115 - closed by Server.stop
    process = subprocess.Popen(
        [str(binary), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(directory), "--daemonize", "no"],
        stdout=logfile, stderr=subprocess.STDOUT, cwd=directory)
    server = Server("Redis", process, directory, port, log, logfile)
    server.wait_until(lambda: _redis_answers(port))
    return server
