"""Saving intakes as they are answered, and reading them back as intake records."""
from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from bot.db import Database, Intake
from bot.db.models import utcnow
from bot.intake.consent import OPTIONAL_PURPOSES, merged

# Record fields that have their own column; everything else goes into `answers`.
_COLUMNS = {"language", "first_name", "birth_date", "residence_status"}


def _iso(value: datetime.datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite returns naive datetimes; we only ever store UTC.
        value = value.replace(tzinfo=datetime.UTC)
    return value.isoformat().replace("+00:00", "Z")


class IntakeStore:
    def __init__(self, database: Database) -> None:
        self.database = database

    def save_answers(self, conversation_id: str, channel: str, fields: dict[str, Any],
                     consent: dict[str, Any] | None) -> None:
        """Create or update the intake of a conversation with the fields answered so far, and
        the person's consent (bot/intake/consent.py).

        Nothing is stored before the person has consented to processing (`consent` is None).
        """
        if consent is None or not consent.get("processing"):
            return
        with self.database.session() as session:
            intake = session.scalar(select(Intake).where(Intake.conversation_id == conversation_id))
            if intake is None:
                intake = Intake(conversation_id=conversation_id, channel=channel, answers={})
                session.add(intake)
            intake.consent = merged(intake.consent, consent)
            answers = dict(intake.answers or {})
            for name, value in fields.items():
                if name in _COLUMNS:
                    setattr(intake, name, value)
                elif name == "municipality":
                    intake.municipality_ags, intake.municipality_name = value["ags"], value["name"]
                else:
                    answers[name] = value
            intake.answers = answers

    def set_consent_choice(self, conversation_id: str, purpose: str, allowed: bool) -> bool:
        """Change one optional consent (statistics, sharing); False if nothing is stored."""
        if purpose not in OPTIONAL_PURPOSES:
            raise ValueError(f"not an optional purpose: {purpose}")
        with self.database.session() as session:
            intake = session.scalar(select(Intake).where(Intake.conversation_id == conversation_id))
            if intake is None or not intake.consent:
                return False
            # A new dict: SQLAlchemy notices a replaced JSON value, not one changed in place.
            intake.consent = {**intake.consent, purpose: allowed, "changed_at": utcnow().isoformat()}
            return True

    def complete(self, conversation_id: str) -> dict[str, Any] | None:
        """Mark the intake completed (once) and return its record; None if there is none."""
        with self.database.session() as session:
            intake = session.scalar(select(Intake).where(Intake.conversation_id == conversation_id))
            if intake is None:
                return None
            if intake.status == "started":
                intake.status = "completed"
                intake.completed_at = utcnow()
            return to_record(intake)

    def save_eligibility(self, conversation_id: str, result: dict[str, Any]) -> None:
        with self.database.session() as session:
            intake = session.scalar(select(Intake).where(Intake.conversation_id == conversation_id))
            if intake is not None:
                intake.answers = {**(intake.answers or {}), "eligibility": result}

    def delete(self, conversation_id: str) -> bool:
        with self.database.session() as session:
            intake = session.scalar(select(Intake).where(Intake.conversation_id == conversation_id))
            if intake is None:
                return False
            session.delete(intake)
            return True

    def get(self, conversation_id: str) -> dict[str, Any] | None:
        with self.database.session() as session:
            intake = session.scalar(select(Intake).where(Intake.conversation_id == conversation_id))
            return to_record(intake) if intake else None

    def records(self) -> Iterator[dict[str, Any]]:
        with self.database.session() as session:
            for intake in session.scalars(select(Intake).order_by(Intake.created_at)):
                yield to_record(intake)


def to_record(intake: Intake) -> dict[str, Any]:
    """The intake in the interchange format of intake-record.md."""
    record: dict[str, Any] = {
        "id": intake.id,
        "channel": intake.channel,
        "language": intake.language,
        "status": intake.status,
        "created_at": _iso(intake.created_at),
        "completed_at": _iso(intake.completed_at),
        "consent": intake.consent,
        "first_name": intake.first_name,
        "birth_date": intake.birth_date,
        "residence_status": intake.residence_status,
        "municipality": {"ags": intake.municipality_ags, "name": intake.municipality_name}
        if intake.municipality_ags
        else None,
    }
    record.update(intake.answers or {})
    return record
