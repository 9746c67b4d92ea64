"""Person-facing sentences of the eligibility check (English msgids for gettext).

`N_` only marks a string for extraction (it is one of Babel's default keywords);
translation happens at render time in `localize_result`. Placeholders use
str.format names filled from a reason's `person_args`. Arguments whose name ends in
`_date` hold ISO dates and `country` holds an ISO 3166 code; both are rendered for
the locale when one is given.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date


def N_(message: str) -> str:
    return message


# Outcome of one programme or service; {programme} is its (translated) English name.
OUTCOME = {
    "eligible": N_("{programme} may fit your situation."),
    "not_eligible": N_("{programme} does not seem to fit your situation."),
    "needs_review": N_("A staff member will check whether {programme} fits your situation."),
}
REFERRAL = N_("You can also get help from: {programme}.")

REGION_MET = N_("This offer is available where you live.")
REGION_NOT_MET = N_("This offer is not available where you live.")
REGION_UNKNOWN = N_("We need to know where you live to check this offer.")

ROUND_MET = N_("This offer is running now.")
ROUND_NOT_STARTED = N_("This offer has not started yet.")
ROUND_ENDED = N_("This offer ended on {end_date}.")
ROUND_PAUSED = N_("This offer is not running at the moment.")
ROUND_UNCLEAR = N_("A staff member will check whether this offer is running now.")

AGE_MET_RANGE = N_("This offer is for people aged {min_age} to {max_age}, and your age fits.")
AGE_MET_MIN = N_("This offer is for people aged {min_age} or older, and your age fits.")
AGE_MET_MAX = N_("This offer is for people up to the age of {max_age}, and your age fits.")
AGE_TOO_YOUNG = N_("This offer is for people aged {min_age} or older.")
AGE_TOO_OLD = N_("This offer is for people up to the age of {max_age}.")
AGE_EXCEPTION = N_("Your age is outside the usual limits, but exceptions are possible. "
                   "A staff member will check.")
AGE_MISSING = N_("We need your date of birth to check the age limit.")
AGE_UNCLEAR = N_("We need your full date of birth to check the age limit.")

STATUS_MET = N_("This offer is open to people with your residence status.")
STATUS_NOT_MET = N_("This offer is not meant for people with your residence status.")
STATUS_REVIEW = N_("A staff member will check whether your residence status fits this offer.")
STATUS_MISSING = N_("We need to know your residence status to check this offer.")

NATIONALITY_MET = N_("This offer is open to people with your nationality.")
NATIONALITY_NOT_MET = N_("This offer is not open to citizens of this country: {country}.")
NATIONALITY_REVIEW = N_("A staff member will check whether your nationality fits this offer.")
NATIONALITY_MISSING = N_("We need to know your nationality to check this offer.")

PROSPECT_MET = N_("You have good chances of being allowed to stay in Germany. This fits the offer.")
PROSPECT_NOT_MET = N_("This offer is for people with good prospects of being allowed to stay.")
PROSPECT_REVIEW = N_("A staff member will check your prospects of being allowed to stay.")

FACILITY_MET = N_("You no longer live in a state reception centre, which fits this offer.")
FACILITY_NOT_MET = N_("This offer starts once you no longer live in a state reception centre.")
FACILITY_MISSING = N_("We need to know whether you still live in a reception centre.")

WORK_MET = N_("As far as we know, the work rules do not stop you from taking part.")
WORK_NOT_MET = N_("This offer is only for people who are allowed to work.")
WORK_WAITING = N_("You may not be allowed to work yet. A staff member will check.")
WORK_REVIEW = N_("A staff member will check whether you are allowed to work.")

MIGRATION_MET = N_("This offer is for people who have moved to Germany, which fits you.")
MIGRATION_REVIEW = N_("A staff member will check whether this offer is meant for you.")

MODULES_MET = N_("At least one part of this offer fits you.")
MODULES_NOT_MET = N_("None of the parts of this offer is available to you.")
MODULES_REVIEW = N_("A staff member will check which parts of this offer fit you.")
MODULE_OFFERED = N_("This part of the offer is available where you live.")
MODULE_NOT_OFFERED = N_("This part of the offer is not available where you live.")
MODULE_ENDED = N_("This part of the offer ended on {end_date}.")
MODULE_NOT_STARTED = N_("This part of the offer has not started yet.")
MODULE_RUNNING = N_("This part of the offer is running now.")

RULE_UNCLEAR = N_("The rules for this are not clear. A staff member will check.")


def _render_arg(name: str, value: object, locale: str | None) -> object:
    if locale is None:
        return value
    from babel import Locale
    from babel.dates import format_date

    if name.endswith("_date") and isinstance(value, str):
        return format_date(date.fromisoformat(value), format="long", locale=locale)
    if name == "country" and isinstance(value, str):
        return Locale.parse(locale).territories.get(value, value)
    return value


def _sentence(msgid: str, args: dict, translate: Callable[[str], str], locale: str | None) -> str:
    rendered = {k: _render_arg(k, v, locale) for k, v in args.items()}
    return translate(msgid).format(**rendered)


def _lines_for(entry: dict, translate: Callable[[str], str], locale: str | None,
               all_reasons: bool) -> Iterable[str]:
    name = translate(entry["names"]["en"])
    yield _sentence(OUTCOME[entry["outcome"]], {"programme": name}, translate, locale)
    for reason in entry["reasons"]:
        if all_reasons or reason["result"] != "met":
            yield _sentence(reason["person"], reason["person_args"], translate, locale)


def localize_result(result: dict, translate: Callable[[str], str], locale: str | None = None,
                    all_reasons: bool = False) -> list[str]:
    """Render the person-facing sentences of an `evaluate` result.

    Per programme: its outcome, then the reasons that were not met or are unknown
    (all reasons with `all_reasons=True`). Then one line per referral. `translate`
    translates msgids (and the English programme names); `locale` (e.g. "ar") makes
    dates and country names local via Babel.
    """
    lines: list[str] = []
    for entry in result["programmes"]:
        lines.extend(_lines_for(entry, translate, locale, all_reasons))
    names = {entry["id"]: entry["names"] for entry in result.get("referral_details", [])}
    for referral in result.get("referrals", []):
        if referral in names:
            lines.append(_sentence(REFERRAL, {"programme": translate(names[referral]["en"])},
                                   translate, locale))
    return lines


def extract_programme_names(fileobj, keywords, comment_tags, options):
    """Babel extractor for `programmes/*.yml`: yields `names.en` as a msgid (see babel.cfg)."""
    import yaml

    data = yaml.safe_load(fileobj) or {}
    name = (data.get("names") or {}).get("en") if isinstance(data, dict) else None
    if isinstance(name, str):
        yield 1, None, name, ["Name of a programme or advice service"]
    for module in data.get("modules") or [] if isinstance(data, dict) else []:
        module_name = (module.get("names") or {}).get("en")
        if isinstance(module_name, str):
            yield 1, None, module_name, ["Name of a part (module) of a programme"]
