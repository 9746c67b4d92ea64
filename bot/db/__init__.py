"""The application database: SQLAlchemy 2 models, sessions, and Alembic migrations."""
from __future__ import annotations

from bot.db.models import (
    AuditEntry,
    Base,
    CallbackPayload,
    Case,
    CaseMessage,
    CaseNote,
    CaseVoice,
    Conversation,
    CrisisAlert,
    InboundUpdate,
    Intake,
    IntakeStats,
    LoginAttempt,
    OutboxClaim,
    OutboxMessage,
    Reminder,
    Staff,
    StaffNotice,
    StaffSession,
)
from bot.db.session import Database, migrate

__all__ = [
    "AuditEntry", "Base", "CallbackPayload", "Case", "CaseMessage", "CaseNote", "CaseVoice", "Conversation",
    "CrisisAlert", "Database", "InboundUpdate", "Intake", "IntakeStats", "LoginAttempt", "OutboxClaim", "OutboxMessage",
    "Reminder", "Staff", "StaffNotice", "StaffSession", "migrate",
]
