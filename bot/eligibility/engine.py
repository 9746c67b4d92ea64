"""Evaluation: facts → reasons per criterion → outcome per programme → result dict."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import lru_cache

from . import messages as m
from .criteria import Criterion
from .derived import Facts, derive_facts
from .labour import LabourAccess
from .model import ELIGIBLE, MET, NEEDS_REVIEW, NOT_ELIGIBLE, NOT_MET, UNKNOWN, Module, Programme, ReadOnlyDict
from .scope import (
    FundingRoundCriterion,
    ModuleOfferCriterion,
    ModulePeriodCriterion,
    ModuleRuleCriterion,
    RegionCriterion,
)
from .tables import ReferenceTable

SAFE_COUNTRIES = "safe-countries-of-origin"
FREE_MOVEMENT = "eu-eea-ch"
REQUIRED_TABLES = (SAFE_COUNTRIES, FREE_MOVEMENT)


def outcome_of(reasons: Iterable[dict]) -> str:
    """Any `not_met` decides; otherwise any `unknown` needs a person; otherwise eligible."""
    results = {r["result"] for r in reasons}
    if NOT_MET in results:
        return NOT_ELIGIBLE
    if UNKNOWN in results:
        return NEEDS_REVIEW
    return ELIGIBLE


class CompiledModules:
    """A programme's modules. Their checks read few facts (place, day, work ban), so the
    whole block – every module and the summary reason – is memoised on those."""

    def __init__(self, modules: tuple[tuple[Module, tuple[Criterion, ...]], ...]):
        self.modules = modules
        self.all_checks = tuple(c for _, checks in modules for c in checks)
        self._memo: dict[tuple, tuple[tuple, ReadOnlyDict]] = {}

    def _compute(self, facts: Facts) -> tuple[tuple, ReadOnlyDict]:
        entries = []
        for module, checks in self.modules:
            templates = tuple(c.reason_for_key(c.key(facts)) for c in checks if c.applies_on(facts.as_of))
            entries.append((module.id, module.names["de"], outcome_of(templates), templates))
        return tuple(entries), _modules_reason([(ident, outcome) for ident, _, outcome, _ in entries])

    def evaluate(self, facts: Facts) -> tuple[list[dict], ReadOnlyDict]:
        key = (facts.as_of, *[c.key(facts) for c in self.all_checks])
        cached = self._memo.get(key)
        if cached is None:
            cached = self._compute(facts)
            if len(self._memo) >= 4096:
                self._memo.clear()
            self._memo[key] = cached
        entries, summary = cached
        modules = [{"id": ident, "name": name, "outcome": outcome, "reasons": list(reasons)}
                   for ident, name, outcome, reasons in entries]
        return modules, summary


class CompiledProgramme:
    def __init__(self, programme: Programme):
        self.programme = programme
        self.kind = programme.kind
        self.names = ReadOnlyDict(programme.names)
        self.region = RegionCriterion(programme.region) if programme.region else None
        after_last = programme.after_last_round
        self.rounds = (FundingRoundCriterion(programme.rounds, after_last, self.region)
                       if programme.rounds and after_last is not None and self.region is not None else None)
        prefixes = self.region.prefixes if self.region else ()
        self.modules = (CompiledModules(tuple((mod, self._module_checks(mod, prefixes))
                                              for mod in programme.modules))
                        if programme.modules else None)
        self.staff_checks = tuple(ReadOnlyDict(detail=s.detail, source=s.source.cite())
                                  for s in programme.staff_checks)
        self._scopes: dict[tuple, tuple[tuple[ReadOnlyDict, ...], tuple[Criterion, ...], str | None]] = {}

    @staticmethod
    def _module_checks(module: Module, prefixes: tuple[str, ...]) -> tuple[Criterion, ...]:
        checks: list[Criterion] = []
        if module.uncertain:
            checks.append(ModuleRuleCriterion(module))
        if tuple(sorted(module.offered_in)) != tuple(sorted(prefixes)):
            checks.append(ModuleOfferCriterion(module, prefixes))
        if module.valid_from or module.valid_to:
            checks.append(ModulePeriodCriterion(module))
        return tuple(checks) + tuple(module.criteria)

    def _scope(self, facts: Facts) -> tuple[tuple[ReadOnlyDict, ...], tuple[Criterion, ...], str | None]:
        """Region and funding-round reasons, the criteria in force, and the team.

        All of it depends only on the day and the place, so it is memoised on those.
        """
        key = (facts.as_of, facts.ags_state, facts.ags)
        cached = self._scopes.get(key)
        if cached is None:
            templates: list[ReadOnlyDict] = []
            team, chosen = self.programme.team, None
            if self.region is not None:
                templates.append(self.region.reason_for_key(self.region.key(facts)))
                entry = self.region.entry_for(facts)
                team = entry.team if entry is not None and entry.team else team
                if self.rounds is not None:
                    reason, chosen = self.rounds.reason_and_round(facts.as_of, entry.ags if entry else None)
                    templates.append(reason)
            extra = chosen.criteria if chosen is not None else ()
            criteria = tuple(c for c in self.programme.criteria + extra if c.applies_on(facts.as_of))
            cached = (tuple(templates), criteria, team)
            if len(self._scopes) >= 4096:
                self._scopes.clear()
            self._scopes[key] = cached
        return cached

    def evaluate(self, facts: Facts) -> dict:
        templates, criteria, team = self._scope(facts)
        reasons = list(templates)
        for criterion in criteria:  # Criterion.reason, inlined: this loop is the hot path
            key = criterion.key(facts)
            reasons.append(criterion.memo.get(key) or criterion.build(key))
        modules = None
        if self.modules is not None:
            modules, summary = self.modules.evaluate(facts)
            reasons.append(summary)
        entry: dict = {"id": self.programme.id, "kind": self.kind, "names": self.names,
                       "outcome": outcome_of(reasons), "reasons": reasons, "team": team}
        if modules is not None:
            entry["modules"] = modules
        if self.staff_checks:
            entry["staff_checks"] = list(self.staff_checks)
        return entry


def _modules_reason(outcomes: list[tuple[str, str]]) -> ReadOnlyDict:
    """Summary of the modules as one programme criterion: met if any module fits."""
    fitting = [ident for ident, outcome in outcomes if outcome == ELIGIBLE]
    review = [ident for ident, outcome in outcomes if outcome == NEEDS_REVIEW]
    if fitting:
        result, person, detail = MET, m.MODULES_MET, f"Passende Bausteine: {', '.join(fitting)}."
    elif review:
        result, person, detail = UNKNOWN, m.MODULES_REVIEW, f"Zu prüfende Bausteine: {', '.join(review)}."
    else:
        result, person, detail = NOT_MET, m.MODULES_NOT_MET, "Kein Baustein ist verfügbar."
    return ReadOnlyDict(criterion="modules", result=result, detail=detail, source="siehe Bausteine (modules)",
                        person=person, person_args=ReadOnlyDict())


class Catalog:
    """All programmes, referral services and reference tables, compiled."""

    def __init__(self, programmes: Iterable[Programme], tables: dict[str, ReferenceTable]):
        compiled = [CompiledProgramme(p) for p in programmes]
        self.programmes = {c.programme.id: c for c in compiled if c.kind == "programme"}
        self.referrals = {c.programme.id: c for c in compiled if c.kind == "referral"}
        self.tables = tables
        self.safe_countries = tables[SAFE_COUNTRIES]
        self.free_movement = tables[FREE_MOVEMENT]
        self._all_programmes = list(self.programmes.values())
        self._all_referrals = list(self.referrals.values())

    @staticmethod
    def _select(pool: dict[str, CompiledProgramme], ids: list[str]) -> list[CompiledProgramme]:
        unknown = [i for i in ids if i not in pool]
        if unknown:
            raise KeyError(f"unknown id(s): {', '.join(unknown)}; known: {', '.join(pool)}")
        return [pool[i] for i in ids]

    def evaluate(self, profile: dict, as_of: date, programme_ids: list[str] | None = None,
                 referral_ids: list[str] | None = None) -> dict:
        programmes = self._all_programmes if programme_ids is None else self._select(self.programmes, programme_ids)
        referrals = self._all_referrals if referral_ids is None else self._select(self.referrals, referral_ids)
        facts = derive_facts(profile, as_of, self.safe_countries, self.free_movement)
        results = [p.evaluate(facts) for p in programmes]
        referral_results = [r.evaluate(facts) for r in referrals]
        # Every advice service the person may use is named, also beside a fitting programme: a
        # pre-screening decides nothing, and the person should know all the doors open to them.
        suggested = [r["id"] for r in referral_results if r["outcome"] != NOT_ELIGIBLE]
        return {"as_of": as_of.isoformat(), "programmes": results, "referrals": suggested,
                "referral_details": referral_results, "facts": facts_summary(facts)}


@lru_cache(maxsize=4096)
def _span(pair: tuple[int, int] | None) -> ReadOnlyDict | None:
    return None if pair is None else ReadOnlyDict(min=pair[0], max=pair[1])


@lru_cache(maxsize=1024)
def _labour(labour: LabourAccess) -> ReadOnlyDict:
    return ReadOnlyDict(ban=labour.ban, basis=labour.basis, ba_consent=labour.ba_consent)


def facts_summary(facts: Facts) -> dict:
    """The derived facts, for staff and for debugging a result."""
    return {"age": _span(facts.age), "birth_date": facts.birth_state,
            "residence_status": facts.status, "residence_status_from_nationality": facts.status_inferred,
            "months_since_arrival": _span(facts.months_since_arrival),
            "months_since_asylum_application": _span(facts.months_since_application),
            "labour_market": _labour(facts.labour)}
