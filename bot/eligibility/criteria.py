"""Criterion types: each turns derived facts into a Verdict with a German staff sentence.

A criterion reads only a few facts. `key(facts)` picks them out (for most types a C-level
attribute getter built from `READS`) and `decide(key)` depends on nothing else, so reasons
are memoised per key: evaluating many profiles costs a dict lookup per criterion for the
combinations already seen.
"""
from __future__ import annotations

from collections.abc import Hashable, Mapping
from datetime import date
from operator import attrgetter
from typing import Any, ClassVar

from . import messages as m
from .derived import EXACT, INVALID, MISSING, PARTIAL, PERSON_UNKNOWN, Facts
from .model import (
    MET,
    NOT_MET,
    RESULTS,
    STATUS_CODES,
    STATUS_LABELS_DE,
    STATUS_UNKNOWN,
    STATUSES_AFTER_OWN_MIGRATION,
    UNKNOWN,
    FieldSpec,
    ReadOnlyDict,
    Source,
    Verdict,
)
from .tables import ReferenceTable

_MEMO_LIMIT = 4096

# Fields every criterion in YAML may carry besides its own parameters.
COMMON_FIELDS: Mapping[str, FieldSpec] = {
    "type": FieldSpec("str", required=True),
    "id": FieldSpec("str"),
    "source": FieldSpec("source_ref", required=True),
    "wording": FieldSpec("str"),
    "valid_from": FieldSpec("date"),
    "valid_to": FieldSpec("date"),
    "uncertain": FieldSpec("text"),
}

STATE_DE = {MISSING: "nicht erfragt", PERSON_UNKNOWN: "der Person unbekannt", INVALID: "ungültige Angabe"}


