"""Tables of the application database.

Columns carry the fields that screening, routing and statistics filter on; the rest of the
intake record (intake-record.md) lives in `answers`, so adding a question needs no migration.
"""
from __future__ import annotations

import datetime
import uuid
from typing import Any

from sqlalchemy import JSON, DateTime, Index, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Intake(Base):
    __tablename__ = "intakes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    # Rasa's sender id; links the intake to its conversation without exposing a Telegram id.
    conversation_id: Mapped[str] = mapped_column(String(128), unique=True)
    channel: Mapped[str] = mapped_column(String(32))
    language: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(32), default="started")
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    completed_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True))
    consent: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    first_name: Mapped[str | None] = mapped_column(String(64))
    birth_date: Mapped[str | None] = mapped_column(String(10))
    municipality_ags: Mapped[str | None] = mapped_column(String(8))
    municipality_name: Mapped[str | None] = mapped_column(String(128))
    residence_status: Mapped[str | None] = mapped_column(String(40))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (Index("ix_intakes_status_created", "status", "created_at"),)


class CallbackPayload(Base):
    """Button payloads behind Telegram's 64-byte callback_data: the button carries only the id."""

    __tablename__ = "callback_payloads"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Conversation(Base):
    """A person's chat with Lotse on one channel: where to reach them, and when they last wrote."""

    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)  # Rasa's sender id
    channel: Mapped[str] = mapped_column(String(32))
    last_seen_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
