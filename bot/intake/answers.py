"""From the conversation's slot values to intake-record fields (intake-record.md)."""
from __future__ import annotations

import datetime
from typing import Any

from bot.deployment import Deployment

CONSENT_VERSION = "2026-11-v1"

# Slots whose value goes into the record unchanged, under the same name.
PLAIN_FIELDS = ("language", "first_name", "birth_date", "residence_status")


def consent_record(answer: str | None, given_at: datetime.datetime) -> dict[str, Any] | None:
    if answer != "yes":
        return None
    # The consent text covers storing the answers and showing them to the integration team;
    # statistics use only anonymous counts and were not asked separately.
    return {
        "processing": True,
        "sharing": True,
        "statistics": False,
        "version": CONSENT_VERSION,
        "given_at": given_at.isoformat(),
    }


def record_fields(slots: dict[str, Any], deployment: Deployment) -> dict[str, Any]:
    """The record fields that the given slots answer; unanswered ones are left out."""
    fields: dict[str, Any] = {name: slots[name] for name in PLAIN_FIELDS if slots.get(name) is not None}
    ags = slots.get("municipality")
    if ags:
        municipality = deployment.municipality(ags)
        fields["municipality"] = municipality.as_record() if municipality else {"ags": ags, "name": None}
    if slots.get("stated_age") is not None:
        fields["stated_age"] = slots["stated_age"]
    return fields
