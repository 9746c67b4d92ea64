"""Children cannot consent alone: below the deployment's age (16 in Germany, Art. 8 GDPR) a
parent or guardian has to agree, so the intake ends and nothing is kept."""
from __future__ import annotations

import datetime
from typing import Any

from bot.deployment import Deployment
from bot.eligibility.derived import age_on


def highest_possible_age(slots: dict[str, Any], today: datetime.date) -> int | None:
    """The oldest the person can be by their answer: a full date of birth, a stated age, or
    (when only the year is known) the age they reach this year. None when unknown."""
    birth = slots.get("birth_date")
    if isinstance(birth, str) and len(birth) == 10:
        return age_on(datetime.date.fromisoformat(birth), today)
    stated = slots.get("stated_age")
    if isinstance(stated, (int, float)):
        return int(stated)
    if isinstance(birth, str) and len(birth) == 4 and birth.isdigit():
        return today.year - int(birth)
    return None


def too_young(slots: dict[str, Any], today: datetime.date, deployment: Deployment) -> bool:
    """Whether the answers show, for certain, a person too young to consent alone.

    Only the year known and the birthday perhaps still to come: not certain, the intake goes on
    and the team checks it (stopping a 16-year-old wrongly would shut them out).
    """
    age = highest_possible_age(slots, today)
    return age is not None and age < deployment.own_consent_min_age
