"""Engine and short-lived sessions, one per unit of work; migrations with Alembic."""
from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event
from sqlalchemy.engine import CursorResult, Engine, ExceptionContext, Result, make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any, synchronous: str = "FULL") -> None:
    # WAL lets the gateway and the action server read while the other writes.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    # FULL: a commit waits until it is on the disk. NORMAL: it survives a crash of the process and
    # waits for no disk write; a crash of the machine may roll back the last ones (Database).
    cursor.execute(f"PRAGMA synchronous={synchronous}")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Deleted rows are overwritten, not just unlinked: a forgotten person cannot be read back
    # from free pages of the file.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _without_row_values(context: ExceptionContext) -> None:
    """PostgreSQL's errors quote the failing row ("DETAIL: Failing row contains (…)", "Key (…)=(…)")
    and, for bad input, the value itself: an error's text keeps only its code and, unless the
    code is a data exception (class 22), the primary message, which names columns and
    constraints, never values. SQLite's messages never had values in them."""
    error = context.original_exception
    diag = getattr(error, "diag", None)
    if diag is None or not diag.sqlstate:
        return
    primary = "" if diag.sqlstate.startswith("22") else f" {diag.message_primary or ''}"
    error.args = (f"SQLSTATE {diag.sqlstate}{primary}",)
    if context.sqlalchemy_exception is not None:  # its text was made from the driver's before we got here
        kind = type(error)
        context.sqlalchemy_exception.args = (f"({kind.__module__}.{kind.__name__}) {error.args[0]}",)


def make_engine(url: str, synchronous: str = "FULL") -> Engine:
    # hide_parameters: an error's message never carries the values (people's answers) it was given.
    # A pre-ping finds a server connection that was dropped; an SQLite file has none to drop, and
    # the ping was a query per unit of work.
    sqlite = make_url(url).get_backend_name() == "sqlite"
    engine = create_engine(url, future=True, pool_pre_ping=not sqlite, hide_parameters=True)
    if sqlite:
        event.listen(engine, "connect", functools.partial(_sqlite_pragmas, synchronous=synchronous))
    if engine.dialect.name == "postgresql":
        event.listen(engine, "handle_error", _without_row_values)
    return engine


class Database:
    """Sessions on one database.

    On SQLite, a process with many small writes per turn (the gateway) passes
    `commits_wait_for_disk=False`: its commits then cost no disk wait (a dozen per turn, all queued
    for the file's one write lock), and a crash of the machine may roll back the last of them:
    work that is done again. What nobody could give us again (a message Telegram is then told to
    forget) is written with `session(durable=True)`, which waits for the disk, and so makes
    everything committed before it durable too (decision 12).
    """

    def __init__(self, url: str, *, commits_wait_for_disk: bool = True) -> None:
        self.url = url
        self.engine = make_engine(url, synchronous="FULL" if commits_wait_for_disk else "NORMAL")
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._durable_sessions = self._sessions
        if not commits_wait_for_disk and self.engine.dialect.name == "sqlite":
            self._durable_sessions = sessionmaker(make_engine(url), expire_on_commit=False)

    @contextmanager
    def session(self, durable: bool = False) -> Iterator[Session]:
        with (self._durable_sessions if durable else self._sessions).begin() as session:
            yield session


def rows_affected(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE run through `Session.execute` touched (0 if the driver cannot tell).

    The session types its result as a plain `Result`; for these statements it is a `CursorResult`."""
    return cast("CursorResult[Any]", result).rowcount or 0


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str) -> None:
    """Bring the database to the newest schema."""
    command.upgrade(alembic_config(url), "head")
