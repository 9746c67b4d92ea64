"""The `lotse` command."""
from __future__ import annotations

import argparse
import asyncio
import csv
import json
import signal
import sys
import time
from typing import Any

from bot.config import Settings, load_settings
from bot.eligibility import cli as eligibility_cli
from bot.inbox import cli as staff_cli
from bot.privacy import cli as retention_cli
from bot.stats import cli as stats_cli

TOKEN_HELP = """\
No Telegram bot token is set (TELEGRAM_BOT_TOKEN).
To get one: open Telegram, talk to @BotFather, send /newbot and follow its questions.
It answers with a token like 123456789:AA…; then run:

    TELEGRAM_BOT_TOKEN=123456789:AA… make run

Meanwhile you can try Lotse in this terminal: `lotse chat` (or `make chat`).
"""


def _prepare(settings: Settings, progress: Any) -> Any:
    from bot.db import migrate
    from bot.rasa_model import model_path, train_model

    migrate(settings.app_database_url)
    progress.step("database migrated")
    if not model_path().exists():
        progress.step("training the Rasa model (its training data changed; a few minutes) …")
    model = train_model(settings)
    progress.step(f"model {model.name}")
    return model


class Refused(Exception):
    """The settings cannot run as asked; the message says why, in one line."""


def _start_stack(settings: Settings, with_gateway: bool) -> Any:
    from bot.progress import ProgressLine
    from bot.scale_out import refusal
    from bot.stack import Stack

    if (why := refusal(settings)) is not None:
        raise Refused(why)
    progress = ProgressLine()
    model = _prepare(settings, progress)
    stack = Stack(settings, model, progress)
    try:
        stack.start_actions()
        progress.step(f"action server{'s' if settings.action_workers > 1 else ''} on "
                      f"{', '.join(settings.action_server_urls)}")
        stack.start_rasa()
        progress.step(f"Rasa server{'s' if settings.rasa_workers > 1 else ''} on {', '.join(stack.rasa_urls)}")
        if with_gateway:
            stack.start_gateway()
            mode = f"webhook {settings.webhook_url}" if settings.webhook_url else "long polling"
            progress.step(f"Telegram gateway ({mode}); logs in {stack.log_dir}")
            stack.start_web()
            progress.step(f"staff inbox on {settings.web_url}")
            stack.start_retention()
            progress.step("retention: deletes what is due now and once a day")
    except BaseException:
        stack.stop()
        raise
    return stack


def cmd_run(args: argparse.Namespace) -> int:
    settings = load_settings()
    if not settings.telegram_token:
        print(TOKEN_HELP, file=sys.stderr)
        if sys.stdin.isatty() and input("Start `lotse chat` now? [Y/n] ").strip().lower() in ("", "y", "yes", "j", "ja"):
            return cmd_chat(args)
        return 1
    stack = _start_stack(settings, with_gateway=True)
    print(f"Lotse is running. Staff inbox: {settings.web_url}  Ctrl-C stops it.", file=sys.stderr)
    if not _has_accounts(settings):
        print("No inbox accounts yet. Create the first admin in another terminal:\n"
              "    .venvs/app/bin/lotse staff add admin --role admin --name 'Your Name'", file=sys.stderr)
    stopping = False

    def request_stop(*_: Any) -> None:
        nonlocal stopping
        stopping = True

    # Ctrl-C and a service manager's SIGTERM both stop everything cleanly. SIGINT is set
    # explicitly: a process started in the background inherits it ignored.
    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    from bot.stack import GaveUp, Supervisor

    # A process that dies or hangs is restarted; one that keeps failing stops everything (bot/stack.py).
    supervisor = Supervisor(stack, report=lambda line: print(line, file=sys.stderr))
    try:
        while not stopping:
            try:
                supervisor.tick()
            except GaveUp as error:
                print(error, file=sys.stderr)
                return 1
            time.sleep(0.5)
    finally:
        print("\nstopping …", file=sys.stderr)
        stack.stop()
        print("stopped.", file=sys.stderr)
    return 0


def _has_accounts(settings: Settings) -> bool:
    from bot.db import Database
    from bot.inbox.accounts import Accounts

    return bool(Accounts(Database(settings.app_database_url)).all())


