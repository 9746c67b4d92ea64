"""Compiled rule objects and the fixed vocabularies they use.

Everything here is built once by the loader and then only read; evaluation never
touches YAML or parses static dates again.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from types import MappingProxyType
from typing import Any, NamedTuple, TypedDict

MET, NOT_MET, UNKNOWN = "met", "not_met", "unknown"
RESULTS = (MET, NOT_MET, UNKNOWN)

ELIGIBLE, NOT_ELIGIBLE, NEEDS_REVIEW = "eligible", "not_eligible", "needs_review"

# Residence status codes of the intake record (docs: shared design "intake-record").
STATUS_LABELS_DE: Mapping[str, str] = {
    "gestattung": "Aufenthaltsgestattung (§ 55 AsylG)",
    "duldung": "Duldung (§ 60a AufenthG)",
    "duldung_ausbildung": "Ausbildungsduldung (§ 60c AufenthG)",
    "duldung_beschaeftigung": "Beschäftigungsduldung (§ 60d AufenthG)",
    "duldung_ungeklaerte_identitaet": "Duldung für Personen mit ungeklärter Identität (§ 60b AufenthG)",
    "ae_schutz": "Aufenthaltserlaubnis § 25 Abs. 1/2 AufenthG",
    "ae_abschiebungsverbot": "Aufenthaltserlaubnis § 25 Abs. 3 AufenthG",
    "ae_25_5": "Aufenthaltserlaubnis § 25 Abs. 5 AufenthG",
    "ae_24": "Aufenthaltserlaubnis § 24 AufenthG (vorübergehender Schutz)",
    "ae_104c": "Chancen-Aufenthaltsrecht § 104c AufenthG",
    "ae_sonstige": "sonstige Aufenthaltserlaubnis",
    "niederlassungserlaubnis": "Niederlassungserlaubnis",
    "fiktionsbescheinigung": "Fiktionsbescheinigung (§ 81 AufenthG)",
    "eu_citizen": "Unionsbürger/EWR/Schweiz",
    "german_citizen": "deutsche Staatsangehörigkeit",
}
STATUS_CODES = frozenset(STATUS_LABELS_DE)
# Statuses that exist only for people who came to Germany themselves: asylum seekers, tolerated
# people and those granted protection [I] (issue 14). They establish the person's own migration
# even without an arrival date.
STATUSES_AFTER_OWN_MIGRATION = frozenset({
    "gestattung", "duldung", "duldung_ausbildung", "duldung_beschaeftigung", "duldung_ungeklaerte_identitaet",
    "ae_schutz", "ae_abschiebungsverbot", "ae_24",
})
# The person's own "I don't know" is a code of its own and always yields `unknown`.
STATUS_UNKNOWN = "unknown"

CERTAINTIES = ("F", "L", "I", "?")  # found in source, law not re-read, inference, open


class Reason(TypedDict):
    """One criterion's verdict in a result: `detail` for staff (German), `person` a msgid for the
    person (messages.py) with its `person_args`."""
    criterion: str
    result: str  # MET, NOT_MET or UNKNOWN
    detail: str
    source: str
    person: str
    person_args: dict[str, Any]


class ModuleResult(TypedDict):
    id: str
    name: str
    outcome: str
    reasons: list[Reason]


class StaffCheckResult(TypedDict):
    detail: str
    source: str


class _ProgrammeParts(TypedDict, total=False):
    modules: list[ModuleResult]  # programmes made of modules only
    staff_checks: list[StaffCheckResult]  # what staff must check by hand, when the programme names any


class ProgrammeResult(_ProgrammeParts):
    id: str
    kind: str  # "programme" or "referral"
    names: dict[str, str]
    outcome: str  # ELIGIBLE, NOT_ELIGIBLE or NEEDS_REVIEW
    reasons: list[Reason]
    team: str | None


class EligibilityResult(TypedDict):
    """What `evaluate` returns (docs/eligibility.md); plain JSON-ready dicts and lists."""
    as_of: str
    programmes: list[ProgrammeResult]
    referrals: list[str]
    referral_details: list[ProgrammeResult]
    facts: dict[str, Any]


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    certainty: str
    url: str | None = None
    legal_ref: str | None = None

    def cite(self) -> str:
        return self._citation

    @cached_property
    def _citation(self) -> str:
        parts = [p for p in (self.legal_ref, self.title, self.url) if p]
        return "; ".join(parts) + f" [{self.certainty}]"


NO_ARGS: Mapping[str, Any] = MappingProxyType({})


class Verdict(NamedTuple):
    """One criterion's decision, before it is put into the result dict (a tuple: a profile's
    evaluation makes dozens, and a frozen dataclass is several times slower to build)."""
    result: str
    detail: str
    person: str
    person_args: Mapping[str, Any] = NO_ARGS
    source: str | None = None  # overrides the criterion's own source (e.g. per region entry)


@dataclass(frozen=True)
class RegionEntry:
    ags: str
    name: str
    source: Source
    team: str | None = None


@dataclass(frozen=True)
class FundingRound:
    id: str
    name: str
    valid_from: date
    valid_to: date | None          # None: open-ended
    region: tuple[str, ...] | None  # AGS prefixes; None: the whole programme region
    uncertain: str | None           # German reason, or None when the round is certain
    source: Source
    criteria: tuple[Any, ...] = ()

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def serves(self, ags_prefix: str) -> bool:
        return self.region is None or ags_prefix in self.region


@dataclass(frozen=True)
class Module:
    id: str
    names: Mapping[str, str]
    offered_in: tuple[str, ...]
    offered_in_uncertain: tuple[str, ...]
    valid_from: date | None
    valid_to: date | None
    uncertain: str | None
    source: Source
    criteria: tuple[Any, ...] = ()


@dataclass(frozen=True)
class StaffCheck:
    detail: str
    source: Source


@dataclass(frozen=True)
class Programme:
    id: str
    kind: str                       # "programme" or "referral"
    names: Mapping[str, str]
    operator: str
    team: str | None
    region: tuple[RegionEntry, ...]  # empty: nationwide (referrals only)
    rounds: tuple[FundingRound, ...]
    after_last_round: Verdict | None
    criteria: tuple[Any, ...]
    modules: tuple[Module, ...]
    staff_checks: tuple[StaffCheck, ...]
    sources: Mapping[str, Source]


@dataclass(frozen=True)
class Problem:
    """A validation problem: where (file and path inside it) and what."""
    file: str
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.path}" if self.path else self.file
        return f"{where}: {self.message}"


class RulesError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("invalid programme rules:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class FieldSpec:
    """What one YAML field may hold; see validate.py for the kinds."""
    kind: str
    required: bool = False
    choices: tuple[Any, ...] = ()
    schema: Mapping[str, FieldSpec] | None = None
