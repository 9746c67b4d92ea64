"""The application database: SQLAlchemy 2 models, sessions, and Alembic migrations."""
from __future__ import annotations

from bot.db.models import Base, CallbackPayload, Conversation, Intake
from bot.db.session import Database, migrate

__all__ = ["Base", "CallbackPayload", "Conversation", "Database", "Intake", "migrate"]
