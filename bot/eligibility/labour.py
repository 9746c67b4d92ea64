"""Labour-market access per residence status: is the person under an employment ban?

`ban` is one of:
- "none":      no ban known; work is allowed or can be permitted now
- "temporary": a waiting period is still running (§ 61 AsylG, § 32 Abs. 1 BeschV)
- "absolute":  a statutory ban (§ 61 Abs. 2 S. 4 AsylG, § 60a Abs. 6, § 60b AufenthG)
- "unknown":   a needed fact is missing or the law is unclear for this status

The rules follow the domain notes, section 2 (state of 27.02.2024). Grounds that the
bot cannot ask about (§ 60a Abs. 6 Nr. 1 and 2: entry to obtain benefits, own fault
for the removal obstacle) are read from the document's entry `employment_permitted`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .tables import ReferenceTable

NONE, TEMPORARY, ABSOLUTE, UNKNOWN = "none", "temporary", "absolute", "unknown"

# § 61 Abs. 2 S. 4 AsylG and § 60a Abs. 6 S. 1 Nr. 3 AufenthG: applications after this day.
SAFE_COUNTRY_CUTOFF = date(2015, 8, 31)
# Both bans came into force on 24.10.2015 together with the listing of Albania, Kosovo and
# Montenegro; for countries listed by then, the cut-off alone decides [L].
BANS_IN_FORCE = date(2015, 10, 24)
# § 32 Abs. 2 Nr. 5 BeschV: no BA consent after four years of permitted/tolerated/gestattet stay.
NO_CONSENT_AFTER_MONTHS = 48

_FREE_STATUSES = {
    "german_citizen": "Deutsche Staatsangehörigkeit: Erwerbstätigkeit ohne Einschränkung.",
    "eu_citizen": "Unionsbürger/EWR/Schweiz: Freizügigkeit, Erwerbstätigkeit ohne Einschränkung.",
    "niederlassungserlaubnis": "Niederlassungserlaubnis: Erwerbstätigkeit ohne Einschränkung [L].",
    "ae_schutz": "§ 25 Abs. 1/2 AufenthG: Erwerbstätigkeit erlaubt (§ 4a Abs. 1 AufenthG).",
    "ae_104c": "§ 104c AufenthG: Erwerbstätigkeit erlaubt (§ 4a Abs. 1 AufenthG).",
    "ae_24": "§ 24 AufenthG: Erwerbstätigkeit erlaubt, keine Zustimmung der BA nötig.",
    "ae_abschiebungsverbot": ("§ 25 Abs. 3 AufenthG: kein gesetzliches Beschäftigungsverbot; "
                              "ob die ABH im Einzelfall erlauben muss, ist in den Quellen "
                              "widersprüchlich [?]."),
    "ae_sonstige": ("Sonstige Aufenthaltserlaubnis: Erwerbstätigkeit erlaubt, soweit kein Gesetz "
                    "sie verbietet (§ 4a Abs. 1 AufenthG) [L]; Umfang je nach Titel."),
    "duldung_ausbildung": "Ausbildungsduldung (§ 60c AufenthG): die Ausbildung ist erlaubt.",
    "duldung_beschaeftigung": "Beschäftigungsduldung (§ 60d AufenthG): die Beschäftigung ist erlaubt.",
}
_DOCUMENT_SAYS_NO = ("Laut Dokument ist die Erwerbstätigkeit nicht erlaubt, obwohl der Titel sie "
                     "grundsätzlich zulässt – Nebenbestimmung prüfen.")


@dataclass(frozen=True, slots=True)
class LabourAccess:
    ban: str
    basis: str          # German sentence with the legal reference, for staff
    ba_consent: str     # "required" | "not_required" | "unknown" | "not_applicable"


def _elapsed(months: tuple[int, int] | None, needed: int) -> bool | None:
    """True if `needed` months are surely complete, False if surely not, else None."""
    if months is None:
        return None
    low, high = months
    if low >= needed:
        return True
    if high < needed:
        return False
    return None


def _ba_consent(months_since_arrival: tuple[int, int] | None) -> str:
    done = _elapsed(months_since_arrival, NO_CONSENT_AFTER_MONTHS)
    return "unknown" if done is None else ("not_required" if done else "required")


def _safe_country_ban(nationality: str | None, application: tuple[date, date] | None,
                      as_of: date, table: ReferenceTable, law: str) -> tuple[str, str] | None:
    """The safe-country ban: (ABSOLUTE|UNKNOWN, basis), or None when it does not apply."""
    if nationality is None:
        return UNKNOWN, (f"Staatsangehörigkeit unbekannt: Beschäftigungsverbot für sichere "
                         f"Herkunftsstaaten ({law}) nicht prüfbar.")
    if nationality == "stateless":
        return None
    entry = table.entry(nationality, as_of)
    if entry is None:
        return None
    if entry.uncertain:
        return UNKNOWN, f"{nationality}: Einstufung als sicherer Herkunftsstaat unsicher – {entry.uncertain}"
    if application is None:
        return UNKNOWN, (f"{nationality} ist sicherer Herkunftsstaat (§ 29a AsylG); das Datum des "
                         f"Asylantrags ist unbekannt, daher ist {law} nicht entscheidbar.")
    earliest, latest = application
    if latest <= SAFE_COUNTRY_CUTOFF:
        return None
    if earliest <= SAFE_COUNTRY_CUTOFF:
        return UNKNOWN, ("Asylantrag im August 2015 ohne Tagesdatum: Stichtag 31.08.2015 "
                         f"({law}) nicht entscheidbar.")
    if entry.valid_from > earliest and entry.valid_from > BANS_IN_FORCE:
        # Listed only after the application (e.g. Georgia, Moldova from 23.12.2023):
        # whether the ban reaches pending or earlier cases is not settled in our sources.
        return UNKNOWN, (f"{nationality} ist erst seit {entry.valid_from:%d.%m.%Y} sicherer "
                         f"Herkunftsstaat, der Asylantrag wurde davor gestellt: ob {law} greift, "
                         "ist zu prüfen [?].")
    return ABSOLUTE, (f"Beschäftigungsverbot nach {law}: {nationality} ist sicherer Herkunftsstaat "
                      "(§ 29a AsylG, Anlage II), Asylantrag nach dem 31.08.2015.")


def _gestattung(nationality, employment_permitted, in_reception_facility, months_since_arrival,
                application, months_since_application, as_of, table) -> tuple[str, str]:
    safe = _safe_country_ban(nationality, application, as_of, table, "§ 61 Abs. 2 S. 4 AsylG")
    if safe is not None and safe[0] == ABSOLUTE:
        if employment_permitted == "yes":
            return UNKNOWN, safe[1] + " Das Dokument weist aber Beschäftigung als erlaubt aus – klären."
        return safe
    if employment_permitted == "yes":
        return NONE, "Laut Dokument ist die Beschäftigung erlaubt (§ 61 AsylG)."
    if safe is not None:
        return safe
    # Waiting period: 6 months while obliged to live in a reception centre (§ 61 Abs. 1),
    # otherwise 3 months of gestattet stay (§ 61 Abs. 2 S. 1).
    needed = {True: 6, False: 3}.get(in_reception_facility)
    months = months_since_application
    if months is None and months_since_arrival is not None:
        months = (0, months_since_arrival[1])  # the application is not older than the arrival
    if needed is None:
        done = _elapsed(months, 6) or (False if _elapsed(months, 3) is False else None)
    else:
        done = _elapsed(months, needed)
    if done is None:
        return UNKNOWN, ("Wartefrist nach § 61 AsylG (3 bzw. 6 Monate in der Aufnahmeeinrichtung) "
                         "nicht entscheidbar: Antragsdatum oder Wohnform unbekannt.")
    if not done:
        rule = ("§ 61 Abs. 1 AsylG (6 Monate in der Aufnahmeeinrichtung)" if needed == 6
                else "§ 61 Abs. 2 S. 1 AsylG (3 Monate)")
        return TEMPORARY, f"Wartefrist läuft noch: {rule}."
    return NONE, ("Wartefrist nach § 61 AsylG abgelaufen: Beschäftigung mit Erlaubnis der ABH "
                  "und Zustimmung der BA möglich.")


def _duldung(nationality, employment_permitted, months_since_arrival, application, as_of,
             table) -> tuple[str, str]:
    safe = _safe_country_ban(nationality, application, as_of, table,
                             "§ 60a Abs. 6 S. 1 Nr. 3 AufenthG")
    if safe is not None:
        if safe[0] == ABSOLUTE and employment_permitted == "yes":
            return UNKNOWN, safe[1] + " Das Dokument weist aber Beschäftigung als erlaubt aus – klären."
        return safe
    if _elapsed(months_since_arrival, 3) is False:
        return TEMPORARY, "Wartefrist läuft noch: Zustimmung der BA erst nach 3 Monaten (§ 32 Abs. 1 BeschV)."
    if employment_permitted == "yes":
        return NONE, "Laut Dokument ist die Beschäftigung erlaubt (§ 4a Abs. 4 AufenthG)."
    if employment_permitted == "no":
        return UNKNOWN, ("Laut Dokument ist die Beschäftigung nicht erlaubt: Grund klären "
                         "(Verbot nach § 60a Abs. 6 S. 1 Nr. 1/2 AufenthG oder nur fehlende Erlaubnis).")
    return UNKNOWN, ("Ob ein Beschäftigungsverbot nach § 60a Abs. 6 S. 1 Nr. 1/2 AufenthG besteht, "
                     "ist ohne den Eintrag im Dokument nicht prüfbar.")


def labour_access(*, status: str | None, nationality: str | None, employment_permitted: str | None,
                  in_reception_facility: bool | None, months_since_arrival: tuple[int, int] | None,
                  application: tuple[date, date] | None,
                  months_since_application: tuple[int, int] | None,
                  as_of: date, safe_countries: ReferenceTable) -> LabourAccess:
    if status in _FREE_STATUSES:
        if employment_permitted == "no" and status not in ("german_citizen", "eu_citizen"):
            return LabourAccess(UNKNOWN, _DOCUMENT_SAYS_NO, "not_applicable")
        return LabourAccess(NONE, _FREE_STATUSES[status], "not_applicable")
    if status == "gestattung":
        ban, basis = _gestattung(nationality, employment_permitted, in_reception_facility,
                                 months_since_arrival, application, months_since_application,
                                 as_of, safe_countries)
        return LabourAccess(ban, basis, _ba_consent(months_since_arrival))
    if status == "duldung":
        ban, basis = _duldung(nationality, employment_permitted, months_since_arrival,
                              application, as_of, safe_countries)
        return LabourAccess(ban, basis, _ba_consent(months_since_arrival))
    if status == "duldung_ungeklaerte_identitaet":
        return LabourAccess(ABSOLUTE, "Beschäftigungsverbot nach § 60b Abs. 5 S. 2 AufenthG [L].",
                            "not_applicable")
    # § 25 Abs. 5 (not verified), Fiktionsbescheinigung (rights of the previous title),
    # an unknown status: only the document can tell.
    if employment_permitted == "yes":
        return LabourAccess(NONE, "Laut Dokument ist die Erwerbstätigkeit erlaubt.", "unknown")
    return LabourAccess(UNKNOWN, "Arbeitsmarktzugang für diesen Status nicht bestimmbar; "
                                 "Eintrag im Dokument prüfen.", "unknown")
