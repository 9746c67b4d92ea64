"""The public API: evaluate(), localize_result(), derived dates, and purity."""
from __future__ import annotations

import ast
import copy
import json
from datetime import date
from pathlib import Path

import pytest

from bot.eligibility import evaluate, localize_result
from bot.eligibility.derived import age_on, months_since, parse_partial_date
from bot.eligibility.messages import N_, OUTCOME

PACKAGE = Path(__file__).resolve().parents[2] / "bot" / "eligibility"
PROFILE = {"birth_date": "2000-05-10", "nationality": "AF", "residence_status": "duldung",
           "employment_permitted": "yes", "arrival_date": "2019-03-01",
           "municipality": {"ags": "05162024", "name": "Neuss"}, "in_reception_facility": False}


@pytest.mark.parametrize("birth, day, age", [
    (date(1994, 6, 15), date(2022, 6, 14), 27),
    (date(1994, 6, 15), date(2022, 6, 15), 28),
    (date(2000, 2, 29), date(2001, 2, 28), 0),   # not yet: the year ends with 28 February
    (date(2000, 2, 29), date(2001, 3, 1), 1),
    (date(2000, 2, 29), date(2004, 2, 28), 3),
    (date(2000, 2, 29), date(2004, 2, 29), 4),
])
def test_age_on(birth, day, age):
    assert age_on(birth, day) == age


@pytest.mark.parametrize("start, day, months", [
    (date(2024, 1, 15), date(2024, 4, 15), 2),
    (date(2024, 1, 15), date(2024, 4, 16), 3),
    (date(2024, 1, 31), date(2024, 2, 29), 0),   # month 1 ends with 29 February (§ 188 Abs. 3 BGB)
    (date(2024, 1, 31), date(2024, 3, 1), 1),
    (date(2024, 1, 15), date(2024, 1, 15), 0),
])
def test_months_since(start, day, months):
    assert months_since(start, day) == months


@pytest.mark.parametrize("value, state", [
    ("1999", "partial"), ("1999-02", "partial"), ("1999-02-28", "exact"), ("1999-02-30", "invalid"),
    ("1999-13", "invalid"), ("99", "invalid"), ("", "invalid"), (None, "missing"), ("unknown", "unknown"),
    (1999, "invalid"), (date(1999, 2, 28), "exact"),
])
def test_parse_partial_date(value, state):
    assert parse_partial_date(value)[0] == state


def test_result_is_json_and_follows_the_record_format():
    result = evaluate(PROFILE, date(2022, 3, 15))
    json.dumps(result)  # serialisable as it is
    assert set(result) >= {"as_of", "programmes", "referrals"}
    for entry in result["programmes"]:
        assert entry["outcome"] in ("eligible", "not_eligible", "needs_review")
        for reason in entry["reasons"]:
            assert reason["result"] in ("met", "not_met", "unknown")
            assert reason["detail"] and reason["source"] and reason["person"]
            reason["person"].format(**reason["person_args"])  # every placeholder is filled


def test_default_day_is_today_and_ids_select():
    result = evaluate(PROFILE, programme_ids=["kim-nrw"])
    assert result["as_of"] == date.today().isoformat()
    assert [p["id"] for p in result["programmes"]] == ["kim-nrw"]


def test_unknown_programme_id_raises():
    with pytest.raises(KeyError):
        evaluate(PROFILE, programme_ids=["nope"])


def test_a_result_is_the_callers_own_and_plain_json():
    first = evaluate(PROFILE, date(2022, 3, 15))
    expected = copy.deepcopy(first)
    first["programmes"][0]["reasons"][0]["result"] = "changed"
    first["programmes"][0]["reasons"][0]["person_args"]["x"] = 1
    first["programmes"][0]["names"]["de"] = "changed"
    second = evaluate(PROFILE, date(2022, 3, 15))
    assert second == expected
    assert json.loads(json.dumps(second)) == second


@pytest.mark.parametrize("profile", [None, [], "text", {"municipality": []}, {"birth_date": {"y": 1}}])
def test_odd_profiles_do_not_crash(profile):
    assert evaluate(profile, date(2026, 11, 22))["programmes"]


def test_localize_result_uses_gettext_and_fills_placeholders():
    result = evaluate({**PROFILE, "municipality": {"ags": "05162024"}}, date(2023, 7, 1),
                      programme_ids=["durchstarten-nrw"])
    catalog = {OUTCOME["not_eligible"]: "{programme} passt wohl nicht.",
               "This offer ended on {end_date}.": "Das Angebot endete am {end_date}."}
    lines = localize_result(result, lambda s: catalog.get(s, s))
    assert lines[0] == "Durchstarten – Start into Training and Work (NRW) passt wohl nicht."
    assert "Das Angebot endete am 2023-06-30." in lines
    assert any(line.startswith("You can also get help from: ") for line in lines)


def test_localize_result_formats_dates_for_a_locale():
    result = evaluate({**PROFILE, "municipality": {"ags": "05162024"}}, date(2023, 7, 1),
                      programme_ids=["durchstarten-nrw"])
    assert "This offer ended on 30. Juni 2023." in localize_result(result, lambda s: s, locale="de")


def test_every_message_is_marked_for_extraction():
    assert N_("x") == "x"
    source = (PACKAGE / "messages.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    marked = {node.args[0].value for node in ast.walk(tree)
              if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "N_"
              and isinstance(node.args[0], ast.Constant)}
    result = evaluate({}, date(2026, 11, 22))
    used = {r["person"] for e in result["programmes"] + result["referral_details"] for r in e["reasons"]}
    assert used <= marked


def test_package_never_imports_rasa():
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.split(".")[0] in ("rasa", "rasa_sdk") for n in names), path
