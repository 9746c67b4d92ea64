"""Facts derived from an intake record on the evaluation day.

Conventions (see docs/eligibility.md):
- Partial dates ("YYYY", "YYYY-MM") become a range of possible days; every derived
  number is then a (low, high) range and a criterion decides only when the whole
  range gives the same answer.
- Age follows §§ 187 Abs. 2, 188 Abs. 2 BGB: a year of life is completed at the end
  of the day before the birthday, so the new age counts from the birthday itself.
  Someone born on 29 February completes the year at the end of 28 February in
  non-leap years and is one year older from 1 March.
- "n months since d" follows §§ 187 Abs. 1, 188 Abs. 2/3 BGB: the day of the event
  does not count, the period ends at the end of the day with the same number n months
  later (or the last day of that month), so n months are complete from the next day.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from typing import Any

from .labour import LabourAccess, labour_access
from .model import STATUS_CODES, STATUS_UNKNOWN
from .tables import ReferenceTable

MISSING, PERSON_UNKNOWN, INVALID, EXACT, PARTIAL = "missing", "unknown", "invalid", "exact", "partial"

DateRange = tuple[date, date]
_DAYS_IN_MONTH = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
IntRange = tuple[int, int]


def parse_partial_date(value: Any) -> tuple[str, DateRange | None]:
    """Return (state, (earliest, latest)) for "YYYY-MM-DD", "YYYY-MM" or "YYYY"."""
    if value is None:
        return MISSING, None
    if isinstance(value, date):
        return EXACT, (value, value)
    if not isinstance(value, str):
        return INVALID, None
    text = value.strip()
    if text.lower() == STATUS_UNKNOWN:
        return PERSON_UNKNOWN, None
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return EXACT, (day, day)
        if len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit():
            year, month = int(text[:4]), int(text[5:])
            return PARTIAL, (date(year, month, 1), date(year, month, days_in_month(year, month)))
        if len(text) == 4 and text.isdigit():
            year = int(text)
            return PARTIAL, (date(year, 1, 1), date(year, 12, 31))
    except (ValueError, IndexError):
        pass
    return INVALID, None


def age_on(birth: date, day: date) -> int:
    """Completed years of life on `day` (29 Feb: birthday is 1 Mar in non-leap years)."""
    years = day.year - birth.year
    if birth.month == 2 and birth.day == 29 and not calendar.isleap(day.year):
        birthday = (3, 1)
    else:
        birthday = (birth.month, birth.day)
    if (day.month, day.day) < birthday:
        years -= 1
    return years


def days_in_month(year: int, month: int) -> int:
    if month == 2:
        return 29 if calendar.isleap(year) else 28
    return _DAYS_IN_MONTH[month]


def months_since(start: date, day: date) -> int:
    """Whole months completed between the event day `start` and `day` (>= 0)."""
    months = (day.year - start.year) * 12 + day.month - start.month
    end_day = min(start.day, days_in_month(day.year, day.month))
    # The n-th month ends at the end of the same day number n months later (or that
    # month's last day, § 188 Abs. 3 BGB); it is complete only after that day.
    if end_day >= day.day:
        months -= 1
    return max(months, 0)


@dataclass(frozen=True, slots=True)
class Facts:
    as_of: date
    birth_state: str
    age: IntRange | None
    status: str | None          # a status code, "unknown", "invalid" or None (not asked)
    status_inferred: bool       # status taken from an EU/EEA/Swiss nationality
    nationality: str | None     # ISO alpha-2 (upper case) or "stateless"; None when not usable
    nationality_state: str
    ags: str | None
    ags_state: str
    in_reception_facility: bool | None
    arrival_state: str
    months_since_arrival: IntRange | None
    months_since_application: IntRange | None
    labour: LabourAccess


def _age_range(state: str, days: DateRange | None, as_of: date) -> tuple[str, IntRange | None]:
    if days is None:
        return state, None
    earliest, latest = days
    if earliest > as_of:
        return INVALID, None  # born after the evaluation day
    return state, (age_on(min(latest, as_of), as_of), age_on(earliest, as_of))


def _months_range(state: str, days: DateRange | None, as_of: date) -> tuple[str, IntRange | None]:
    if days is None:
        return state, None
    earliest, latest = days
    if earliest > as_of:
        return INVALID, None  # a date in the future cannot be right
    return state, (months_since(min(latest, as_of), as_of), months_since(earliest, as_of))


def _code(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _nationality(value: Any) -> tuple[str, str | None]:
    code = _code(value)
    if code is None:
        return (MISSING if value is None else INVALID), None
    if code.lower() == STATUS_UNKNOWN:
        return PERSON_UNKNOWN, None
    if code.lower() == "stateless":
        return EXACT, "stateless"
    if len(code) == 2 and code.isalpha():
        return EXACT, code.upper()
    return INVALID, None


def _ags(value: Any) -> tuple[str, str | None]:
    if value is None:
        return MISSING, None
    if not isinstance(value, dict):
        return INVALID, None
    ags = value.get("ags")
    if ags is None:
        return MISSING, None
    if isinstance(ags, str) and ags.isdigit() and len(ags) in (2, 5, 8):
        return EXACT, ags
    return INVALID, None


def _status(value: Any) -> str | None:
    code = _code(value)
    if code is None:
        return None if value is None else "invalid"
    return code if code in STATUS_CODES or code == STATUS_UNKNOWN else "invalid"


def _yes_no(value: Any) -> str | None:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value if value in ("yes", "no", "unknown") else None


def derive_facts(profile: dict, as_of: date, safe_countries: ReferenceTable,
                 free_movement: ReferenceTable) -> Facts:
    get = profile.get if isinstance(profile, dict) else {}.get
    birth_state, birth = parse_partial_date(get("birth_date"))
    birth_state, age = _age_range(birth_state, birth, as_of)
    arrival_state, arrival = parse_partial_date(get("arrival_date"))
    arrival_state, arrival_months = _months_range(arrival_state, arrival, as_of)
    app_state, application = parse_partial_date(get("asylum_application_date"))
    _, app_months = _months_range(app_state, application, as_of)
    if app_months is None:
        application = None
    nat_state, nationality = _nationality(get("nationality"))
    ags_state, ags = _ags(get("municipality"))
    reception = get("in_reception_facility")
    reception = reception if isinstance(reception, bool) else None
    status = _status(get("residence_status"))
    # EU/EEA/Swiss citizens have free movement by law, so their status is known anyway.
    inferred = (status in (None, STATUS_UNKNOWN) and nationality is not None
                and free_movement.entry(nationality, as_of) is not None)
    if inferred:
        status = "eu_citizen"
    employment = _yes_no(get("employment_permitted"))
    labour = labour_access(
        status=status, nationality=nationality, employment_permitted=employment,
        in_reception_facility=reception, months_since_arrival=arrival_months,
        application=application, months_since_application=app_months,
        as_of=as_of, safe_countries=safe_countries)
    return Facts(as_of, birth_state, age, status, inferred, nationality, nat_state, ags, ags_state,
                 reception, arrival_state, arrival_months, app_months, labour)
