"""From the conversation's slot values to intake-record fields (intake-record.md)."""
from __future__ import annotations

from typing import Any

from bot.deployment import Deployment

# The value of a question that does not apply to the person (actions/questions.py).
SKIPPED = "n/a"
UNANSWERED = (None, SKIPPED)

# Slots whose value goes into the record unchanged, under the same name.
PLAIN_FIELDS = (
    "language", "first_name", "birth_date", "gender", "nationality", "residence_status",
    "employment_permitted", "arrival_date", "german_level", "goal", "work_experience",
)
_BOOLEANS = {"yes": True, "no": False, "unknown": "unknown"}


def _answered(slots: dict[str, Any], name: str) -> bool:
    return slots.get(name) not in UNANSWERED


def record_fields(slots: dict[str, Any], deployment: Deployment) -> dict[str, Any]:
    """The record fields that the given slots answer; unanswered ones are left out."""
    fields: dict[str, Any] = {name: slots[name] for name in PLAIN_FIELDS if _answered(slots, name)}
    ags = slots.get("municipality")
    if ags == "unknown":
        fields["municipality"] = "unknown"
    elif _answered(slots, "municipality"):
        municipality = deployment.municipality(slots["municipality"])
        fields["municipality"] = municipality.as_record() if municipality else {"ags": ags, "name": None}
    if slots.get("stated_age") is not None:
        fields["stated_age"] = int(slots["stated_age"])
    for name in ("in_reception_facility", "childcare_needed"):
        if _answered(slots, name):
            fields[name] = _BOOLEANS[slots[name]]
    if _answered(slots, "languages"):
        fields["languages"] = [{"code": code, "level": None} for code in slots["languages"]]
    if _answered(slots, "school_years"):
        years = slots["school_years"]
        fields["school_years"] = years if years == "unknown" else int(years)
    if _answered(slots, "school_certificate"):
        certificate = slots["school_certificate"]
        coded = certificate in ("none", "primary", "lower_secondary", "upper_secondary", "unknown")
        fields["school_certificate"] = {"code": certificate if coded else None, "text": None if coded else certificate}
    if _answered(slots, "vocational_qualification"):
        fields["vocational_qualification"] = {
            "text": slots["vocational_qualification"],
            "qualification_recognised": slots.get("qualification_recognised")
            if _answered(slots, "qualification_recognised") else None,
        }
    if _answered(slots, "contact_method"):
        fields["contact"] = {
            "method": slots["contact_method"],
            "phone": slots.get("phone") if _answered(slots, "phone") else None,
            "language": slots.get("contact_language") if _answered(slots, "contact_language") else None,
            "interpreter_needed": _BOOLEANS.get(slots.get("interpreter_needed") or ""),
            "times": slots.get("contact_time") if _answered(slots, "contact_time") else None,
        }
    return fields
