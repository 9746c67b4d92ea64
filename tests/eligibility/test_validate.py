"""The validator catches each kind of mistake in programme and table files."""
from __future__ import annotations

import copy
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.eligibility import RulesError, load_rules, validate_dir

D = date.fromisoformat

ALL_STATUSES = ["gestattung", "duldung", "duldung_ausbildung", "duldung_beschaeftigung",
                "duldung_ungeklaerte_identitaet", "ae_schutz", "ae_abschiebungsverbot", "ae_25_5", "ae_24",
                "ae_104c", "ae_sonstige", "niederlassungserlaubnis", "fiktionsbescheinigung", "eu_citizen",
                "german_citizen"]

TABLE: dict[str, Any] = {
    "id": "safe-countries-of-origin", "name": "Sichere Herkunftsstaaten",
    "sources": [{"id": "law", "title": "§ 29a AsylG", "certainty": "F"}],
    "entries": [{"code": "AL", "valid_from": D("2015-10-24"), "valid_to": None, "source": "law"}],
}
EU_TABLE: dict[str, Any] = {
    "id": "eu-eea-ch", "name": "EU", "sources": [{"id": "eu", "title": "Verträge", "certainty": "L"}],
    "entries": [{"code": "PL", "valid_from": D("2004-05-01"), "valid_to": None, "source": "eu"}],
}
PROGRAMME = {
    "id": "demo", "kind": "programme", "names": {"de": "Demo", "en": "Demo"}, "operator": "Verein",
    "region": [{"ags": "05170", "name": "Kreis Wesel", "source": "web"}],
    "funding_rounds": [
        {"id": "r1", "name": "Runde 1", "valid_from": D("2020-01-01"), "valid_to": D("2021-12-31"), "source": "web"},
        {"id": "r2", "name": "Runde 2", "valid_from": D("2022-01-01"), "valid_to": D("2023-12-31"), "source": "web"},
    ],
    "after_last_round": {"result": "not_met", "detail": "Beendet.", "source": "web"},
    "criteria": [
        {"type": "age", "min": 18, "max": 27, "exceptions_allowed": False, "source": "web"},
        {"type": "residence_status", "met": ["gestattung", "duldung"], "not_met": ["german_citizen"],
         "unknown": [s for s in ALL_STATUSES if s not in ("gestattung", "duldung", "german_citizen")],
         "explain": {"met": "ja", "not_met": "nein", "unknown": "prüfen"}, "source": "web"},
    ],
    "sources": [{"id": "web", "title": "Website", "url": "https://example.org", "certainty": "F"}],
}


def _write(directory: Path, programme: dict, tables: tuple[dict, ...] = (TABLE, EU_TABLE),
           name: str = "demo.yml") -> Path:
    (directory / "reference").mkdir(exist_ok=True)
    for table in tables:
        (directory / "reference" / f"{table['id']}.yml").write_text(
            yaml.safe_dump(table, allow_unicode=True), encoding="utf-8")
    (directory / name).write_text(yaml.safe_dump(programme, allow_unicode=True, sort_keys=False),
                                  encoding="utf-8")
    return directory


def _messages(directory: Path) -> str:
    return "\n".join(str(p) for p in validate_dir(directory))


def _programme() -> dict:
    return copy.deepcopy(PROGRAMME)


def test_minimal_rules_are_valid_and_load(tmp_path):
    _write(tmp_path, _programme())
    assert validate_dir(tmp_path) == []
    assert set(load_rules(tmp_path).programmes) == {"demo"}


def test_shipped_rules_are_valid():
    assert validate_dir(Path(__file__).resolve().parents[2] / "programmes") == []


def test_unknown_top_level_field(tmp_path):
    programme = _programme()
    programme["target_group"] = "alle"
    assert "target_group: unknown field" in _messages(_write(tmp_path, programme))


def test_unknown_field_in_a_criterion(tmp_path):
    programme = _programme()
    programme["criteria"][0]["maximum"] = 27
    assert "criteria[0].maximum: unknown field" in _messages(_write(tmp_path, programme))


def test_missing_required_field(tmp_path):
    programme = _programme()
    del programme["operator"]
    assert "operator: required field is missing" in _messages(_write(tmp_path, programme))


def test_overlapping_funding_rounds(tmp_path):
    programme = _programme()
    programme["funding_rounds"][1]["valid_from"] = D("2021-06-01")
    assert "dates overlap" in _messages(_write(tmp_path, programme))


def test_missing_round_end_date(tmp_path):
    programme = _programme()
    del programme["funding_rounds"][0]["valid_to"]
    assert "funding_rounds[0].valid_to: required field is missing" in _messages(_write(tmp_path, programme))


def test_open_end_before_a_later_round_overlaps(tmp_path):
    programme = _programme()
    programme["funding_rounds"][0]["valid_to"] = None
    assert "dates overlap" in _messages(_write(tmp_path, programme))


def test_reversed_dates(tmp_path):
    programme = _programme()
    programme["funding_rounds"][1]["valid_to"] = D("2019-01-01")
    assert "is after valid_to" in _messages(_write(tmp_path, programme))


