"""The German sentences staff read in an eligibility result (a reason's `detail`), in one place.

The criteria choose a sentence and fill it in; wording is changed here, not in their logic.
Placeholders are str.format names. `{quote}` is the programme's own wording of the rule, as
`QUOTE` renders it (empty when the programme file gives none). Person-facing sentences are in
messages.py, translated through the catalogs; staff work in German, so these are not.
"""
from __future__ import annotations

from .derived import INVALID, MISSING, PERSON_UNKNOWN

QUOTE = " (Quelle: „{wording}“)"
# How a fact the check needs can be missing.
STATE = {MISSING: "nicht erfragt", PERSON_UNKNOWN: "der Person unbekannt", INVALID: "ungültige Angabe"}
RULE_UNCERTAIN = "{detail} Regel unsicher: {why}"

AGE_FROM = "ab {min}"
AGE_UP_TO = "bis einschließlich {max} (also bis zum Tag vor dem {next}. Geburtstag)"
AGE_RULE = "Altersgrenze {bounds}{quote}"
AGE_RULE_EXCEPTIONS = "; Ausnahmen im begründeten Einzelfall möglich (geprüft bis {margin} Jahre außerhalb)"
AGE_BIRTH_DATE_MISSING = "Geburtsdatum {state}. {rule}."
AGE_EXACT = "Alter am Stichtag: {age} Jahre"
AGE_RANGE = "nur Geburtsjahr/-monat bekannt, Alter am Stichtag {low} bis {high} Jahre"
AGE_UNDECIDABLE = "{said} – mit dem unvollständigen Geburtsdatum nicht entscheidbar. {rule}."
AGE_WITHIN = "{said}: innerhalb der Grenze. {rule}."
AGE_EXCEPTION = "{said}: außerhalb der Regelgrenze, Ausnahme im Einzelfall zu prüfen. {rule}."
AGE_OUTSIDE = "{said}: außerhalb der Grenze. {rule}."

STATUS_NOT_ASKED = "nicht erfragt"
STATUS_PERSON_UNKNOWN = "der Person unbekannt"
STATUS_INVALID = "ungültig"
STATUS_MISSING = "Aufenthaltsstatus {state}.{quote}"
STATUS_EXPLAINED = "{label}: {explanation}{quote}"

NATIONALITY_MISSING = "Staatsangehörigkeit {state}.{quote}"
NATIONALITY_STATELESS = "staatenlos"
NATIONALITY_NAMED = "Staatsangehörigkeit {nationality}"
NATIONALITY_NOT_LISTED = "{who}: nicht in der Liste „{table}“.{quote}"
NATIONALITY_LISTING_UNCERTAIN = "Staatsangehörigkeit {nationality}: Zugehörigkeit zu „{table}“ unsicher – {why}{quote}"
NATIONALITY_EXCLUDED = "Staatsangehörigkeit {nationality} gehört zu „{table}“ und ist ausgeschlossen.{quote}"

PROSPECT_NOT_RELEVANT = "Kriterium gilt nur für {statuses}; bei {label} nicht einschlägig.{quote}"
PROSPECT_STATUS_UNKNOWN = "Aufenthaltsstatus unbekannt: ob das Kriterium einschlägig ist, ist offen.{quote}"
PROSPECT_NATIONALITY_UNKNOWN = "Staatsangehörigkeit unbekannt.{quote}"
PROSPECT_LIST_UNCERTAIN = "{nationality}: Stand der Liste „{table}“ unsicher – {why}{quote}"
PROSPECT_LISTED = "{nationality} steht am Stichtag auf der Liste „{table}“ (seit {since}).{quote}"
PROSPECT_SAFE_COUNTRY = ("{nationality} ist sicherer Herkunftsstaat (§ 29a AsylG): keine Bleibeperspektive "
                         "anzunehmen.{quote}")
PROSPECT_NOT_LISTED = "{nationality} steht am Stichtag nicht auf der Liste „{table}“. {explanation}{quote}"

