"""The command line, run as a real subprocess."""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from bot.eligibility.cli import register

ROOT = Path(__file__).resolve().parents[2]
PROFILE = {"birth_date": "2000-05-10", "nationality": "AF", "residence_status": "duldung",
           "employment_permitted": "yes", "arrival_date": "2019-03-01",
           "municipality": {"ags": "05162024", "name": "Neuss"}, "in_reception_facility": False}


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot.eligibility", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_check_prints_the_result(tmp_path):
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(PROFILE), encoding="utf-8")
    done = run("check", str(path), "--as-of", "2022-03-15", "--programmes", "durchstarten-nrw,kim-nrw")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["as_of"] == "2022-03-15"
    assert [p["id"] for p in result["programmes"]] == ["durchstarten-nrw", "kim-nrw"]
    assert [p["outcome"] for p in result["programmes"]] == ["eligible", "eligible"]
    assert result["referrals"] == ["agentur-fuer-arbeit", "jmd"]  # named beside fitting programmes too


def test_check_missing_file():
    done = run("check", "/nonexistent/profile.json")
    assert done.returncode == 2
    assert "not found" in done.stderr and "Traceback" not in done.stderr


def test_check_bad_json(tmp_path):
    path = tmp_path / "profile.json"
    path.write_text("{birth_date: 1990", encoding="utf-8")
    done = run("check", str(path))
    assert done.returncode == 2
    assert "not valid JSON" in done.stderr and "Traceback" not in done.stderr


def test_check_json_that_is_not_an_object(tmp_path):
    path = tmp_path / "profile.json"
    path.write_text("[1, 2]", encoding="utf-8")
    assert run("check", str(path)).returncode == 2


def test_check_bad_date(tmp_path):
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(PROFILE), encoding="utf-8")
    done = run("check", str(path), "--as-of", "22.11.2026")
    assert done.returncode == 2
    assert "--as-of" in done.stderr and "Traceback" not in done.stderr


def test_check_unknown_programme(tmp_path):
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(PROFILE), encoding="utf-8")
    done = run("check", str(path), "--programmes", "no-such-programme")
    assert done.returncode == 2
    assert "no-such-programme" in done.stderr


def test_validate_ok():
    done = run("validate")
    assert done.returncode == 0
    assert "ok" in done.stdout


def test_validate_lists_problems(tmp_path):
    (tmp_path / "reference").mkdir()
    (tmp_path / "broken.yml").write_text("id: broken\nkind: programme\ncolour: blue\n", encoding="utf-8")
    done = run("validate", str(tmp_path))
    assert done.returncode == 1
    assert "colour: unknown field" in done.stderr
    assert "safe-countries-of-origin" in done.stderr
    assert "Traceback" not in done.stderr


def test_validate_missing_directory(tmp_path):
    done = run("validate", str(tmp_path / "nowhere"))
    assert done.returncode == 1
    assert "not a directory" in done.stderr


def test_register_adds_the_command_to_a_main_parser(tmp_path, capsys):
    parser = argparse.ArgumentParser(prog="lotse")
    register(parser.add_subparsers(dest="command"))
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(PROFILE), encoding="utf-8")
    args = parser.parse_args(["eligibility", "check", str(path), "--as-of", "2026-11-22"])
    assert args.func(args) == 0
    assert json.loads(capsys.readouterr().out)["as_of"] == "2026-11-22"
