"""The handoff packet: everything a Teilhabemanager needs from the intake, in German.

Staff read German whatever language the person wrote in. Field labels and answers come from the
same catalogs as the person's own summary (rendered in German), so the two never disagree.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from bot.deployment import Deployment
from bot.eligibility.derived import age_on
from bot.i18n import language_name, localise
from bot.intake.answers import UNANSWERED
from bot.intake.fields import FIELD_SLOTS, button_title, summary
from bot.messages import known_responses

STAFF_LANGUAGE = "de"
REASONS = {
    "intake_complete": "Intake abgeschlossen",
    "requested": "Die Person möchte mit einem Menschen sprechen",
    "crisis": "Krisenhinweis: die Nachricht der Person deutet auf eine akute Notlage",
}
OUTCOMES = {
    "eligible": "passt voraussichtlich",
    "needs_review": "bitte prüfen",
    "not_eligible": "passt voraussichtlich nicht",
}
RESULT_MARKS = {"met": "✓", "not_met": "✗", "unknown": "?"}
# Documents worth bringing to the first meeting, by what the person told us.
RESIDENCE_DOCUMENT = ("Aufenthaltsdokument (Aufenthaltsgestattung, Duldung, Aufenthaltstitel oder Fiktionsbescheinigung) "
                      "und Pass, falls vorhanden")


@dataclass(frozen=True)
class Packet:
    headline: str  # one line for lists and the staff chat
    text: str
    age: int | None
    programmes: list[str]  # programmes that may fit (eligible or to be checked)


def age_of(slots: dict[str, Any], as_of: datetime.date) -> int | None:
    birth = slots.get("birth_date")
    if isinstance(birth, str) and len(birth) == 10:
        return age_on(datetime.date.fromisoformat(birth), as_of)
    stated = slots.get("stated_age")
    if stated not in UNANSWERED:
        return int(stated)
    if isinstance(birth, str) and len(birth) == 4 and birth.isdigit():
        return as_of.year - int(birth)  # only the year is known: at most one year off
    return None


def programmes_that_may_fit(eligibility: dict[str, Any] | None) -> list[str]:
    if not eligibility:
        return []
    return [p["id"] for p in eligibility.get("programmes", []) if p.get("outcome") in ("eligible", "needs_review")]


def _open_questions(slots: dict[str, Any]) -> list[str]:
    """Fields the person did not know or has not been asked yet."""
    labels = []
    for field, field_slots in FIELD_SLOTS.items():
        if field == "employment_permitted":
            continue
        value = slots.get(field_slots[0])
        if value is None or value == "unknown":
            label = localise(known_responses().get(f"field_{field}").text, STAFF_LANGUAGE)
            labels.append(f"{label} ({'unbekannt' if value == 'unknown' else 'nicht erfragt'})")
    return labels


def _documents(slots: dict[str, Any]) -> list[str]:
    documents = [RESIDENCE_DOCUMENT]
    if slots.get("school_certificate") not in (*UNANSWERED, "none", "unknown"):
        documents.append("Schulzeugnisse, möglichst mit Übersetzung")
    if slots.get("vocational_qualification") not in (*UNANSWERED, "none", "unknown"):
        documents.append("Nachweise über Ausbildung oder Studium")
        if slots.get("qualification_recognised") in ("yes", "in_progress"):
            documents.append("Anerkennungsbescheid oder Antrag auf Anerkennung")
    if slots.get("work_experience") not in (*UNANSWERED, "none", "unknown"):
        documents.append("Arbeitszeugnisse oder Nachweise über Berufserfahrung, falls vorhanden")
    return documents


def _communication(slots: dict[str, Any], language: str) -> list[str]:
    lines = [f"Sprache im Chat: {language_name(language, STAFF_LANGUAGE)} ({language})"]
    contact_language = slots.get("contact_language")
    if contact_language not in UNANSWERED:
        lines.append(f"Gewünschte Sprache im Gespräch: {language_name(contact_language, STAFF_LANGUAGE)}")
    interpreter = {"yes": "ja", "no": "nein", "unknown": "unbekannt"}.get(slots.get("interpreter_needed") or "")
    if interpreter:
        lines.append(f"Dolmetschung nötig: {interpreter}")
    method = slots.get("contact_method")
    if method not in UNANSWERED:
        shown = {"telegram": "hier im Telegram-Chat", "phone": "Telefon", "in_person": "persönlich"}.get(method, method)
        phone = slots.get("phone")
        lines.append(f"Kontakt bevorzugt: {shown}" + (f", {phone}" if phone not in UNANSWERED else ""))
    contact_time = slots.get("contact_time")
    if contact_time not in UNANSWERED:
        lines.append(f"Erreichbar: {button_title('ask_contact_time', contact_time, STAFF_LANGUAGE) or contact_time}")
    return lines


def _sharing(slots: dict[str, Any]) -> str:
    """Whether the summary may go to a partner organisation (consent_sharing, bot/intake/consent.py)."""
    answers = {"yes": "ja", "no": "nein – nur das Team des Kreises"}
    answer = answers.get(slots.get("consent_sharing") or "", "noch nicht gefragt")
    return f"Weitergabe an Partnerorganisationen erlaubt: {answer}"


def _eligibility(eligibility: dict[str, Any]) -> list[str]:
    as_of = datetime.date.fromisoformat(eligibility["as_of"]).strftime("%d.%m.%Y") if eligibility.get("as_of") else "?"
    lines = [f"Vorprüfung (Stand {as_of}), keine Entscheidung – bitte prüfen:"]
    for programme in eligibility.get("programmes", []):
        name = (programme.get("names") or {}).get("de") or programme["id"]
        lines.append(f"• {name}: {OUTCOMES.get(programme.get('outcome'), programme.get('outcome'))}")
        for reason in programme.get("reasons", []):
            lines.append(f"   {RESULT_MARKS.get(reason.get('result'), '?')} {reason.get('detail') or reason.get('criterion')}")
    if eligibility.get("referrals"):
        details = {r["id"]: r for r in eligibility.get("referral_details", [])}
        names = [(details.get(r, {}).get("names") or {}).get("de") or r for r in eligibility["referrals"]]
        lines.append(f"Weitere Stellen: {', '.join(names)}")
    return lines


def build_packet(*, reference: str, reason: str, slots: dict[str, Any], language: str, consent: bool,
                 eligibility: dict[str, Any] | None, deployment: Deployment, team_name: str,
                 as_of: datetime.date) -> Packet:
    age = age_of(slots, as_of)
    first_name = slots.get("first_name") if consent else None
    municipality = deployment.municipality(slots.get("municipality") or "") if consent else None
    programmes = programmes_that_may_fit(eligibility)
    headline = " · ".join(str(part) for part in (
        reference, first_name or "ohne Namen", f"{age} J." if age is not None else None,
        municipality.name if municipality else None, language_name(language, STAFF_LANGUAGE),
        "möchte einen Menschen sprechen" if reason == "requested" else None,
        "Krisenhinweis" if reason == "crisis" else None,
    ) if part)
    sections = [
        f"Lotse – Übergabe {reference} an {team_name}",
        f"Anlass: {REASONS.get(reason, reason)}",
        "",
        *_communication(slots, language),
    ]
    if not consent:
        sections += ["", "Die Person hat der Speicherung ihrer Angaben (noch) nicht zugestimmt: es liegen keine Profilangaben vor."]
    else:
        sections += ["", "Profil:", *(f"• {label}: {value}" for _, label, value in summary(slots, STAFF_LANGUAGE, deployment))]
        sections += ["", _sharing(slots)]
        if eligibility:
            sections += ["", *_eligibility(eligibility)]
        if open_questions := _open_questions(slots):
            sections += ["", "Noch offen:", *(f"• {line}" for line in open_questions)]
        sections += ["", "Zum ersten Termin mitbringen:", *(f"• {line}" for line in _documents(slots))]
    return Packet(headline=headline[:200], text="\n".join(sections), age=age, programmes=programmes)
