"""The per-intake figures the dashboard counts, and keeping the `intake_stats` table in step.

Reading every intake's JSON on each page view is too slow at 100,000 intakes, so each intake's
countable facts are derived once into a narrow row and re-derived when the intake changes
(its `updated_at` moves: answers, completion, eligibility, handoff and case state all touch it).
"""
from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError

from bot.db import Database, Intake, IntakeStats
from bot.intake.consent import counted_in_statistics

# The intake's questions in the order they are asked (actions/questions.py FORM_SLOTS), as the
# record fields they leave behind. Copied rather than imported: that module loads the whole
# message catalogue. Slots that only refine another field (birth_date_exact, residence_kind,
# qualification_recognised, contact_*) are folded into it; consent is implied by the intake.
QUESTION_ORDER = (
    "language", "first_name", "birth_date", "gender", "nationality", "municipality", "in_reception_facility",
    "residence_status", "employment_permitted", "arrival_date", "languages", "german_level", "school_years",
    "school_certificate", "vocational_qualification", "work_experience", "goal", "childcare_needed", "contact",
)
AGE_GROUPS = ("<18", "18-27", "28-44", "45+", "unknown")
OUTCOME_RANK = {"eligible": 3, "needs_review": 2, "not_eligible": 1}
_CHUNK = 2000
_SOURCE = (Intake.id, Intake.updated_at, Intake.created_at, Intake.status, Intake.language, Intake.first_name,
           Intake.birth_date, Intake.residence_status, Intake.municipality_ags, Intake.answers, Intake.consent)
# The row of an intake the person did not allow to be counted: it carries no facts, and the
# report leaves it out. It exists so that refresh() stays incremental (one row per intake).
NOT_COUNTED = "not_counted"


def age_at(birth_date: str | None, stated_age: Any, on: datetime.date) -> int | None:
    """Age on the intake's day: a full birth date wins, then the age the person stated, then the year."""
    if birth_date and len(birth_date) == 10 and birth_date[4] == "-":
        born = datetime.date.fromisoformat(birth_date)
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    if isinstance(stated_age, int):
        return stated_age
    if birth_date and len(birth_date) == 4 and birth_date.isdigit():
        return on.year - int(birth_date)
    return None


def age_group(age: int | None) -> str:
    if age is None or age < 0:
        return "unknown"
    if age < 18:
        return "<18"
    return "18-27" if age <= 27 else "28-44" if age <= 44 else "45+"


def last_question(record: dict[str, Any]) -> str:
    answered = [name for name in QUESTION_ORDER if record.get(name) not in (None, "")]
    return answered[-1] if answered else "consent"


def facts_of(intake: Any) -> dict[str, Any]:
    """The `intake_stats` row of an intake (a row with the `_SOURCE` columns)."""
    if not counted_in_statistics(intake.consent):
        return {"intake_id": intake.id, "source_updated_at": intake.updated_at, "created_on": intake.created_at.date(),
                "status": NOT_COUNTED, "language": None, "municipality_ags": None, "gender": None,
                "age_group": "unknown", "outcome": None, "eligible_programmes": None, "last_question": None}
    answers = intake.answers or {}
    record = {**answers, "language": intake.language, "first_name": intake.first_name,
              "birth_date": intake.birth_date, "residence_status": intake.residence_status,
              "municipality": intake.municipality_ags}
    programmes = ((answers.get("eligibility") or {}).get("programmes")) or []
    outcomes = [p.get("outcome") for p in programmes if p.get("outcome") in OUTCOME_RANK]
    eligible = [p["id"] for p in programmes if p.get("outcome") == "eligible"]
    created = intake.created_at
    return {
        "intake_id": intake.id, "source_updated_at": intake.updated_at, "created_on": created.date(),
        "status": intake.status, "language": intake.language, "municipality_ags": intake.municipality_ags,
        "gender": answers.get("gender"),
        "age_group": age_group(age_at(intake.birth_date, answers.get("stated_age"), created.date())),
        "outcome": max(outcomes, key=OUTCOME_RANK.__getitem__) if outcomes else None,
        "eligible_programmes": f"|{'|'.join(eligible)}|" if eligible else None,
        "last_question": last_question(record) if intake.status == "started" else None,
    }


def refresh(database: Database) -> int:
    """Re-derive the rows of new and changed intakes; returns how many were written."""
    with database.session() as session:
        stale = (select(*_SOURCE).outerjoin(IntakeStats, IntakeStats.intake_id == Intake.id)
                 .where(or_(IntakeStats.intake_id.is_(None), IntakeStats.source_updated_at != Intake.updated_at)))
        intakes = session.scalar(select(func.count()).select_from(Intake))
        derived = session.scalar(select(func.count()).select_from(IntakeStats))
        newest = session.scalar(select(func.max(IntakeStats.source_updated_at)))
        if intakes == derived and newest is not None:
            # Nothing missing: only intakes changed since the newest derived row (index on updated_at).
            stale = stale.where(Intake.updated_at >= newest)
        rows = [facts_of(intake) for intake in session.execute(stale)]
    for start in range(0, len(rows), _CHUNK):
        _write(database, rows[start:start + _CHUNK])
    return len(rows)


def _write(database: Database, rows: Iterable[dict[str, Any]]) -> None:
    rows = list(rows)
    try:
        with database.session() as session:
            session.execute(delete(IntakeStats).where(IntakeStats.intake_id.in_([r["intake_id"] for r in rows])))
            session.connection().execute(IntakeStats.__table__.insert(), rows)
    except IntegrityError:
        pass  # a concurrent page view wrote the same rows (or the intake was just deleted)
