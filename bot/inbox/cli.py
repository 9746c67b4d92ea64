"""`lotse staff add|disable|reset-password|list`: web inbox accounts, managed on the server."""
from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable

from bot.config import load_settings
from bot.db import Database, migrate
from bot.deployment import load_deployment
from bot.inbox.accounts import ROLES, AccountError, Accounts


def _accounts() -> Accounts:
    settings = load_settings()
    migrate(settings.app_database_url)
    return Accounts(Database(settings.app_database_url))


def _password(args: argparse.Namespace) -> str:
    """From stdin with --password-stdin (scripts), else asked twice without echo."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password (at least 12 characters): ")
    if getpass.getpass("Again: ") != first:
        raise AccountError("the two passwords differ")
    return first


def _add(args: argparse.Namespace) -> int:
    accounts = _accounts()
    accounts.add(args.login, args.name or args.login, args.role, _password(args))
    teams = load_deployment(load_settings().deployment_file).teams_of(args.login)
    print(f"added {args.login} ({args.role})")
    if args.role == "staff" and not teams:
        print(f"note: {args.login} is in no team yet; add the login to a team's `members` in the deployment file "
              "to let them see that team's cases", file=sys.stderr)
    return 0


def _disable(args: argparse.Namespace) -> int:
    _accounts().disable(args.login)
    print(f"disabled {args.login}: they can no longer log in (open sessions end with their next click)")
    return 0


def _reset(args: argparse.Namespace) -> int:
    _accounts().reset_password(args.login, _password(args))
    print(f"new password set for {args.login}; the account is enabled")
    return 0


def _list(args: argparse.Namespace) -> int:
    deployment = load_deployment(load_settings().deployment_file)
    for account, disabled in _accounts().all():
        teams = ", ".join(t.id for t in deployment.teams_of(account.login)) or "-"
        print(f"{account.login:20} {account.role:12} {'disabled' if disabled else 'active':9} teams: {teams}  {account.display_name}")
    return 0


def run(function: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def guarded(args: argparse.Namespace) -> int:
        try:
            return function(args)
        except AccountError as error:
            print(f"lotse staff: {error}", file=sys.stderr)
            return 2
    return guarded


def register(commands: argparse._SubParsersAction) -> None:
    staff = commands.add_parser("staff", help="web inbox accounts").add_subparsers(dest="staff_command", required=True)
    add = staff.add_parser("add", help="create an account (asks for its password)")
    add.add_argument("login")
    add.add_argument("--name", help="the name shown to colleagues and, with replies, to the person")
    add.add_argument("--role", choices=ROLES, default="staff")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.set_defaults(func=run(_add))
    disable = staff.add_parser("disable", help="lock an account")
    disable.add_argument("login")
    disable.set_defaults(func=run(_disable))
    reset = staff.add_parser("reset-password", help="set a new password (also enables the account)")
    reset.add_argument("login")
    reset.add_argument("--password-stdin", action="store_true")
    reset.set_defaults(func=run(_reset))
    staff.add_parser("list", help="all accounts, their roles and teams").set_defaults(func=run(_list))
