"""Evaluation: facts → reasons per criterion → outcome per programme → result dict."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from . import messages as m
from . import staff_texts as t
from .criteria import Criterion
from .derived import Facts, derive_facts
from .model import (
    ELIGIBLE,
    MET,
    NEEDS_REVIEW,
    NOT_ELIGIBLE,
    NOT_MET,
    UNKNOWN,
    EligibilityResult,
    Module,
    ModuleResult,
    Programme,
    ProgrammeResult,
    Reason,
    StaffCheckResult,
)
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


def outcome_of(reasons: Iterable[Reason]) -> str:
    """Any `not_met` decides; otherwise any `unknown` needs a person; otherwise eligible."""
    results = {r["result"] for r in reasons}
    if NOT_MET in results:
        return NOT_ELIGIBLE
    if UNKNOWN in results:
        return NEEDS_REVIEW
    return ELIGIBLE


class CompiledProgramme:
    """A programme with its region, funding-round and module checks built once."""

    def __init__(self, programme: Programme):
        self.programme = programme
        self.kind = programme.kind
        self.region = RegionCriterion(programme.region) if programme.region else None
        after_last = programme.after_last_round
        self.rounds = (FundingRoundCriterion(programme.rounds, after_last, self.region)
                       if programme.rounds and after_last is not None and self.region is not None else None)
        prefixes = self.region.prefixes if self.region else ()
        self.modules = tuple((module, self._module_checks(module, prefixes)) for module in programme.modules)

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

    def evaluate(self, facts: Facts) -> ProgrammeResult:
        programme = self.programme
        reasons: list[Reason] = []
        team, chosen_round = programme.team, None
        if self.region is not None:
            reasons.append(self.region.reason(facts))
            entry = self.region.entry_for(facts)
            team = entry.team if entry is not None and entry.team else team
            if self.rounds is not None:
                reason, chosen_round = self.rounds.reason_and_round(facts.as_of, entry.ags if entry else None)
                reasons.append(reason)
        round_criteria = chosen_round.criteria if chosen_round is not None else ()
        reasons.extend(c.reason(facts) for c in programme.criteria + round_criteria if c.applies_on(facts.as_of))
        result = ProgrammeResult(id=programme.id, kind=self.kind, names=dict(programme.names), outcome="",
                                 reasons=reasons, team=team)
        if self.modules:
            modules = [self._module(module, checks, facts) for module, checks in self.modules]
            reasons.append(_modules_reason(modules))
            result["modules"] = modules
        result["outcome"] = outcome_of(reasons)
        if programme.staff_checks:
            result["staff_checks"] = [StaffCheckResult(detail=check.detail, source=check.source.cite())
                                      for check in programme.staff_checks]
        return result

    @staticmethod
    def _module(module: Module, checks: tuple[Criterion, ...], facts: Facts) -> ModuleResult:
        reasons = [c.reason(facts) for c in checks if c.applies_on(facts.as_of)]
        return ModuleResult(id=module.id, name=module.names["de"], outcome=outcome_of(reasons), reasons=reasons)


def _modules_reason(modules: list[ModuleResult]) -> Reason:
    """Summary of the modules as one programme criterion: met if any module fits."""
    fitting = [module["id"] for module in modules if module["outcome"] == ELIGIBLE]
    review = [module["id"] for module in modules if module["outcome"] == NEEDS_REVIEW]
    if fitting:
        result, person, detail = MET, m.MODULES_MET, t.MODULES_FITTING.format(modules=", ".join(fitting))
    elif review:
        result, person, detail = UNKNOWN, m.MODULES_REVIEW, t.MODULES_TO_CHECK.format(modules=", ".join(review))
    else:
        result, person, detail = NOT_MET, m.MODULES_NOT_MET, t.MODULES_NONE
    return Reason(criterion="modules", result=result, detail=detail, source=t.MODULES_SOURCE, person=person,
                  person_args={})


class ProgrammeRules:
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
                 referral_ids: list[str] | None = None) -> EligibilityResult:
        programmes = self._all_programmes if programme_ids is None else self._select(self.programmes, programme_ids)
        referrals = self._all_referrals if referral_ids is None else self._select(self.referrals, referral_ids)
        facts = derive_facts(profile, as_of, self.safe_countries, self.free_movement)
        results = [p.evaluate(facts) for p in programmes]
        referral_results = [r.evaluate(facts) for r in referrals]
        # Every advice service the person may use is named, also beside a fitting programme: a
        # pre-screening decides nothing, and the person should know all the doors open to them.
        suggested = [r["id"] for r in referral_results if r["outcome"] != NOT_ELIGIBLE]
        return EligibilityResult(as_of=as_of.isoformat(), programmes=results, referrals=suggested,
                                 referral_details=referral_results, facts=facts_summary(facts))


def _span(pair: tuple[int, int] | None) -> dict[str, int] | None:
    return None if pair is None else {"min": pair[0], "max": pair[1]}


def facts_summary(facts: Facts) -> dict[str, Any]:
    """The derived facts, for staff and for debugging a result."""
    labour = facts.labour
    return {"age": _span(facts.age), "birth_date": facts.birth_state,
            "residence_status": facts.status, "residence_status_from_nationality": facts.status_inferred,
            "months_since_arrival": _span(facts.months_since_arrival),
            "months_since_asylum_application": _span(facts.months_since_application),
            "labour_market": {"ban": labour.ban, "basis": labour.basis, "ba_consent": labour.ba_consent}}
