"""Where and when a programme runs: region, funding rounds, and module scope.

These criteria are built from a programme's `region`, `funding_rounds` and
`modules` fields rather than from its `criteria` list.
"""
from __future__ import annotations

from collections.abc import Hashable
from datetime import date

from . import messages as m
from .criteria import STATE_DE, Criterion, format_day, match_region
from .derived import Facts
from .model import MET, NOT_MET, UNKNOWN, FundingRound, Module, ReadOnlyDict, RegionEntry, Verdict


def _span(valid_from: date | None, valid_to: date | None) -> str:
    end = f"bis {format_day(valid_to)}" if valid_to else "ohne bekanntes Ende"
    return f"{format_day(valid_from)} {end}" if valid_from else end


class RegionCriterion(Criterion):
    TYPE = "region"
    READS = ("ags_state", "ags")

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

    def decide(self, key) -> Verdict:
        state, ags = key
        if ags is None:
            return Verdict(UNKNOWN, f"Wohnort (AGS) {STATE_DE.get(state, state)}; Programmgebiet: {self.names}.",
                           m.REGION_UNKNOWN)
        result, prefix = match_region(ags, self.prefixes)
        if result == MET:
            entry = next(e for e in self.entries if e.ags == prefix)
            return Verdict(MET, f"Wohnort AGS {ags} liegt im Programmgebiet {entry.name} ({prefix}).",
                           m.REGION_MET, source=entry.source.cite())
        if result == UNKNOWN:
            return Verdict(UNKNOWN, f"AGS {ags} ist zu ungenau für das Programmgebiet: {self.names}.",
                           m.REGION_UNKNOWN)
        return Verdict(NOT_MET, f"Wohnort AGS {ags} liegt außerhalb des Programmgebiets: {self.names}.",
                       m.REGION_NOT_MET)


class FundingRoundCriterion(Criterion):
    """Is a funding round running on the evaluation day for the person's region?

    With the region unknown (or outside the programme) every part of the programme
    region is checked; the criterion decides only if all parts agree.
    """
    TYPE = "funding_round"

    def __init__(self, rounds: tuple[FundingRound, ...], after_last: Verdict, region: RegionCriterion):
        super().__init__({}, None)
        self.cite = " | ".join(dict.fromkeys(r.source.cite() for r in rounds))
        self.rounds = tuple(sorted(rounds, key=lambda r: r.valid_from))
        self.after_last = after_last
        self.region = region
        self._chosen: dict[Hashable, FundingRound | None] = {}

    def _for_prefix(self, day: date, prefix: str) -> tuple[Verdict, FundingRound | None]:
        rounds = [r for r in self.rounds if r.serves(prefix)]
        active = [r for r in rounds if r.covers(day)]
        if active:
            current = active[0]
            span = f"„{current.name}“ ({_span(current.valid_from, current.valid_to)})"
            if current.uncertain:
                return Verdict(UNKNOWN, f"Förderrunde {span} – unsicher: {current.uncertain}",
                               m.ROUND_UNCLEAR, source=current.source.cite()), current
            return Verdict(MET, f"Förderrunde {span} läuft am Stichtag.", m.ROUND_MET,
                           source=current.source.cite()), current
        started = [r for r in rounds if r.valid_from <= day]
        if not started:
            first = rounds[0]
            return Verdict(NOT_MET, f"Die erste bekannte Förderrunde beginnt am {format_day(first.valid_from)}.",
                           m.ROUND_NOT_STARTED, source=first.source.cite()), None
        last = started[-1]
        assert last.valid_to is not None  # it started and is not running on `day`: it has ended
        if len(started) < len(rounds):
            following = rounds[len(started)]
            return Verdict(NOT_MET, f"Zwischen zwei Förderrunden: „{last.name}“ endete am {format_day(last.valid_to)}, "
                                    f"„{following.name}“ beginnt am {format_day(following.valid_from)}.",
                           m.ROUND_PAUSED, source=last.source.cite()), None
        ended = f"Die letzte bekannte Förderrunde „{last.name}“ endete am {format_day(last.valid_to)}. "
        verdict = self.after_last
        if verdict.result == NOT_MET:
            return Verdict(NOT_MET, ended + verdict.detail, m.ROUND_ENDED,
                           {"end_date": last.valid_to.isoformat()}, verdict.source), None
        # No known round, but a successor is possible: judge by the last round's criteria.
        return Verdict(verdict.result, ended + verdict.detail, m.ROUND_UNCLEAR, source=verdict.source), last

    def _decide(self, key) -> tuple[Verdict, FundingRound | None]:
        day, prefix = key
        if prefix is not None:
            return self._for_prefix(day, prefix)
        outcomes = [self._for_prefix(day, p) for p in self.region.prefixes]
        latest = max((r for _, r in outcomes if r is not None), key=lambda r: r.valid_from, default=None)
        if len({v.result for v, _ in outcomes}) == 1:
            return outcomes[0][0], latest
        return Verdict(UNKNOWN, "Förderrunden unterscheiden sich je nach Wohnort, und der Wohnort im "
                                "Programmgebiet ist nicht bekannt.", m.ROUND_UNCLEAR), latest

    def decide(self, key) -> Verdict:
        verdict, chosen = self._decide(key)
        self._chosen[key] = chosen
        return verdict

    def reason_and_round(self, day: date, prefix: str | None) -> tuple[ReadOnlyDict, FundingRound | None]:
        """`prefix`: the programme region entry the person lives in, None if unknown or outside."""
        key = (day, prefix)
        reason = self.reason_for_key(key)
        if key not in self._chosen:
            self.decide(key)
        return reason, self._chosen[key]


