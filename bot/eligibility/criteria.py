"""Criterion types: each turns the derived facts into a Verdict — a result, a German sentence
for staff (staff_texts.py) and a message for the person (messages.py)."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, ClassVar

from . import messages as m
from . import staff_texts as t
from .derived import EXACT, PARTIAL, Facts
from .model import (
    MET,
    NO_ARGS,
    NOT_MET,
    RESULTS,
    STATUS_CODES,
    STATUS_LABELS_DE,
    STATUS_UNKNOWN,
    STATUSES_AFTER_OWN_MIGRATION,
    UNKNOWN,
    FieldSpec,
    Reason,
    Source,
    Verdict,
)
from .tables import ReferenceTable

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


def format_day(day: date) -> str:
    return day.strftime("%d.%m.%Y")


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

    def __init__(self, raw: Mapping[str, Any], source: Source | None):
        self.name: str = raw.get("id") or self.TYPE
        self.cite = source.cite() if source else ""
        wording: str | None = raw.get("wording")
        self.quote = t.QUOTE.format(wording=wording) if wording else ""
        self.valid_from: date | None = raw.get("valid_from")
        self.valid_to: date | None = raw.get("valid_to")
        self.uncertain: str | None = raw.get("uncertain")

    def applies_on(self, day: date) -> bool:
        return ((self.valid_from is None or self.valid_from <= day)
                and (self.valid_to is None or day <= self.valid_to))

    def decide(self, facts: Facts) -> Verdict:
        raise NotImplementedError

    def reason(self, facts: Facts) -> Reason:
        result, detail, person, person_args, source = self.decide(facts)
        if self.uncertain:
            # An uncertain rule never decides on its own: staff review it.
            result, person, person_args, source = UNKNOWN, m.RULE_UNCLEAR, NO_ARGS, None
            detail = t.RULE_UNCERTAIN.format(detail=detail, why=self.uncertain)
        return {"criterion": self.name, "result": result, "detail": detail, "source": source or self.cite,
                "person": person, "person_args": dict(person_args)}


def as_reason(criterion: str, verdict: Verdict, cite: str) -> Reason:
    return {"criterion": criterion, "result": verdict.result, "detail": verdict.detail,
            "source": verdict.source or cite, "person": verdict.person, "person_args": dict(verdict.person_args)}


class AgeCriterion(Criterion):
    """Age bounds are inclusive: max 27 means up to the day before the 28th birthday."""
    TYPE = "age"
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
        bounds = [t.AGE_FROM.format(min=self.min) if self.min is not None else "",
                  t.AGE_UP_TO.format(max=self.max, next=self.max + 1) if self.max is not None else ""]
        self.rule_de = t.AGE_RULE.format(bounds=" ".join(b for b in bounds if b), quote=self.quote)
        if self.exceptions:
            self.rule_de += t.AGE_RULE_EXCEPTIONS.format(margin=self.margin)

    def _one(self, age: int) -> str:
        if self.min is not None and age < self.min:
            distance = self.min - age
        elif self.max is not None and age > self.max:
            distance = age - self.max
        else:
            return MET
        return UNKNOWN if self.exceptions and distance <= self.margin else NOT_MET

    def decide(self, facts: Facts) -> Verdict:
        if facts.age is None:
            state = t.STATE.get(facts.birth_state, facts.birth_state)
            return Verdict(UNKNOWN, t.AGE_BIRTH_DATE_MISSING.format(state=state, rule=self.rule_de), m.AGE_MISSING)
        low, high = facts.age
        results = {self._one(a) for a in range(low, high + 1)}
        said = t.AGE_EXACT.format(age=low) if low == high else t.AGE_RANGE.format(low=low, high=high)
        if len(results) > 1:
            return Verdict(UNKNOWN, t.AGE_UNDECIDABLE.format(said=said, rule=self.rule_de), m.AGE_UNCLEAR)
        result = results.pop()
        args = dict(self.args)
        if result == MET:
            msg = m.AGE_MET_RANGE if len(args) == 2 else (m.AGE_MET_MIN if self.min is not None else m.AGE_MET_MAX)
            return Verdict(MET, t.AGE_WITHIN.format(said=said, rule=self.rule_de), msg, args)
        if result == UNKNOWN:
            return Verdict(UNKNOWN, t.AGE_EXCEPTION.format(said=said, rule=self.rule_de), m.AGE_EXCEPTION, args)
        too_young = self.min is not None and high < self.min
        return Verdict(NOT_MET, t.AGE_OUTSIDE.format(said=said, rule=self.rule_de),
                       m.AGE_TOO_YOUNG if too_young else m.AGE_TOO_OLD, args)


class StatusCriterion(Criterion):
    """Every residence status code is listed explicitly under met, not_met or unknown."""
    TYPE = "residence_status"
    PARAMS = {"met": FieldSpec("status_list", required=True),
              "not_met": FieldSpec("status_list", required=True),
              "unknown": FieldSpec("status_list", required=True),
              "explain": FieldSpec("map", required=True, schema={
                  "met": FieldSpec("text"), "not_met": FieldSpec("text"), "unknown": FieldSpec("text")})}

    def __init__(self, raw, source):
        super().__init__(raw, source)
        mapping = {code: result for result in RESULTS for code in raw[result]}
        explain: Mapping[str, str] = raw["explain"]
        person = {MET: m.STATUS_MET, NOT_MET: m.STATUS_NOT_MET, UNKNOWN: m.STATUS_REVIEW}
        # One answer per status code, and for a status not asked, not known or invalid: worded once.
        self.verdicts: dict[str | None, Verdict] = {
            code: Verdict(result, t.STATUS_EXPLAINED.format(label=STATUS_LABELS_DE[code],
                                                            explanation=explain.get(result) or "",
                                                            quote=self.quote).strip(), person[result])
            for code, result in mapping.items()}
        for status, state in ((None, t.STATUS_NOT_ASKED), (STATUS_UNKNOWN, t.STATUS_PERSON_UNKNOWN)):
            self.verdicts[status] = Verdict(UNKNOWN, t.STATUS_MISSING.format(state=state, quote=self.quote),
                                            m.STATUS_MISSING)
        self.invalid = Verdict(UNKNOWN, t.STATUS_MISSING.format(state=t.STATUS_INVALID, quote=self.quote),
                               m.STATUS_MISSING)

    def decide(self, facts: Facts) -> Verdict:
        return self.verdicts.get(facts.status, self.invalid)


class NationalityExcludedCriterion(Criterion):
    """Citizens of the countries in a table are excluded."""
    TYPE = "nationality_excluded"
    PARAMS = {"table": FieldSpec("table_ref", required=True)}

    def __init__(self, raw, source, tables: Mapping[str, ReferenceTable]):
        super().__init__(raw, source)
        self.table = tables[raw["table"]]

    def decide(self, facts: Facts) -> Verdict:
        nationality = facts.nationality
        if nationality is None:
            state = t.STATE.get(facts.nationality_state, facts.nationality_state)
            return Verdict(UNKNOWN, t.NATIONALITY_MISSING.format(state=state, quote=self.quote), m.NATIONALITY_MISSING)
        entry = self.table.entry(nationality, facts.as_of)
        table = self.table.name
        if entry is None:
            who = t.NATIONALITY_STATELESS if nationality == "stateless" else \
                t.NATIONALITY_NAMED.format(nationality=nationality)
            return Verdict(MET, t.NATIONALITY_NOT_LISTED.format(who=who, table=table, quote=self.quote),
                           m.NATIONALITY_MET)
        if entry.uncertain:
            return Verdict(UNKNOWN, t.NATIONALITY_LISTING_UNCERTAIN.format(
                nationality=nationality, table=table, why=entry.uncertain, quote=self.quote), m.NATIONALITY_REVIEW)
        return Verdict(NOT_MET, t.NATIONALITY_EXCLUDED.format(nationality=nationality, table=table, quote=self.quote),
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

    def decide(self, facts: Facts) -> Verdict:
        status, nationality, quote = facts.status, facts.nationality, self.quote
        if status not in self.applies_to:
            if status in STATUS_CODES:
                return Verdict(MET, t.PROSPECT_NOT_RELEVANT.format(
                    statuses=", ".join(sorted(self.applies_to)), label=STATUS_LABELS_DE[status], quote=quote),
                    m.PROSPECT_MET)
            return Verdict(UNKNOWN, t.PROSPECT_STATUS_UNKNOWN.format(quote=quote), m.STATUS_MISSING)
        if nationality is None:
            return Verdict(UNKNOWN, t.PROSPECT_NATIONALITY_UNKNOWN.format(quote=quote), m.NATIONALITY_MISSING)
        good = self.table.entry(nationality, facts.as_of)
        safe = self.safe.entry(nationality, facts.as_of)
        table = self.table.name
        if good is not None and good.uncertain:
            return Verdict(UNKNOWN, t.PROSPECT_LIST_UNCERTAIN.format(
                nationality=nationality, table=table, why=good.uncertain, quote=quote), m.PROSPECT_REVIEW)
        if good is not None:
            return Verdict(MET, t.PROSPECT_LISTED.format(
                nationality=nationality, table=table, since=format_day(good.valid_from), quote=quote), m.PROSPECT_MET)
        if safe is not None and not safe.uncertain:
            return Verdict(NOT_MET, t.PROSPECT_SAFE_COUNTRY.format(nationality=nationality, quote=quote),
                           m.PROSPECT_NOT_MET)
        person = m.PROSPECT_NOT_MET if self.not_listed == NOT_MET else m.PROSPECT_REVIEW
        return Verdict(self.not_listed, t.PROSPECT_NOT_LISTED.format(
            nationality=nationality, table=table, explanation=self.not_listed_explain, quote=quote), person)


class ReceptionFacilityCriterion(Criterion):
    """People still living in a state reception facility are excluded."""
    TYPE = "reception_facility"

    def __init__(self, raw, source):
        super().__init__(raw, source)
        # Three possible answers, none depending on more than the fact: worded once.
        self.verdicts = {
            None: Verdict(UNKNOWN, t.FACILITY_UNKNOWN.format(quote=self.quote), m.FACILITY_MISSING),
            True: Verdict(NOT_MET, t.FACILITY_LIVES_THERE.format(quote=self.quote), m.FACILITY_NOT_MET),
            False: Verdict(MET, t.FACILITY_LEFT.format(quote=self.quote), m.FACILITY_MET),
        }

    def decide(self, facts: Facts) -> Verdict:
        return self.verdicts[facts.in_reception_facility]


class EmploymentBanCriterion(Criterion):
    """Statutory employment bans: absolute bans exclude; `temporary` says what waiting periods mean."""
    TYPE = "employment_ban"
    PARAMS = {"temporary": FieldSpec("str", required=True, choices=RESULTS)}

    def __init__(self, raw, source):
        super().__init__(raw, source)
        self.temporary: str = raw["temporary"]

    def decide(self, facts: Facts) -> Verdict:
        ban, basis = facts.labour.ban, facts.labour.basis
        if ban == "absolute":
            return Verdict(NOT_MET, t.WORK_ABSOLUTE_BAN.format(basis=basis, quote=self.quote), m.WORK_NOT_MET)
        if ban == "temporary":
            person = {MET: m.WORK_MET, NOT_MET: m.WORK_NOT_MET, UNKNOWN: m.WORK_WAITING}[self.temporary]
            return Verdict(self.temporary, t.WORK_TEMPORARY_BAN.format(
                basis=basis, verdict=t.WORK_TEMPORARY_VERDICT[self.temporary], quote=self.quote), person)
        if ban == "unknown":
            return Verdict(UNKNOWN, t.WORK_UNCLEAR.format(basis=basis, quote=self.quote), m.WORK_REVIEW)
        return Verdict(MET, t.WORK_NO_BAN.format(basis=basis, quote=self.quote), m.WORK_MET)


class MigrationCriterion(Criterion):
    """Own migration ("first") or any immigration history ("any")."""
    TYPE = "migration_background"
    PARAMS = {"generation": FieldSpec("str", required=True, choices=("first", "any"))}

    def __init__(self, raw, source):
        super().__init__(raw, source)
        self.first_only = raw["generation"] == "first"

    def decide(self, facts: Facts) -> Verdict:
        status = facts.status
        if facts.arrival_state in (EXACT, PARTIAL):
            return Verdict(MET, t.MIGRATION_ARRIVAL_GIVEN.format(quote=self.quote), m.MIGRATION_MET)
        if status in STATUSES_AFTER_OWN_MIGRATION:
            return Verdict(MET, t.MIGRATION_BY_STATUS.format(label=STATUS_LABELS_DE[status], quote=self.quote),
                           m.MIGRATION_MET)
        if not self.first_only and status in STATUS_CODES and status != "german_citizen":
            return Verdict(MET, t.MIGRATION_FOREIGN_STATUS.format(label=STATUS_LABELS_DE[status], quote=self.quote),
                           m.MIGRATION_MET)
        return Verdict(UNKNOWN, t.MIGRATION_NOT_SHOWN.format(quote=self.quote), m.MIGRATION_REVIEW)


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

