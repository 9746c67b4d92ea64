"""The report as labelled tables (German, for staff and funders): what the dashboard shows next
to each chart, what the exports write and what `lotse stats` prints."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.deployment import Deployment
from bot.i18n import SUPPORTED_LANGUAGES, language_name
from bot.stats.report import Report, Volume
from bot.stats.suppression import THRESHOLD, suppress

VOLUME_HEADERS = ["begonnen", "vollständig", "übergeben"]
DIMENSION_TITLES = {
    "language": "Sprache", "municipality": "Wohnort", "programme": "Programm (berechtigt)",
    "outcome": "Ergebnis der Prüfung", "gender": "Geschlecht", "age_group": "Altersgruppe",
}
GENDERS = {"female": "weiblich", "male": "männlich", "diverse": "divers", "undisclosed": "keine Angabe",
           "unknown": "nicht erfragt"}
OUTCOMES = {"eligible": "mindestens ein Programm", "needs_review": "zu prüfen", "not_eligible": "kein Programm",
            "unknown": "nicht geprüft"}
AGE_GROUPS = {"<18": "unter 18", "18-27": "18–27", "28-44": "28–44", "45+": "45 und älter", "unknown": "unbekannt"}
FUNNEL_STEPS = {
    "first_message": "erste Nachricht", "consent": "Einwilligung", "profile_complete": "Profil vollständig",
    "eligible": "mind. ein Programm berechtigt", "handed_off": "übergeben", "first_contact": "Erstkontakt",
    "accepted": "ins Programm aufgenommen",
}
QUESTIONS = {
    "consent": "Einwilligung", "language": "Sprache", "first_name": "Vorname", "birth_date": "Geburtsdatum",
    "gender": "Geschlecht", "nationality": "Staatsangehörigkeit", "municipality": "Wohnort",
    "in_reception_facility": "Erstaufnahme", "residence_status": "Aufenthaltsstatus",
    "employment_permitted": "Arbeitserlaubnis", "arrival_date": "Einreise", "languages": "Sprachen",
    "german_level": "Deutschkenntnisse", "school_years": "Schuljahre", "school_certificate": "Schulabschluss",
    "vocational_qualification": "Berufsabschluss", "work_experience": "Berufserfahrung", "goal": "Ziel",
    "childcare_needed": "Kinderbetreuung", "contact": "Kontaktweg",
}


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    # Durations are not counts: they are left out where the row's count (in this column) is small.
    basis_column: int | None = None

    def suppressed(self) -> list[list[Any]]:
        result = []
        for row in self.rows:
            small = self.basis_column is not None and (row[self.basis_column] or 0) < THRESHOLD
            result.append([suppress(cell) if isinstance(cell, int) and not isinstance(cell, bool)
                           else ("" if small and isinstance(cell, float) else cell) for cell in row])
        return result


class Labels:
    def __init__(self, deployment: Deployment) -> None:
        self.deployment = deployment

    def language(self, code: str) -> str:
        return language_name(code, "de") if code in SUPPORTED_LANGUAGES else code

    def of(self, dimension: str, key: str) -> str:
        if dimension == "language":
            return self.language(key)
        if dimension == "municipality":
            municipality = self.deployment.municipality(key)
            return municipality.name if municipality else ("unbekannt" if key == "unknown" else key)
        if dimension == "team":
            team = self.deployment.team(key)
            return team.name if team else key
        return {"gender": GENDERS, "outcome": OUTCOMES, "age_group": AGE_GROUPS}.get(dimension, {}).get(key, key)


def _volumes(volumes: dict[str, Volume]) -> list[list[Any]]:
    return [[key, v.started, v.completed, v.handed_off] for key, v in volumes.items()]


def tables(report: Report, deployment: Deployment) -> list[Table]:
    labels = Labels(deployment)
    result = [Table(f"volume_{period}", title, [column, *VOLUME_HEADERS], _volumes(report.periods(period)))
              for period, title, column in (("month", "Intakes je Monat", "Monat"),
                                            ("week", "Intakes je Woche", "Woche"),
                                            ("day", "Intakes je Tag", "Tag"))]
    result.append(Table("funnel", "Trichter: von der ersten Nachricht bis zur Aufnahme", ["Schritt", "Personen"],
                        [[FUNNEL_STEPS[step], count] for step, count in report.funnel]))
    for dimension, volumes in report.breakdowns.items():
        title = DIMENSION_TITLES[dimension]
        rows = [[labels.of(dimension, key), v.started, v.completed, v.handed_off] for key, v in volumes.items()]
        result.append(Table(f"by_{dimension}", f"Nach {title}", [title, *VOLUME_HEADERS], rows))
    languages = sorted({code for counts in report.dropoff.values() for code in counts})
    order = list(QUESTIONS)
    dropoff_rows = [[QUESTIONS.get(question, question), sum(counts.values()), *(counts.get(code, 0) for code in languages)]
                    for question, counts in sorted(report.dropoff.items(),
                                                   key=lambda item: order.index(item[0]) if item[0] in order else 99)]
    result.append(Table("dropoff", "Abbruch: zuletzt beantwortete Frage", ["Frage", "gesamt", *map(labels.language, languages)],
                        dropoff_rows))
    result.append(Table("reminders", "Erinnerungen nach Sprache (gesendet im Zeitraum)",
                        ["Sprache", "Erinnerungen gesendet", "Intakes erinnert", "danach fortgesetzt"],
                        [[labels.language(code), r.sent, r.intakes, r.resumed] for code, r in report.reminders.items()]))
    result.append(Table("first_contact", "Zeit von der Übergabe bis zum Erstkontakt (Stunden)",
                        ["Team", "Fälle", "mit Erstkontakt", "Median", "90. Perzentil"],
                        [[labels.of("team", t.team), t.cases, t.contacted,
                          None if t.median_hours is None else round(t.median_hours, 1),
                          None if t.p90_hours is None else round(t.p90_hours, 1)] for t in report.contact_times],
                        basis_column=2))
    return result