class ModuleOfferCriterion(Criterion):
    """Which parts of the programme region offer the module."""
    TYPE = "module_region"
    READS = ("ags",)

    def __init__(self, module: Module, programme_prefixes: tuple[str, ...]):
        super().__init__({}, module.source)
        self.module = module
        self.prefixes = programme_prefixes

    def decide(self, ags) -> Verdict:
        module = self.module
        if ags is None:
            return Verdict(UNKNOWN, f"Wohnort unbekannt; Baustein angeboten in: "
                                    f"{', '.join(module.offered_in) or '–'}.", m.REGION_UNKNOWN)
        if match_region(ags, module.offered_in)[0] == MET:
            return Verdict(MET, f"Baustein wird am Wohnort (AGS {ags}) angeboten.", m.MODULE_OFFERED)
        result, _prefix = match_region(ags, module.offered_in_uncertain)
        if result != NOT_MET:
            return Verdict(UNKNOWN, f"Ob der Baustein am Wohnort (AGS {ags}) angeboten wird, ist nicht belegt.",
                           m.MODULE_OFFERED if result == MET else m.REGION_UNKNOWN)
        if match_region(ags, self.prefixes)[0] == UNKNOWN:
            return Verdict(UNKNOWN, f"AGS {ags} ist zu ungenau.", m.REGION_UNKNOWN)
        return Verdict(NOT_MET, f"Baustein wird am Wohnort (AGS {ags}) nicht angeboten.", m.MODULE_NOT_OFFERED)


class ModulePeriodCriterion(Criterion):
    TYPE = "module_period"
    READS = ("as_of",)

    def __init__(self, module: Module):
        super().__init__({}, module.source)
        self.module = module

    def decide(self, day) -> Verdict:
        start, end = self.module.valid_from, self.module.valid_to
        span = _span(start, end)
        if start is not None and day < start:
            return Verdict(NOT_MET, f"Baustein läuft erst ab {format_day(start)} ({span}).", m.MODULE_NOT_STARTED)
        if end is not None and day > end:
            return Verdict(NOT_MET, f"Baustein endete am {format_day(end)} ({span}).", m.MODULE_ENDED,
                           {"end_date": end.isoformat()})
        return Verdict(MET, f"Baustein läuft am Stichtag ({span}).", m.MODULE_RUNNING)


class ModuleRuleCriterion(Criterion):
    """A module whose rules as a whole are uncertain: always for staff review."""
    TYPE = "module_rule"

    def __init__(self, module: Module):
        super().__init__({}, module.source)
        self.fixed = Verdict(UNKNOWN, f"Baustein unsicher: {module.uncertain}", m.RULE_UNCLEAR)

    def key(self, facts):
        return None

    def decide(self, key) -> Verdict:
        return self.fixed
