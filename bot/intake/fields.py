"""The profile's fields as people see them: which slots each field covers, and how its value
reads in the person's language (for the summary before the intake is sent)."""
from __future__ import annotations

import datetime
from typing import Any

from bot.deployment import Deployment
from bot.i18n import format_date_for, format_month_for, localise
from bot.intake.answers import UNANSWERED
from bot.messages import known_responses
from bot.parsing.countries import STATELESS, country_name
from bot.parsing.spoken import language_display_name

# Field (as named by the NLU entity `field` and the summary's buttons) → the slots it covers,
# first the one that is asked first. Correcting a field empties all of them.
FIELD_SLOTS: dict[str, tuple[str, ...]] = {
    "first_name": ("first_name",),
    "birth_date": ("birth_date", "birth_date_exact", "stated_age"),
    "gender": ("gender",),
    "nationality": ("nationality",),
    "municipality": ("municipality",),
    "in_reception_facility": ("in_reception_facility",),
    "residence_status": ("residence_status", "residence_kind", "employment_permitted"),
    "employment_permitted": ("employment_permitted",),
    "arrival_date": ("arrival_date",),
    "languages": ("languages",),
    "german_level": ("german_level",),
    "school": ("school_years", "school_certificate"),
    "vocational_qualification": ("vocational_qualification", "qualification_recognised"),
    "work_experience": ("work_experience",),
    "goal": ("goal",),
    "childcare_needed": ("childcare_needed",),
    "contact": ("contact_method", "phone", "contact_language", "interpreter_needed", "contact_time"),
}
SLOT_FIELD = {slot: field for field, slots in FIELD_SLOTS.items() for slot in slots}


def button_title(response: str, value: Any, language: str) -> str | None:
    """The translated title of the button that stands for `value` in a question."""
    for button in known_responses().get(response).buttons:
        if button.value == value:
            return localise(button.title, language)
    return None


def _date(value: str, language: str) -> str:
    if len(value) == 10:
        return format_date_for(datetime.date.fromisoformat(value), language)
    if len(value) == 7:
        return format_month_for(datetime.date.fromisoformat(f"{value}-01"), language)
    return value


def answer_label(slot: str, value: Any, language: str) -> str:
    """How one proposed answer reads in the person's language ("Did you mean: 31 July 1996?")."""
    if value == "unknown":
        return localise("I don't know", language)
    if slot in ("birth_date", "arrival_date"):
        return _date(str(value), language)
    if slot == "nationality":
        return localise("Stateless", language) if value == STATELESS else country_name(value, language)
    responses = (("ask_residence_kind_duldung", "ask_residence_kind_permit", "ask_residence_status")
                 if slot in ("residence_status", "residence_kind") else (f"ask_{slot}",))
    for response in responses:
        if response in known_responses() and (title := button_title(response, value, language)):
            return title
    return {"yes": localise("Yes", language), "no": localise("No", language)}.get(str(value), str(value))


def display_value(field: str, slots: dict[str, Any], language: str, deployment: Deployment) -> str | None:
    """How the field's answer reads to the person; None if it was not asked."""
    value = slots.get(FIELD_SLOTS[field][0])
    if value in UNANSWERED:
        return None
    if value == "unknown":
        return localise("I don't know", language)
    yes_no = {"yes": localise("Yes", language), "no": localise("No", language)}
    if field in ("birth_date", "arrival_date"):
        return _date(str(value), language)
    if field == "nationality":
        return localise("Stateless", language) if value == STATELESS else country_name(value, language)
    if field == "municipality":
        municipality = deployment.municipality(value)
        return municipality.name if municipality else str(value)
    if field == "languages":
        return ", ".join(language_display_name(code, language) for code in value)
    if field == "residence_status":
        code = slots.get("residence_status")
        return button_title("ask_residence_kind_duldung", code, language) or button_title(
            "ask_residence_kind_permit", code, language) or button_title("ask_residence_status", code, language) or code
    if field == "school":
        years = localise("Years at school: {years}", language, years=value)
        certificate = slots.get("school_certificate")
        shown = button_title("ask_school_certificate", certificate, language) or certificate
        return f"{years}, {shown}" if shown not in UNANSWERED else years
    if field == "vocational_qualification":
        recognised = slots.get("qualification_recognised")
        text = localise("No training, no studies", language) if value == "none" else str(value)
        shown = button_title("ask_qualification_recognised", recognised, language)
        return f"{text} ({shown})" if shown else text
    if field == "work_experience":
        return localise("No work experience", language) if value == "none" else str(value)
    if field == "contact":
        method = button_title("ask_contact_method", value, language) or value
        parts = [method]
        if slots.get("phone") not in UNANSWERED:
            parts.append(str(slots["phone"]))
        if slots.get("contact_language") not in UNANSWERED:
            parts.append(language_display_name(slots["contact_language"], language))
        if slots.get("interpreter_needed") == "yes":
            parts.append(localise("with interpreter", language))
        if slots.get("contact_time") not in (*UNANSWERED, "unknown"):
            parts.append(button_title("ask_contact_time", slots["contact_time"], language) or slots["contact_time"])
        return ", ".join(parts)
    if field in ("gender", "german_level", "goal"):
        return button_title(f"ask_{field}", value, language) or str(value)
    return yes_no.get(str(value), str(value))


def summary(slots: dict[str, Any], language: str, deployment: Deployment) -> list[tuple[str, str, str]]:
    """(field, label, value) for every answered field, in the order they were asked."""
    lines = []
    for field in FIELD_SLOTS:
        if field == "employment_permitted" and slots.get("employment_permitted") in UNANSWERED:
            continue
        shown = display_value(field, slots, language, deployment)
        if shown is not None:
            lines.append((field, localise(known_responses().get(f"field_{field}").text, language), shown))
    return lines
