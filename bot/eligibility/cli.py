"""`lotse eligibility check|validate` – argparse sub-commands.

The main CLI calls `register(subparsers)`; each sub-command stores a handler in
`args.func` that returns the exit code: 0 ok, 1 invalid rules, 2 bad input.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from .loader import DEFAULT_DIR, load_rules
from .model import RulesError
from .validate import format_problems, validate_dir


def default_evaluation_date() -> date:
    """The deployment's configured evaluation date, else today."""
    from bot.config import load_settings
    from bot.deployment import load_deployment

    settings = load_settings()
    if settings.deployment_file.exists():
        configured = load_deployment(settings.deployment_file).evaluation_date
        if configured:
            return configured
    return date.today()


def _fail(message: str) -> int:
    print(f"lotse eligibility: error: {message}", file=sys.stderr)
    return 2


def _check(args: argparse.Namespace) -> int:
    try:
        as_of = date.fromisoformat(args.as_of) if args.as_of else default_evaluation_date()
    except ValueError:
        return _fail(f"--as-of must be a date YYYY-MM-DD, got {args.as_of!r}")
    try:
        profile = json.loads(Path(args.profile).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return _fail(f"profile file not found: {args.profile}")
    except (OSError, UnicodeDecodeError) as exc:
        return _fail(f"cannot read {args.profile}: {exc}")
    except json.JSONDecodeError as exc:
        return _fail(f"{args.profile} is not valid JSON: {exc}")
    if not isinstance(profile, dict):
        return _fail(f"{args.profile} must hold a JSON object (an intake record)")
    try:
        rules = load_rules(args.dir)
    except RulesError as exc:
        print(format_problems(exc.problems), file=sys.stderr)
        return 1
    ids = [i.strip() for i in args.programmes.split(",") if i.strip()] if args.programmes else None
    try:
        result = rules.evaluate(profile, as_of, ids)
    except KeyError as exc:
        return _fail(str(exc.args[0]))
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    print()
    return 0


def _validate(args: argparse.Namespace) -> int:
    problems = validate_dir(args.dir)
    if problems:
        print(f"{len(problems)} problem(s) in {args.dir}:", file=sys.stderr)
        print(format_problems(problems), file=sys.stderr)
        return 1
    print(f"{args.dir}: ok")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `eligibility` command to an argparse sub-parser collection."""
    _add_commands(subparsers.add_parser("eligibility", help="pre-screen programmes; check the rule files"))


def _add_commands(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="eligibility_command", metavar="COMMAND", required=True)

    check = commands.add_parser("check", help="evaluate an intake record (JSON) and print the result")
    check.add_argument("profile", metavar="PROFILE.json")
    check.add_argument("--as-of", metavar="YYYY-MM-DD", help="evaluation day (default: the deployment's evaluation_date, else today)")
    check.add_argument("--programmes", metavar="ID,ID", help="programme ids to evaluate (default: all)")
    check.add_argument("--dir", type=Path, default=DEFAULT_DIR, help=argparse.SUPPRESS)
    check.set_defaults(func=_check)

    validate = commands.add_parser("validate", help="check the programme and reference YAML files")
    validate.add_argument("dir", nargs="?", type=Path, default=DEFAULT_DIR, metavar="DIR",
                          help="programme directory (default: programmes/)")
    validate.set_defaults(func=_validate)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.eligibility")
    _add_commands(parser)
    args = parser.parse_args(argv)
    return args.func(args)
