"""Where and when a programme runs: region, funding rounds, and module scope.

These criteria are built from a programme's `region`, `funding_rounds` and
`modules` fields rather than from its `criteria` list.
"""
from __future__ import annotations

from datetime import date

from . import messages as m
from . import staff_texts as t
from .criteria import Criterion, as_reason, format_day, match_region
from .derived import Facts
from .model import MET, NOT_MET, UNKNOWN, FundingRound, Module, Reason, RegionEntry, Verdict


def _span(valid_from: date | None, valid_to: date | None) -> str:
    end = t.SPAN_UNTIL.format(end=format_day(valid_to)) if valid_to else t.SPAN_OPEN
    return t.SPAN.format(start=format_day(valid_from), end=end) if valid_from else end


class RegionCriterion(Criterion):
    TYPE = "region"

    def __init__(self, entries: tuple[RegionEntry, ...]):
        super().__init__({}, None)
        self.cite = " | ".join(dict.fromkeys(e.source.cite() for e in entries))
        self.entries = entries
        self.prefixes = tuple(e.ags for e in entries)
        self.names = ", ".join(f"{e.name} ({e.ags})" for e in entries)

    def entry_for(self, facts: Facts) -> RegionEntry | None:
        if facts.ags is not None:
            for entry in self.entries:
                if facts.ags.startswith(entry.ags):
                    return entry
        return None

    def decide(self, facts: Facts) -> Verdict:
        ags = facts.ags
        if ags is None:
            state = t.STATE.get(facts.ags_state, facts.ags_state)
            return Verdict(UNKNOWN, t.REGION_MISSING.format(state=state, region=self.names), m.REGION_UNKNOWN)
        result, prefix = match_region(ags, self.prefixes)
        if result == MET:
            entry = next(e for e in self.entries if e.ags == prefix)
            return Verdict(MET, t.REGION_INSIDE.format(ags=ags, name=entry.name, prefix=prefix), m.REGION_MET,
                           source=entry.source.cite())
        if result == UNKNOWN:
            return Verdict(UNKNOWN, t.REGION_TOO_COARSE.format(ags=ags, region=self.names), m.REGION_UNKNOWN)
        return Verdict(NOT_MET, t.REGION_OUTSIDE.format(ags=ags, region=self.names), m.REGION_NOT_MET)


class FundingRoundCriterion:
    """Is a funding round running on the evaluation day for the person's region?

    With the region unknown (or outside the programme) every part of the programme
    region is checked; the criterion decides only if all parts agree. Besides its reason it
    names the round whose extra criteria apply.
    """
    TYPE = "funding_round"

    def __init__(self, rounds: tuple[FundingRound, ...], after_last: Verdict, region: RegionCriterion):
        self.cite = " | ".join(dict.fromkeys(r.source.cite() for r in rounds))
        self.rounds = tuple(sorted(rounds, key=lambda r: r.valid_from))
        self.after_last = after_last
        self.region = region
        # Fixed for the life of the rules: which rounds serve each part of the region, and how each is named.
        self._serving = {prefix: [r for r in self.rounds if r.serves(prefix)] for prefix in region.prefixes}
        # Parts of the region served by the same rounds get the same answer: with the place unknown,
        # one part of each kind is asked (KIM names every district of NRW, served alike).
        self._one_part_each = list({tuple(r.id for r in rounds): prefix
                                    for prefix, rounds in self._serving.items()}.values())
        self._named = {r.id: t.ROUND_NAMED.format(name=r.name, span=_span(r.valid_from, r.valid_to))
                       for r in self.rounds}
        self._starts = {r.id: format_day(r.valid_from) for r in self.rounds}
        self._ends = {r.id: format_day(r.valid_to) for r in self.rounds if r.valid_to is not None}

    def _for_prefix(self, day: date, prefix: str) -> tuple[Verdict, FundingRound | None]:
        rounds = self._serving[prefix]
        active = [r for r in rounds if r.covers(day)]
        if active:
            current = active[0]
            named = self._named[current.id]
            if current.uncertain:
                return Verdict(UNKNOWN, t.ROUND_UNCERTAIN.format(round=named, why=current.uncertain),
                               m.ROUND_UNCLEAR, source=current.source.cite()), current
            return Verdict(MET, t.ROUND_RUNNING.format(round=named), m.ROUND_MET,
                           source=current.source.cite()), current
        started = [r for r in rounds if r.valid_from <= day]
        if not started:
            first = rounds[0]
            return Verdict(NOT_MET, t.ROUND_NOT_STARTED.format(start=self._starts[first.id]),
                           m.ROUND_NOT_STARTED, source=first.source.cite()), None
        last = started[-1]
        assert last.valid_to is not None  # it started and is not running on `day`: it has ended
        if len(started) < len(rounds):
            following = rounds[len(started)]
            return Verdict(NOT_MET, t.ROUND_BETWEEN.format(last=last.name, end=self._ends[last.id],
                                                           next=following.name,
                                                           start=self._starts[following.id]),
                           m.ROUND_PAUSED, source=last.source.cite()), None
        verdict = self.after_last
        ended = t.ROUND_LAST_ENDED.format(last=last.name, end=self._ends[last.id], after=verdict.detail)
        if verdict.result == NOT_MET:
            return Verdict(NOT_MET, ended, m.ROUND_ENDED, {"end_date": last.valid_to.isoformat()},
                           verdict.source), None
        # No known round, but a successor is possible: judge by the last round's criteria.
        return Verdict(verdict.result, ended, m.ROUND_UNCLEAR, source=verdict.source), last

    def reason_and_round(self, day: date, prefix: str | None) -> tuple[Reason, FundingRound | None]:
        """`prefix`: the programme region entry the person lives in, None if unknown or outside."""
        if prefix is not None:
            verdict, chosen = self._for_prefix(day, prefix)
            return as_reason(self.TYPE, verdict, self.cite), chosen
        outcomes = [self._for_prefix(day, p) for p in self._one_part_each]
        latest = max((r for _, r in outcomes if r is not None), key=lambda r: r.valid_from, default=None)
        verdict = outcomes[0][0] if len({v.result for v, _ in outcomes}) == 1 else \
            Verdict(UNKNOWN, t.ROUND_DIFFERS_BY_PLACE, m.ROUND_UNCLEAR)
        return as_reason(self.TYPE, verdict, self.cite), latest