def cmd_chat(args: argparse.Namespace) -> int:
    from bot.console import run_chat
    from bot.conversation import Conversations
    from bot.db import Database
    from bot.rasa_client import RasaClient

    settings = load_settings()
    stack = _start_stack(settings, with_gateway=False)
    try:
        rasa = RasaClient(stack.rasa_urls, stack.token)
        conversations = Conversations(settings, rasa, Database(settings.app_database_url))
        asyncio.run(run_chat(conversations, rasa, getattr(args, "language", None)))
    finally:
        stack.stop()
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from bot.parsing.understanding import answer_models
    from bot.parsing.understanding import model_file as answers_model_file
    from bot.rasa_model import model_path, train_model
    from bot.safety.classifier import crisis_classifier, model_file

    existed = model_path().exists()
    model = train_model(load_settings(), force=args.force)
    print(f"{'up to date' if existed and not args.force else 'trained'}: {model}")
    crisis_existed = model_file().exists()
    crisis_classifier()  # the crisis classifier, cached the same way
    print(f"{'up to date' if crisis_existed else 'trained'}: {model_file()}")
    answers_existed = answers_model_file().exists()
    answer_models()  # and the answer classifiers
    print(f"{'up to date' if answers_existed else 'trained'}: {answers_model_file()}")
    return 0


def cmd_rasa_test(args: argparse.Namespace) -> int:
    """Rasa's test stories against the trained model; fails on any wrong prediction."""
    import subprocess

    from bot.config import PROJECT_ROOT
    from bot.rasa_model import rasa_environment, train_model

    settings = load_settings()
    model = train_model(settings)
    command = [
        str(settings.rasa_bin), "test", "core",
        "--model", str(model),
        "--stories", str(PROJECT_ROOT / "tests" / "rasa"),
        "--out", str(settings.var_dir / "rasa-test-results"),
        "--fail-on-prediction-errors",
    ]
    return subprocess.run(command, cwd=PROJECT_ROOT, env=rasa_environment()).returncode


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from bot.db import migrate

    migrate(load_settings().app_database_url)
    return 0


EXPORT_COLUMNS = (
    "id", "channel", "language", "status", "created_at", "completed_at", "first_name", "birth_date",
    "residence_status", "municipality.ags", "municipality.name", "consent.processing", "consent.version",
)


def _flatten(record: dict[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, dict):
            flat.update({f"{key}.{sub}": sub_value for sub, sub_value in value.items()})
        elif isinstance(value, list):
            flat[key] = json.dumps(value, ensure_ascii=False)
        else:
            flat[key] = value
    return flat


def cmd_export(args: argparse.Namespace) -> int:
    from bot.db import Database, migrate
    from bot.intake.store import IntakeStore
    from bot.stats.cells import csv_cell

    settings = load_settings()
    migrate(settings.app_database_url)
    records = IntakeStore(Database(settings.app_database_url)).records()
    out = sys.stdout
    if args.format == "jsonl":
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return 0
    rows = [{key: csv_cell(value) for key, value in _flatten(record).items()} for record in records]
    columns = list(EXPORT_COLUMNS) + sorted({k for row in rows for k in row} - set(EXPORT_COLUMNS))
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lotse", description="Lotse — first-contact intake assistant")
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("run", help="start Rasa, the action server and the Telegram gateway").set_defaults(func=cmd_run)
    chat = commands.add_parser("chat", help="talk to Lotse in this terminal (no Telegram needed)")
    chat.add_argument("--language", help="the language your 'client' reports, e.g. ar")
    chat.set_defaults(func=cmd_chat)
    train = commands.add_parser("train", help="train the Rasa model and the crisis classifier if their training data changed")
    train.add_argument("--force", action="store_true")
    train.set_defaults(func=cmd_train)

    commands.add_parser("rasa-test", help="run the Rasa test stories (tests/rasa)").set_defaults(func=cmd_rasa_test)

    db = commands.add_parser("db", help="database maintenance").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="migrate the database to the newest schema").set_defaults(func=cmd_db_upgrade)

    eligibility_cli.register(commands)
    staff_cli.register(commands)
    stats_cli.register(commands)
    retention_cli.register(commands)

    intakes = commands.add_parser("intakes", help="stored intakes").add_subparsers(dest="intakes_command", required=True)
    export = intakes.add_parser("export", help="print every intake in the intake-record format")
    export.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    export.set_defaults(func=cmd_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except Refused as error:
        print(f"lotse: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
