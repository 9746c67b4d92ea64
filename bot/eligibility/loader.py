"""YAML files → validated → compiled ProgrammeRules (done once; evaluation reads no YAML)."""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .criteria import build_criterion
from .engine import ProgrammeRules
from .model import FundingRound, Module, Programme, RegionEntry, RulesError, Source, StaffCheck, Verdict
from .tables import ReferenceTable, TableEntry
from .validate import read_rule_files

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "programmes"


def _sources(data: Mapping[str, Any]) -> dict[str, Source]:
    return {s["id"]: Source(id=s["id"], title=s["title"], certainty=s["certainty"], url=s.get("url"),
                            legal_ref=s.get("legal_ref"))
            for s in data["sources"]}


def _table(data: Mapping[str, Any]) -> ReferenceTable:
    sources = _sources(data)
    entries = tuple(TableEntry(code=e["code"], valid_from=e["valid_from"], valid_to=e["valid_to"],
                               uncertain=e.get("uncertain"), source=sources[e["source"]])
                    for e in data["entries"])
    return ReferenceTable(data["id"], data["name"], entries)


def _programme(data: Mapping[str, Any], tables: Mapping[str, ReferenceTable]) -> Programme:
    sources = _sources(data)

    def criteria(items) -> tuple:
        return tuple(build_criterion(c, sources, tables) for c in items or [])

    region = tuple(RegionEntry(r["ags"], r["name"], sources[r["source"]], r.get("team"))
                   for r in data.get("region") or [])
    rounds = tuple(FundingRound(id=r["id"], name=r["name"], valid_from=r["valid_from"],
                                valid_to=r["valid_to"],
                                region=tuple(r["region"]) if r.get("region") else None,
                                uncertain=r.get("uncertain"), source=sources[r["source"]],
                                criteria=criteria(r.get("criteria")))
                   for r in data.get("funding_rounds") or [])
    after = data.get("after_last_round")
    after_last = (Verdict(after["result"], after["detail"], "", source=sources[after["source"]].cite())
                  if after else None)
    modules = tuple(Module(id=mod["id"], names=mod["names"], offered_in=tuple(mod["offered_in"]),
                           offered_in_uncertain=tuple(mod.get("offered_in_uncertain") or ()),
                           valid_from=mod.get("valid_from"), valid_to=mod.get("valid_to"),
                           uncertain=mod.get("uncertain"), source=sources[mod["source"]],
                           criteria=criteria(mod.get("criteria")))
                    for mod in data.get("modules") or [])
    staff = tuple(StaffCheck(s["detail"], sources[s["source"]]) for s in data.get("staff_checks") or [])
    return Programme(id=data["id"], kind=data["kind"], names=data["names"], operator=data["operator"],
                     team=data.get("team"), region=region, rounds=rounds, after_last_round=after_last,
                     criteria=criteria(data.get("criteria")), modules=modules, staff_checks=staff,
                     sources=sources)


def load_rules(path: Path | str | None = None) -> ProgrammeRules:
    """Read, validate and compile the rules; raises RulesError listing every problem."""
    tables_data, programmes_data, problems = read_rule_files(Path(path) if path else DEFAULT_DIR)
    if problems:
        raise RulesError(problems)
    tables = {ident: _table(data) for ident, data in tables_data.items()}
    return ProgrammeRules((_programme(data, tables) for data in programmes_data.values()), tables)