def format_day(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def _quote(wording: str | None) -> str:
    return f" (Quelle: „{wording}“)" if wording else ""


def match_region(ags: str, prefixes: tuple[str, ...]) -> tuple[str, str | None]:
    """(MET, prefix) if the AGS lies in one of the prefixes; UNKNOWN if the AGS is too coarse."""
    for prefix in prefixes:
        if ags.startswith(prefix):
            return MET, prefix
    if any(prefix.startswith(ags) for prefix in prefixes):
        return UNKNOWN, None
    return NOT_MET, None


class Criterion:
    TYPE: ClassVar[str]
    PARAMS: ClassVar[Mapping[str, FieldSpec]] = {}
    READS: ClassVar[tuple[str, ...]] = ()  # Facts attributes that form the key

    def __init__(self, raw: Mapping[str, Any], source: Source | None):
        self.name: str = raw.get("id") or self.TYPE
        self.cite = source.cite() if source else ""
        self.wording: str | None = raw.get("wording")
        self.valid_from: date | None = raw.get("valid_from")
        self.valid_to: date | None = raw.get("valid_to")
        self.uncertain: str | None = raw.get("uncertain")
        self.memo: dict[Hashable, ReadOnlyDict] = {}  # key -> shared reason
        if self.READS:
            self.key = attrgetter(*self.READS)  # type: ignore[method-assign,assignment]

    def applies_on(self, day: date) -> bool:
        return ((self.valid_from is None or self.valid_from <= day)
                and (self.valid_to is None or day <= self.valid_to))

    def key(self, facts: Facts) -> Hashable:
        raise NotImplementedError

    def decide(self, key: Any) -> Verdict:
        raise NotImplementedError

    def build(self, key: Hashable) -> ReadOnlyDict:
        verdict = self.decide(key)
        if self.uncertain:
            # An uncertain rule never decides on its own: staff review it.
            verdict = Verdict(UNKNOWN, f"{verdict.detail} Regel unsicher: {self.uncertain}", m.RULE_UNCLEAR)
        template = ReadOnlyDict(criterion=self.name, result=verdict.result, detail=verdict.detail,
                                source=verdict.source or self.cite, person=verdict.person,
                                person_args=ReadOnlyDict(verdict.person_args))
        if len(self.memo) >= _MEMO_LIMIT:
            self.memo.clear()
        self.memo[key] = template
        return template

    def reason_for_key(self, key: Hashable) -> ReadOnlyDict:
        """The (shared, read-only) reason dict for a key."""
        return self.memo.get(key) or self.build(key)

    def reason(self, facts: Facts) -> ReadOnlyDict:
        key = self.key(facts)  # reason_for_key inlined: this is the hot path
        return self.memo.get(key) or self.build(key)


class AgeCriterion(Criterion):
    """Age bounds are inclusive: max 27 means up to the day before the 28th birthday."""
    TYPE = "age"
    READS = ("birth_state", "age")
    PARAMS = {"min": FieldSpec("int"), "max": FieldSpec("int"),
              "exceptions_allowed": FieldSpec("bool", required=True),
              "exception_margin_years": FieldSpec("int")}

    def __init__(self, raw, source):
        super().__init__(raw, source)
        self.min: int | None = raw.get("min")
        self.max: int | None = raw.get("max")
        self.exceptions = bool(raw["exceptions_allowed"])
        self.margin: int = raw.get("exception_margin_years", 0) if self.exceptions else 0
        self.args = {k: v for k, v in (("min_age", self.min), ("max_age", self.max)) if v is not None}
        low = "" if self.min is None else f"ab {self.min}"
        high = "" if self.max is None else f"bis einschließlich {self.max} (also bis zum Tag vor dem {self.max + 1}. Geburtstag)"
        self.rule_de = "Altersgrenze " + " ".join(p for p in (low, high) if p) + _quote(self.wording)
        if self.exceptions:
            self.rule_de += f"; Ausnahmen im begründeten Einzelfall möglich (geprüft bis {self.margin} Jahre außerhalb)"

    def _one(self, age: int) -> str:
        if self.min is not None and age < self.min:
            distance = self.min - age
        elif self.max is not None and age > self.max:
            distance = age - self.max
        else:
            return MET
        return UNKNOWN if self.exceptions and distance <= self.margin else NOT_MET

    def decide(self, key) -> Verdict:
        state, ages = key
        if ages is None:
            return Verdict(UNKNOWN, f"Geburtsdatum {STATE_DE.get(state, state)}. {self.rule_de}.",
                           m.AGE_MISSING)
        low, high = ages
        results = {self._one(a) for a in range(low, high + 1)}
        said = f"Alter am Stichtag: {low} Jahre" if low == high else \
            f"nur Geburtsjahr/-monat bekannt, Alter am Stichtag {low} bis {high} Jahre"
        if len(results) > 1:
            return Verdict(UNKNOWN, f"{said} – mit dem unvollständigen Geburtsdatum nicht "
                                    f"entscheidbar. {self.rule_de}.", m.AGE_UNCLEAR)
        result = results.pop()
        args = dict(self.args)
        if result == MET:
            msg = m.AGE_MET_RANGE if len(args) == 2 else (m.AGE_MET_MIN if self.min is not None else m.AGE_MET_MAX)
            return Verdict(MET, f"{said}: innerhalb der Grenze. {self.rule_de}.", msg, args)
        if result == UNKNOWN:
            return Verdict(UNKNOWN, f"{said}: außerhalb der Regelgrenze, Ausnahme im Einzelfall "
                                    f"zu prüfen. {self.rule_de}.", m.AGE_EXCEPTION, args)
        too_young = self.min is not None and high < self.min
        return Verdict(NOT_MET, f"{said}: außerhalb der Grenze. {self.rule_de}.",
                       m.AGE_TOO_YOUNG if too_young else m.AGE_TOO_OLD, args)


class StatusCriterion(Criterion):
    """Every residence status code is listed explicitly under met, not_met or unknown."""
    TYPE = "residence_status"
    READS = ("status",)
    PARAMS = {"met": FieldSpec("status_list", required=True),
              "not_met": FieldSpec("status_list", required=True),
              "unknown": FieldSpec("status_list", required=True),
              "explain": FieldSpec("map", required=True, schema={
                  "met": FieldSpec("text"), "not_met": FieldSpec("text"), "unknown": FieldSpec("text")})}

    def __init__(self, raw, source):
        super().__init__(raw, source)
        self.mapping = {code: result for result in RESULTS for code in raw[result]}
        self.explain: Mapping[str, str] = raw["explain"]

    def decide(self, status) -> Verdict:
        if status is None or status in (STATUS_UNKNOWN, "invalid"):
            state = {None: "nicht erfragt", STATUS_UNKNOWN: "der Person unbekannt"}.get(status, "ungültig")
            return Verdict(UNKNOWN, f"Aufenthaltsstatus {state}.{_quote(self.wording)}", m.STATUS_MISSING)
        result = self.mapping[status]
        label = STATUS_LABELS_DE[status]
        text = self.explain.get(result) or ""
        detail = f"{label}: {text}{_quote(self.wording)}".strip()
        person = {MET: m.STATUS_MET, NOT_MET: m.STATUS_NOT_MET, UNKNOWN: m.STATUS_REVIEW}[result]
        return Verdict(result, detail, person)


class NationalityExcludedCriterion(Criterion):
    """Citizens of the countries in a table are excluded."""
    TYPE = "nationality_excluded"
    PARAMS = {"table": FieldSpec("table_ref", required=True)}

    def __init__(self, raw, source, tables: Mapping[str, ReferenceTable]):
        super().__init__(raw, source)
        self.table = tables[raw["table"]]

    def key(self, facts):
        nationality = facts.nationality
        entry = self.table.entry(nationality, facts.as_of) if nationality else None
        return facts.nationality_state, nationality, entry

    def decide(self, key) -> Verdict:
        state, nationality, entry = key
        if nationality is None:
            return Verdict(UNKNOWN, f"Staatsangehörigkeit {STATE_DE.get(state, state)}.{_quote(self.wording)}",
                           m.NATIONALITY_MISSING)
        if entry is None:
            what = "staatenlos" if nationality == "stateless" else f"Staatsangehörigkeit {nationality}"
            return Verdict(MET, f"{what}: nicht in der Liste „{self.table.name}“.{_quote(self.wording)}",
                           m.NATIONALITY_MET)
        if entry.uncertain:
            return Verdict(UNKNOWN, f"Staatsangehörigkeit {nationality}: Zugehörigkeit zu „{self.table.name}“ "
                                    f"unsicher – {entry.uncertain}{_quote(self.wording)}",
                           m.NATIONALITY_REVIEW)
        return Verdict(NOT_MET, f"Staatsangehörigkeit {nationality} gehört zu „{self.table.name}“ und ist "
                                f"ausgeschlossen.{_quote(self.wording)}",
                       m.NATIONALITY_NOT_MET, {"country": nationality})


class ProspectCriterion(Criterion):
    """'(Gute) Bleibeperspektive': a dated list of countries, relevant only for some statuses."""
    TYPE = "bleibeperspektive"
    PARAMS = {"table": FieldSpec("table_ref", required=True),
              "safe_countries_table": FieldSpec("table_ref", required=True),
              "applies_to": FieldSpec("status_list", required=True),
              "not_listed": FieldSpec("str", required=True, choices=(NOT_MET, UNKNOWN)),
              "not_listed_explain": FieldSpec("text", required=True)}

    def __init__(self, raw, source, tables):
        super().__init__(raw, source)
        self.table = tables[raw["table"]]
        self.safe = tables[raw["safe_countries_table"]]
        self.applies_to = frozenset(raw["applies_to"])
        self.not_listed: str = raw["not_listed"]
        self.not_listed_explain: str = raw["not_listed_explain"]

    def key(self, facts):
        nationality = facts.nationality
        if facts.status not in self.applies_to:
            return facts.status, None, None, None
        good = self.table.entry(nationality, facts.as_of) if nationality else None
        safe = self.safe.entry(nationality, facts.as_of) if nationality else None
        return facts.status, nationality, good, safe

    def decide(self, key) -> Verdict:
        status, nationality, good, safe = key
        if status not in self.applies_to:
            if status in STATUS_CODES:
                return Verdict(MET, f"Kriterium gilt nur für {', '.join(sorted(self.applies_to))}; "
                                    f"bei {STATUS_LABELS_DE[status]} nicht einschlägig.{_quote(self.wording)}",
                               m.PROSPECT_MET)
            return Verdict(UNKNOWN, "Aufenthaltsstatus unbekannt: ob das Kriterium einschlägig ist, ist offen."
                                    f"{_quote(self.wording)}", m.STATUS_MISSING)
        if nationality is None:
            return Verdict(UNKNOWN, f"Staatsangehörigkeit unbekannt.{_quote(self.wording)}", m.NATIONALITY_MISSING)
        if good is not None and good.uncertain:
            return Verdict(UNKNOWN, f"{nationality}: Stand der Liste „{self.table.name}“ unsicher – "
                                    f"{good.uncertain}{_quote(self.wording)}", m.PROSPECT_REVIEW)
        if good is not None:
            return Verdict(MET, f"{nationality} steht am Stichtag auf der Liste „{self.table.name}“ "
                                f"(seit {format_day(good.valid_from)}).{_quote(self.wording)}", m.PROSPECT_MET)
        if safe is not None and not safe.uncertain:
            return Verdict(NOT_MET, f"{nationality} ist sicherer Herkunftsstaat (§ 29a AsylG): keine "
                                    f"Bleibeperspektive anzunehmen.{_quote(self.wording)}", m.PROSPECT_NOT_MET)
        person = m.PROSPECT_NOT_MET if self.not_listed == NOT_MET else m.PROSPECT_REVIEW
        return Verdict(self.not_listed, f"{nationality} steht am Stichtag nicht auf der Liste "
                                        f"„{self.table.name}“. {self.not_listed_explain}{_quote(self.wording)}",
                       person)


class ReceptionFacilityCriterion(Criterion):
    """People still living in a state reception facility are excluded."""
    TYPE = "reception_facility"
    READS = ("in_reception_facility",)

    def decide(self, living_there) -> Verdict:
        if living_there is None:
            return Verdict(UNKNOWN, f"Unbekannt, ob die Person noch in einer Landes-/Erstaufnahmeeinrichtung "
                                    f"wohnt.{_quote(self.wording)}", m.FACILITY_MISSING)
        if living_there:
            return Verdict(NOT_MET, f"Die Person wohnt noch in einer Landes-/Erstaufnahmeeinrichtung und ist "
                                    f"ausgeschlossen.{_quote(self.wording)}", m.FACILITY_NOT_MET)
        return Verdict(MET, f"Die Person wohnt nicht (mehr) in einer Landeseinrichtung.{_quote(self.wording)}",
                       m.FACILITY_MET)


class EmploymentBanCriterion(Criterion):
    """Statutory employment bans: absolute bans exclude; `temporary` says what waiting periods mean."""
    TYPE = "employment_ban"
    READS = ("labour",)
    PARAMS = {"temporary": FieldSpec("str", required=True, choices=RESULTS)}

    def __init__(self, raw, source):
        super().__init__(raw, source)
        self.temporary: str = raw["temporary"]

    def decide(self, labour) -> Verdict:
        ban, basis = labour.ban, labour.basis
        if ban == "absolute":
            return Verdict(NOT_MET, f"{basis} Ausgeschlossen.{_quote(self.wording)}", m.WORK_NOT_MET)
        if ban == "temporary":
            person = {MET: m.WORK_MET, NOT_MET: m.WORK_NOT_MET, UNKNOWN: m.WORK_WAITING}[self.temporary]
            verdict_de = {MET: "Vorübergehende Verbote sind unschädlich.",
                          NOT_MET: "Auch vorübergehende Verbote schließen aus.",
                          UNKNOWN: "Ob vorübergehende Verbote ausschließen, sagt die Quelle nicht."}[self.temporary]
            return Verdict(self.temporary, f"{basis} {verdict_de}{_quote(self.wording)}", person)
        if ban == "unknown":
            return Verdict(UNKNOWN, f"{basis}{_quote(self.wording)}", m.WORK_REVIEW)
        return Verdict(MET, f"Kein gesetzliches Beschäftigungsverbot erkennbar: {basis}{_quote(self.wording)}",
                       m.WORK_MET)


class MigrationCriterion(Criterion):
    """Own migration ("first") or any immigration history ("any")."""
    TYPE = "migration_background"
    READS = ("status", "arrival_state")
    PARAMS = {"generation": FieldSpec("str", required=True, choices=("first", "any"))}

    def __init__(self, raw, source):
        super().__init__(raw, source)
        self.first_only = raw["generation"] == "first"

    def decide(self, key) -> Verdict:
        status, arrival_state = key
        if arrival_state in (EXACT, PARTIAL):
            return Verdict(MET, f"Einreisedatum angegeben: eigene Zuwanderung.{_quote(self.wording)}",
                           m.MIGRATION_MET)
        if status in STATUSES_AFTER_OWN_MIGRATION:
            return Verdict(MET, f"{STATUS_LABELS_DE[status]}: gibt es nur nach eigener Einreise, eigene "
                                f"Zuwanderung anzunehmen.{_quote(self.wording)}", m.MIGRATION_MET)
        if not self.first_only and status in STATUS_CODES and status != "german_citizen":
            return Verdict(MET, f"{STATUS_LABELS_DE[status]}: ausländische Staatsangehörigkeit, "
                                f"Einwanderungsgeschichte anzunehmen.{_quote(self.wording)}", m.MIGRATION_MET)
        return Verdict(UNKNOWN, f"Ohne Einreisedatum ist die (eigene) Zuwanderung nicht belegt.{_quote(self.wording)}",
                       m.MIGRATION_REVIEW)


CRITERION_TYPES: Mapping[str, type[Criterion]] = {
    cls.TYPE: cls for cls in (AgeCriterion, StatusCriterion, NationalityExcludedCriterion, ProspectCriterion,
                              ReceptionFacilityCriterion, EmploymentBanCriterion, MigrationCriterion)}
# Types whose constructor also needs the reference tables.
_NEEDS_TABLES = (NationalityExcludedCriterion, ProspectCriterion)


def build_criterion(raw: Mapping[str, Any], sources: Mapping[str, Source],
                    tables: Mapping[str, ReferenceTable]) -> Criterion:
    cls = CRITERION_TYPES[raw["type"]]
    source = sources[raw["source"]]
    return cls(raw, source, tables) if issubclass(cls, _NEEDS_TABLES) else cls(raw, source)