FACILITY_UNKNOWN = "Unbekannt, ob die Person noch in einer Landes-/Erstaufnahmeeinrichtung wohnt.{quote}"
FACILITY_LIVES_THERE = ("Die Person wohnt noch in einer Landes-/Erstaufnahmeeinrichtung und ist "
                        "ausgeschlossen.{quote}")
FACILITY_LEFT = "Die Person wohnt nicht (mehr) in einer Landeseinrichtung.{quote}"

WORK_ABSOLUTE_BAN = "{basis} Ausgeschlossen.{quote}"
WORK_TEMPORARY_BAN = "{basis} {verdict}{quote}"
WORK_TEMPORARY_VERDICT = {
    "met": "Vorübergehende Verbote sind unschädlich.",
    "not_met": "Auch vorübergehende Verbote schließen aus.",
    "unknown": "Ob vorübergehende Verbote ausschließen, sagt die Quelle nicht.",
}
WORK_UNCLEAR = "{basis}{quote}"
WORK_NO_BAN = "Kein gesetzliches Beschäftigungsverbot erkennbar: {basis}{quote}"

MIGRATION_ARRIVAL_GIVEN = "Einreisedatum angegeben: eigene Zuwanderung.{quote}"
MIGRATION_BY_STATUS = "{label}: gibt es nur nach eigener Einreise, eigene Zuwanderung anzunehmen.{quote}"
MIGRATION_FOREIGN_STATUS = ("{label}: ausländische Staatsangehörigkeit, Einwanderungsgeschichte "
                            "anzunehmen.{quote}")
MIGRATION_NOT_SHOWN = "Ohne Einreisedatum ist die (eigene) Zuwanderung nicht belegt.{quote}"

REGION_MISSING = "Wohnort (AGS) {state}; Programmgebiet: {region}."
REGION_INSIDE = "Wohnort AGS {ags} liegt im Programmgebiet {name} ({prefix})."
REGION_TOO_COARSE = "AGS {ags} ist zu ungenau für das Programmgebiet: {region}."
REGION_OUTSIDE = "Wohnort AGS {ags} liegt außerhalb des Programmgebiets: {region}."

SPAN = "{start} {end}"
SPAN_UNTIL = "bis {end}"
SPAN_OPEN = "ohne bekanntes Ende"
ROUND_NAMED = "„{name}“ ({span})"
ROUND_UNCERTAIN = "Förderrunde {round} – unsicher: {why}"
ROUND_RUNNING = "Förderrunde {round} läuft am Stichtag."
ROUND_NOT_STARTED = "Die erste bekannte Förderrunde beginnt am {start}."
ROUND_BETWEEN = "Zwischen zwei Förderrunden: „{last}“ endete am {end}, „{next}“ beginnt am {start}."
ROUND_LAST_ENDED = "Die letzte bekannte Förderrunde „{last}“ endete am {end}. {after}"
ROUND_DIFFERS_BY_PLACE = ("Förderrunden unterscheiden sich je nach Wohnort, und der Wohnort im Programmgebiet "
                          "ist nicht bekannt.")

MODULE_PLACE_UNKNOWN = "Wohnort unbekannt; Baustein angeboten in: {places}."
MODULE_OFFERED = "Baustein wird am Wohnort (AGS {ags}) angeboten."
MODULE_OFFER_UNCERTAIN = "Ob der Baustein am Wohnort (AGS {ags}) angeboten wird, ist nicht belegt."
MODULE_AGS_TOO_COARSE = "AGS {ags} ist zu ungenau."
MODULE_NOT_OFFERED = "Baustein wird am Wohnort (AGS {ags}) nicht angeboten."
MODULE_NOT_STARTED = "Baustein läuft erst ab {start} ({span})."
MODULE_ENDED = "Baustein endete am {end} ({span})."
MODULE_RUNNING = "Baustein läuft am Stichtag ({span})."
MODULE_UNCERTAIN = "Baustein unsicher: {why}"
MODULES_FITTING = "Passende Bausteine: {modules}."
MODULES_TO_CHECK = "Zu prüfende Bausteine: {modules}."
MODULES_NONE = "Kein Baustein ist verfügbar."
MODULES_SOURCE = "siehe Bausteine (modules)"