class ModuleOfferCriterion(Criterion):
    """Which parts of the programme region offer the module."""
    TYPE = "module_region"

    def __init__(self, module: Module, programme_prefixes: tuple[str, ...]):
        super().__init__({}, module.source)
        self.module = module
        self.prefixes = programme_prefixes

    def decide(self, facts: Facts) -> Verdict:
        module, ags = self.module, facts.ags
        if ags is None:
            return Verdict(UNKNOWN, t.MODULE_PLACE_UNKNOWN.format(places=", ".join(module.offered_in) or "–"),
                           m.REGION_UNKNOWN)
        if match_region(ags, module.offered_in)[0] == MET:
            return Verdict(MET, t.MODULE_OFFERED.format(ags=ags), m.MODULE_OFFERED)
        result, _prefix = match_region(ags, module.offered_in_uncertain)
        if result != NOT_MET:
            return Verdict(UNKNOWN, t.MODULE_OFFER_UNCERTAIN.format(ags=ags),
                           m.MODULE_OFFERED if result == MET else m.REGION_UNKNOWN)
        if match_region(ags, self.prefixes)[0] == UNKNOWN:
            return Verdict(UNKNOWN, t.MODULE_AGS_TOO_COARSE.format(ags=ags), m.REGION_UNKNOWN)
        return Verdict(NOT_MET, t.MODULE_NOT_OFFERED.format(ags=ags), m.MODULE_NOT_OFFERED)


class ModulePeriodCriterion(Criterion):
    TYPE = "module_period"

    def __init__(self, module: Module):
        super().__init__({}, module.source)
        self.module = module
        self.span = _span(module.valid_from, module.valid_to)

    def decide(self, facts: Facts) -> Verdict:
        start, end, day, span = self.module.valid_from, self.module.valid_to, facts.as_of, self.span
        if start is not None and day < start:
            return Verdict(NOT_MET, t.MODULE_NOT_STARTED.format(start=format_day(start), span=span),
                           m.MODULE_NOT_STARTED)
        if end is not None and day > end:
            return Verdict(NOT_MET, t.MODULE_ENDED.format(end=format_day(end), span=span), m.MODULE_ENDED,
                           {"end_date": end.isoformat()})
        return Verdict(MET, t.MODULE_RUNNING.format(span=span), m.MODULE_RUNNING)


class ModuleRuleCriterion(Criterion):
    """A module whose rules as a whole are uncertain: always for staff review."""
    TYPE = "module_rule"

    def __init__(self, module: Module):
        super().__init__({}, module.source)
        self.why = module.uncertain

    def decide(self, facts: Facts) -> Verdict:
        return Verdict(UNKNOWN, t.MODULE_UNCERTAIN.format(why=self.why), m.RULE_UNCLEAR)
