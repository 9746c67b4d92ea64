"""Runs the YAML cases in tests/eligibility/cases (OpenFisca-style test files).

File format: `defaults` (as_of, programmes, profile merged under each case's profile)
and `cases`, each with:
  name, as_of, profile, programmes (ids to evaluate; default all),
  expect:    {id: {outcome, reasons: {criterion: result}, modules: {module: outcome},
                   person_args: {criterion: {...}}}}   for programmes and referral services
  referrals: exact list of suggested referral ids
  facts:     subset of the derived facts
  team:      {id: team}
Expected values are worked out by hand from the rules, not copied from engine output.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.eligibility import evaluate

CASES_DIR = Path(__file__).parent / "cases"
CASE_KEYS = {"name", "as_of", "profile", "programmes", "expect", "referrals", "facts", "team"}
EXPECT_KEYS = {"outcome", "reasons", "modules", "person_args"}


def _load() -> list:
    params = []
    for path in sorted(CASES_DIR.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        defaults = data.get("defaults", {})
        for case in data["cases"]:
            merged = {**defaults, **case, "profile": {**defaults.get("profile", {}), **case.get("profile", {})}}
            params.append(pytest.param(merged, id=f"{path.stem}: {case['name']}"))
    return params


CASES = _load()


def _subset(expected, actual, where: str) -> None:
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: expected a mapping, got {actual!r}"
        for key, value in expected.items():
            assert key in actual, f"{where}: missing {key!r}"
            _subset(value, actual[key], f"{where}.{key}")
    else:
        assert actual == expected, f"{where}: expected {expected!r}, got {actual!r}"


@pytest.mark.parametrize("case", CASES)
def test_case(case, rules):
    unknown = set(case) - CASE_KEYS
    assert not unknown, f"unknown case keys {unknown}"
    assert case.get("expect") or case.get("referrals") is not None or case.get("facts"), "case checks nothing"
    result = evaluate(case["profile"], case["as_of"], case.get("programmes"), rules=rules)
    entries = {e["id"]: e for e in result["programmes"] + result["referral_details"]}
    for ident, expected in (case.get("expect") or {}).items():
        assert not set(expected) - EXPECT_KEYS, f"unknown expect keys for {ident}"
        assert ident in entries, f"{ident} was not evaluated"
        entry = entries[ident]
        reasons = {r["criterion"]: r for r in entry["reasons"]}
        details = "\n".join(f"  {r['criterion']}: {r['result']} – {r['detail']}" for r in entry["reasons"])
        assert entry["outcome"] == expected["outcome"], f"{ident}: outcome {entry['outcome']}\n{details}"
        for criterion, wanted in (expected.get("reasons") or {}).items():
            assert criterion in reasons, f"{ident}: no reason {criterion!r}\n{details}"
            assert reasons[criterion]["result"] == wanted, f"{ident}.{criterion}\n{details}"
        for criterion, args in (expected.get("person_args") or {}).items():
            assert reasons[criterion]["person_args"] == args
        modules = {m["id"]: m for m in entry.get("modules", [])}
        for module, outcome in (expected.get("modules") or {}).items():
            assert modules[module]["outcome"] == outcome, f"{ident}/{module}: {modules[module]}"
    if case.get("referrals") is not None:
        assert result["referrals"] == case["referrals"]
    for ident, team in (case.get("team") or {}).items():
        assert entries[ident]["team"] == team
    _subset(case.get("facts") or {}, result["facts"], "facts")


def test_there_are_enough_cases():
    assert len(CASES) >= 80


def test_case_names_are_unique():
    ids = [p.id for p in CASES]
    assert len(ids) == len(set(ids))