def test_date_given_as_text(tmp_path):
    programme = _programme()
    programme["funding_rounds"][0]["valid_from"] = "1.1.2020"
    assert "must be a date" in _messages(_write(tmp_path, programme))


def test_criterion_without_source(tmp_path):
    programme = _programme()
    del programme["criteria"][0]["source"]
    assert "criteria[0].source: required field is missing" in _messages(_write(tmp_path, programme))


def test_criterion_with_unknown_source(tmp_path):
    programme = _programme()
    programme["criteria"][0]["source"] = "faq"
    assert "unknown source 'faq'" in _messages(_write(tmp_path, programme))


def test_unknown_criterion_type(tmp_path):
    programme = _programme()
    programme["criteria"].append({"type": "income", "source": "web"})
    assert "unknown criterion type 'income'" in _messages(_write(tmp_path, programme))


def test_unknown_status_code_and_unclassified_codes(tmp_path):
    programme = _programme()
    status = programme["criteria"][1]
    status["met"] = ["gestattung", "asylum_seeker"]
    messages = _messages(_write(tmp_path, programme))
    assert "unknown residence status code 'asylum_seeker'" in messages
    assert "not classified" in messages and "duldung" in messages


def test_status_listed_twice(tmp_path):
    programme = _programme()
    programme["criteria"][1]["not_met"].append("duldung")
    assert "listed under both" in _messages(_write(tmp_path, programme))


def test_age_bounds_reversed_and_margin_missing(tmp_path):
    programme = _programme()
    programme["criteria"][0].update({"min": 30, "exceptions_allowed": True})
    messages = _messages(_write(tmp_path, programme))
    assert "min 30 is above max 27" in messages
    assert "exception_margin_years" in messages


def test_unquoted_ags(tmp_path):
    programme = _programme()
    programme["region"][0]["ags"] = 5170
    assert "quoted AGS" in _messages(_write(tmp_path, programme))


def test_round_region_outside_programme_region(tmp_path):
    programme = _programme()
    programme["funding_rounds"][0]["region"] = ["05162"]
    assert "not one of the programme's region entries" in _messages(_write(tmp_path, programme))


def test_id_must_match_file_name(tmp_path):
    _write(tmp_path, _programme(), name="other.yml")
    assert "must match the file name" in _messages(tmp_path)


def test_programme_needs_rounds(tmp_path):
    programme = _programme()
    del programme["funding_rounds"]
    assert "a programme needs a region, funding rounds" in _messages(_write(tmp_path, programme))


def test_overlapping_table_entries(tmp_path):
    table = copy.deepcopy(TABLE)
    table["entries"].append({"code": "AL", "valid_from": D("2020-01-01"), "valid_to": None, "source": "law"})
    _write(tmp_path, _programme(), tables=(table, EU_TABLE))
    assert "entries for AL: dates overlap" in _messages(tmp_path)


def test_norway_problem_is_caught(tmp_path):
    table = copy.deepcopy(EU_TABLE)
    table["entries"].append({"code": False, "valid_from": D("1994-01-01"), "valid_to": None, "source": "eu"})
    _write(tmp_path, _programme(), tables=(TABLE, table))
    assert "ISO 3166-1 alpha-2" in _messages(tmp_path)


def test_required_table_missing(tmp_path):
    _write(tmp_path, _programme(), tables=(EU_TABLE,))
    assert "safe-countries-of-origin.yml: this reference table is required" in _messages(tmp_path)


def test_broken_yaml(tmp_path):
    _write(tmp_path, _programme())
    (tmp_path / "broken.yml").write_text("id: [unclosed\n", encoding="utf-8")
    assert "broken.yml: cannot read YAML" in _messages(tmp_path)


def test_load_rules_raises_with_every_problem(tmp_path):
    programme = _programme()
    programme["colour"] = "blue"
    del programme["criteria"][0]["source"]
    with pytest.raises(RulesError) as error:
        load_rules(_write(tmp_path, programme))
    assert len(error.value.problems) == 2


def test_uncertain_criterion_and_round_lead_to_review(tmp_path):
    programme = _programme()
    programme["criteria"][0]["uncertain"] = "Altersgrenze nur mündlich bestätigt."
    programme["funding_rounds"][1]["uncertain"] = "Verlängerung nicht belegt."
    rules = load_rules(_write(tmp_path, programme))
    profile = {"birth_date": "2000-01-01", "residence_status": "duldung", "municipality": {"ags": "05170024"}}
    first = rules.evaluate(profile, D("2021-06-01"))["programmes"][0]
    assert {r["criterion"]: r["result"] for r in first["reasons"]} == {
        "region": "met", "funding_round": "met", "age": "unknown", "residence_status": "met"}
    assert "Altersgrenze nur mündlich bestätigt." in first["reasons"][2]["detail"]
    second = rules.evaluate(profile, D("2022-06-01"))["programmes"][0]
    assert second["outcome"] == "needs_review"
    assert second["reasons"][1]["result"] == "unknown"
