"""Checks programme and reference-table YAML before anything is compiled.

Catches unknown or missing fields, wrong types, unknown codes, missing, reversed or
overlapping dates, criteria without a (known) source, and incomplete status lists.
Works on the raw YAML data and returns problems instead of raising, so the CLI can
list them all at once.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml

from .criteria import COMMON_FIELDS, CRITERION_TYPES
from .engine import REQUIRED_TABLES
from .model import CERTAINTIES, NOT_MET, RESULTS, STATUS_CODES, UNKNOWN, FieldSpec, Problem

_SOURCE = {"id": FieldSpec("str", required=True), "title": FieldSpec("text", required=True),
           "certainty": FieldSpec("str", required=True, choices=CERTAINTIES),
           "url": FieldSpec("str"), "legal_ref": FieldSpec("str"), "note": FieldSpec("text")}
_NAMES = {"de": FieldSpec("text", required=True), "en": FieldSpec("text", required=True)}

PROGRAMME_FIELDS: Mapping[str, FieldSpec] = {
    "id": FieldSpec("str", required=True),
    "kind": FieldSpec("str", required=True, choices=("programme", "referral")),
    "names": FieldSpec("map", required=True, schema=_NAMES),
    "description": FieldSpec("text"),
    "operator": FieldSpec("text", required=True),
    "team": FieldSpec("str"),
    "region": FieldSpec("list", schema={
        "ags": FieldSpec("ags", required=True), "name": FieldSpec("text", required=True),
        "team": FieldSpec("str"), "source": FieldSpec("source_ref", required=True)}),
    "funding_rounds": FieldSpec("list", schema={
        "id": FieldSpec("str", required=True), "name": FieldSpec("text", required=True),
        "valid_from": FieldSpec("date", required=True),
        "valid_to": FieldSpec("date_or_open", required=True),
        "region": FieldSpec("ags_list"), "uncertain": FieldSpec("text"),
        "source": FieldSpec("source_ref", required=True), "criteria": FieldSpec("criteria")}),
    "after_last_round": FieldSpec("map", schema={
        "result": FieldSpec("str", required=True, choices=(NOT_MET, UNKNOWN)),
        "detail": FieldSpec("text", required=True), "source": FieldSpec("source_ref", required=True)}),
    "criteria": FieldSpec("criteria"),
    "modules": FieldSpec("list", schema={
        "id": FieldSpec("str", required=True), "names": FieldSpec("map", required=True, schema=_NAMES),
        "offered_in": FieldSpec("ags_list", required=True), "offered_in_uncertain": FieldSpec("ags_list"),
        "valid_from": FieldSpec("date"), "valid_to": FieldSpec("date"), "uncertain": FieldSpec("text"),
        "source": FieldSpec("source_ref", required=True), "criteria": FieldSpec("criteria")}),
    "staff_checks": FieldSpec("list", schema={
        "detail": FieldSpec("text", required=True), "source": FieldSpec("source_ref", required=True)}),
    "sources": FieldSpec("list", required=True, schema=_SOURCE),
}

TABLE_FIELDS: Mapping[str, FieldSpec] = {
    "id": FieldSpec("str", required=True),
    "name": FieldSpec("text", required=True),
    "description": FieldSpec("text"),
    "sources": FieldSpec("list", required=True, schema=_SOURCE),
    "entries": FieldSpec("list", required=True, schema={
        "code": FieldSpec("country", required=True), "name": FieldSpec("text"),
        "valid_from": FieldSpec("date", required=True), "valid_to": FieldSpec("date_or_open", required=True),
        "uncertain": FieldSpec("text"), "source": FieldSpec("source_ref", required=True)}),
}

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: same rules, faster
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


class _Checker:
    """Collects problems for one file."""

    def __init__(self, file: str, source_ids: set[str], table_ids: set[str]):
        self.file = file
        self.source_ids = source_ids
        self.table_ids = table_ids
        self.problems: list[Problem] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(Problem(self.file, path, message))

    def mapping(self, node: Any, spec: Mapping[str, FieldSpec], path: str) -> bool:
        if not isinstance(node, dict):
            self.add(path, "must be a mapping")
            return False
        for key in node:
            if key not in spec:
                self.add(f"{path}.{key}".lstrip("."), f"unknown field (allowed: {', '.join(spec)})")
        for key, field in spec.items():
            where = f"{path}.{key}".lstrip(".")
            if key not in node:
                if field.required:
                    self.add(where, "required field is missing")
                continue
            self.value(node[key], field, where)
        return True

    def value(self, value: Any, field: FieldSpec, path: str) -> None:
        kind = field.kind
        if kind == "date_or_open" and value is None:
            return
        if value is None:
            self.add(path, "must not be empty")
            return
        check = getattr(self, f"_{kind}")
        check(value, field, path)
        if field.choices and value not in field.choices:
            self.add(path, f"{value!r} is not one of {', '.join(map(str, field.choices))}")

    def _str(self, value, field, path):
        if not isinstance(value, str) or not value.strip():
            self.add(path, "must be a non-empty string")

    _text = _str

    def _int(self, value, field, path):
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(path, "must be a whole number")

    def _bool(self, value, field, path):
        if not isinstance(value, bool):
            self.add(path, "must be true or false")

    def _date(self, value, field, path):
        if isinstance(value, datetime) or not isinstance(value, date):
            self.add(path, f"must be a date YYYY-MM-DD, got {value!r}")

    _date_or_open = _date

    def _ags(self, value, field, path):
        if not (isinstance(value, str) and value.isdigit() and len(value) in (2, 5, 8)):
            self.add(path, f"must be a quoted AGS prefix of 2, 5 or 8 digits, got {value!r}")

    def _ags_list(self, value, field, path):
        if not isinstance(value, list):
            self.add(path, "must be a list of AGS prefixes")
            return
        for i, item in enumerate(value):
            self._ags(item, field, f"{path}[{i}]")

    def _country(self, value, field, path):
        if not (isinstance(value, str) and _COUNTRY.match(value)):
            self.add(path, f"must be an ISO 3166-1 alpha-2 code, got {value!r}")

    def _status_list(self, value, field, path):
        if not isinstance(value, list):
            self.add(path, "must be a list of residence status codes")
            return
        for i, item in enumerate(value):
            if item not in STATUS_CODES:
                self.add(f"{path}[{i}]", f"unknown residence status code {item!r}")

    def _source_ref(self, value, field, path):
        if value not in self.source_ids:
            self.add(path, f"unknown source {value!r} (not listed under `sources`)")

    def _table_ref(self, value, field, path):
        if value not in self.table_ids:
            self.add(path, f"unknown reference table {value!r}")

    def _map(self, value, field, path):
        self.mapping(value, field.schema or {}, path)

    def _list(self, value, field, path):
        if not isinstance(value, list):
            self.add(path, "must be a list")
            return
        for i, item in enumerate(value):
            self.mapping(item, field.schema or {}, f"{path}[{i}]")

    def _criteria(self, value, field, path):
        if not isinstance(value, list):
            self.add(path, "must be a list of criteria")
            return
        windows: dict[str, list[tuple[date, date, str]]] = {}
        for i, item in enumerate(value):
            where = f"{path}[{i}]"
            if not isinstance(item, dict):
                self.add(where, "must be a mapping")
                continue
            kind = item.get("type")
            cls = CRITERION_TYPES.get(kind) if isinstance(kind, str) else None
            if cls is None:
                self.add(f"{where}.type", f"unknown criterion type {item.get('type')!r} "
                                          f"(known: {', '.join(CRITERION_TYPES)})")
                continue
            self.mapping(item, {**COMMON_FIELDS, **cls.PARAMS}, where)
            self._criterion_rules(item, where)
            start, end = item.get("valid_from") or date.min, item.get("valid_to") or date.max
            windows.setdefault(item.get("id") or item["type"], []).append((start, end, where))
        for name, spans in windows.items():
            self._no_overlap(spans, f"criterion {name!r}")

    def _criterion_rules(self, item: dict, where: str) -> None:
        self.dates_in_order(item.get("valid_from"), item.get("valid_to"), where)
        kind = item["type"]
        if kind == "age":
            low, high = item.get("min"), item.get("max")
            if low is None and high is None:
                self.add(where, "an age criterion needs `min`, `max` or both")
            if isinstance(low, int) and isinstance(high, int) and low > high:
                self.add(where, f"min {low} is above max {high}")
            allowed, margin = item.get("exceptions_allowed"), item.get("exception_margin_years")
            if allowed is True and not (isinstance(margin, int) and margin >= 0):
                self.add(where, "exceptions_allowed needs exception_margin_years (>= 0)")
            if allowed is False and margin is not None:
                self.add(where, "exception_margin_years without exceptions_allowed")
        if kind == "residence_status":
            seen: dict[str, str] = {}
            for result in RESULTS:
                for code in item.get(result) or []:
                    if code in seen:
                        self.add(where, f"status {code!r} listed under both {seen[code]} and {result}")
                    seen[code] = result
            missing = sorted(STATUS_CODES - set(seen))
            if missing:
                self.add(where, f"status codes not classified (list them under met, not_met or "
                                f"unknown): {', '.join(missing)}")

    def dates_in_order(self, start: Any, end: Any, path: str) -> None:
        if isinstance(start, date) and isinstance(end, date) and start > end:
            self.add(path, f"valid_from {start} is after valid_to {end}")

    def _no_overlap(self, spans: list[tuple[date, date, str]], what: str) -> None:
        spans = sorted((s for s in spans if isinstance(s[0], date) and isinstance(s[1], date)),
                       key=lambda s: s[0])
        for (s1, e1, p1), (s2, e2, p2) in pairwise(spans):
            if s2 <= e1:
                self.add(p2, f"{what}: dates overlap with {p1} ({s1}..{e1} and {s2}..{e2})")


def _clean(node: Any) -> Any:
    """Strip the line breaks that folded YAML strings (`>`) leave behind."""
    if isinstance(node, str):
        return " ".join(node.split())
    if isinstance(node, list):
        return [_clean(item) for item in node]
    if isinstance(node, dict):
        return {key: _clean(value) for key, value in node.items()}
    return node


def _read(path: Path) -> tuple[Any, Problem | None]:
    try:
        with path.open(encoding="utf-8") as handle:
            return _clean(yaml.load(handle, Loader=_LOADER)), None
    except (OSError, yaml.YAMLError) as exc:
        return None, Problem(path.name, "", f"cannot read YAML: {exc}")


def _source_ids(data: Any) -> set[str]:
    sources = data.get("sources") if isinstance(data, dict) else None
    return {s["id"] for s in sources or [] if isinstance(s, dict) and isinstance(s.get("id"), str)}


def _check_ids_unique(checker: _Checker, items: Any, path: str, what: str) -> None:
    seen: set[Any] = set()
    for i, item in enumerate(items or []):
        ident = item.get("id") if isinstance(item, dict) else None
        if ident in seen:
            checker.add(f"{path}[{i}].id", f"duplicate {what} id {ident!r}")
        seen.add(ident)


def check_table(data: Any, file: str) -> list[Problem]:
    checker = _Checker(file, _source_ids(data), set())
    if not checker.mapping(data, TABLE_FIELDS, ""):
        return checker.problems
    _check_ids_unique(checker, data.get("sources"), "sources", "source")
    if data.get("id") != Path(file).stem:
        checker.add("id", f"must match the file name ({Path(file).stem})")
    spans: dict[Any, list] = {}
    for i, entry in enumerate(data.get("entries") or []):
        if not isinstance(entry, dict):
            continue
        where = f"entries[{i}]"
        checker.dates_in_order(entry.get("valid_from"), entry.get("valid_to"), where)
        spans.setdefault(entry.get("code"), []).append(
            (entry.get("valid_from"), entry.get("valid_to") or date.max, where))
    for code, code_spans in spans.items():
        checker._no_overlap(code_spans, f"entries for {code}")
    return checker.problems


def _region_prefixes(data: dict) -> set[Any]:  # None for an entry without ags (reported by the schema check)
    return {r.get("ags") for r in data.get("region") or [] if isinstance(r, dict)}


def _check_rounds(checker: _Checker, data: dict) -> None:
    rounds = [r for r in data.get("funding_rounds") or [] if isinstance(r, dict)]
    prefixes = _region_prefixes(data)
    by_prefix: dict[str, list] = {p: [] for p in prefixes}
    for i, rnd in enumerate(rounds):
        where = f"funding_rounds[{i}]"
        checker.dates_in_order(rnd.get("valid_from"), rnd.get("valid_to"), where)
        for ags in rnd.get("region") or []:
            if ags not in prefixes:
                checker.add(f"{where}.region", f"{ags!r} is not one of the programme's region entries")
        for prefix in (rnd.get("region") or prefixes):
            if prefix in by_prefix:
                by_prefix[prefix].append((rnd.get("valid_from"), rnd.get("valid_to") or date.max, where))
    for prefix, spans in by_prefix.items():
        checker._no_overlap(spans, f"funding rounds for {prefix}")
    programme_names = {c.get("id") or c.get("type") for c in data.get("criteria") or [] if isinstance(c, dict)}
    for i, rnd in enumerate(rounds):
        for j, crit in enumerate(rnd.get("criteria") or []):
            name = (crit.get("id") or crit.get("type")) if isinstance(crit, dict) else None
            if name in programme_names:
                checker.add(f"funding_rounds[{i}].criteria[{j}]",
                            f"criterion {name!r} is also a programme-wide criterion; give it another id")
    for prefix, spans in by_prefix.items():
        if rounds and not spans:
            checker.add("funding_rounds", f"no funding round covers region {prefix}")


def _check_modules(checker: _Checker, data: dict) -> None:
    prefixes = _region_prefixes(data)
    for i, module in enumerate(data.get("modules") or []):
        if not isinstance(module, dict):
            continue
        where = f"modules[{i}]"
        checker.dates_in_order(module.get("valid_from"), module.get("valid_to"), where)
        offered = set(module.get("offered_in") or [])
        unsure = set(module.get("offered_in_uncertain") or [])
        for ags in sorted((offered | unsure) - prefixes):
            checker.add(where, f"{ags!r} is not one of the programme's region entries")
        for ags in sorted(offered & unsure):
            checker.add(where, f"{ags!r} is listed in both offered_in and offered_in_uncertain")


def check_programme(data: Any, file: str, table_ids: set[str]) -> list[Problem]:
    checker = _Checker(file, _source_ids(data), table_ids)
    if not checker.mapping(data, PROGRAMME_FIELDS, ""):
        return checker.problems
    ident = data.get("id")
    if isinstance(ident, str) and not _ID.match(ident):
        checker.add("id", "use lower-case letters, digits and '-'")
    if ident != Path(file).stem:
        checker.add("id", f"must match the file name ({Path(file).stem})")
    for key, what in (("sources", "source"), ("funding_rounds", "funding round"), ("modules", "module")):
        _check_ids_unique(checker, data.get(key), key, what)
    if data.get("kind") == "programme":
        for key in ("region", "funding_rounds", "after_last_round"):
            if not data.get(key):
                checker.add(key, "a programme needs a region, funding rounds and after_last_round")
    elif data.get("funding_rounds") and not (data.get("region") and data.get("after_last_round")):
        checker.add("funding_rounds", "funding rounds need a region and after_last_round")
    _check_rounds(checker, data)
    _check_modules(checker, data)
    return checker.problems


def programme_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.yml"))


def table_files(directory: Path) -> list[Path]:
    return sorted((directory / "reference").glob("*.yml"))


def read_rule_files(directory: Path) -> tuple[dict[str, Any], dict[str, Any], list[Problem]]:
    """Read and check every file; returns (tables, programmes, problems), keyed by id."""
    problems: list[Problem] = []
    tables: dict[str, Any] = {}
    programmes: dict[str, Any] = {}
    if not directory.is_dir():
        return tables, programmes, [Problem(str(directory), "", "not a directory")]
    for path in table_files(directory):
        data, problem = _read(path)
        found = [problem] if problem else check_table(data, f"reference/{path.name}")
        problems.extend(found)
        if not found:
            tables[data["id"]] = data
    for path in programme_files(directory):
        data, problem = _read(path)
        found = [problem] if problem else check_programme(data, path.name, set(tables))
        problems.extend(found)
        if not found:
            programmes[data["id"]] = data
    if not programmes and not problems:
        problems.append(Problem(str(directory), "", "no programme files (*.yml) found"))
    for required in REQUIRED_TABLES:
        if required not in tables:
            problems.append(Problem(f"reference/{required}.yml", "",
                                    "this reference table is required (the derived facts use it)"))
    return tables, programmes, problems


def validate_dir(directory: Path | str) -> list[Problem]:
    return read_rule_files(Path(directory))[2]


def format_problems(problems: Iterable[Problem]) -> str:
    return "\n".join(f"- {p}" for p in problems)
