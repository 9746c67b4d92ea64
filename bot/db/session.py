"""Engine and short-lived sessions, one per unit of work; migrations with Alembic."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, ExceptionContext
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # WAL lets the gateway and the action server read while the other writes.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
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


def make_engine(url: str) -> Engine:
    # hide_parameters: an error's message never carries the values (people's answers) it was given.
    engine = create_engine(url, future=True, pool_pre_ping=True, hide_parameters=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if engine.dialect.name == "postgresql":
        event.listen(engine, "handle_error", _without_row_values)
    return engine


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str) -> None:
    """Bring the database to the newest schema."""
    command.upgrade(alembic_config(url), "head")
