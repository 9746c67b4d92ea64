"""Retention with a frozen clock: each period deletes exactly what is due; the dry run nothing.
Also the periods' configuration, the privacy notice that quotes them, and migration 0006."""
from __future__ import annotations

import asyncio
import datetime
import itertools
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, select, text

from bot.config import Settings
from bot.conversation import Conversations, Person
from bot.db import AuditEntry, CallbackPayload, Case, CaseVoice, Conversation, Database, Intake, StaffSession
from bot.db.session import alembic_config
from bot.deployment import DeploymentError, Retention, parse_deployment
from bot.privacy.retention import months_before, run_retention
from bot.rasa_client import RasaClient
from tests.unit.fake_rasa import FakeRasa
from tests.unit.privacy_helpers import add_tracker_events, make_settings, traces

NOW = datetime.datetime(2030, 6, 15, 12, 0, tzinfo=datetime.UTC)
HOUR, DAY = datetime.timedelta(hours=1), datetime.timedelta(days=1)
_numbers = itertools.count(600000001)


def _person(settings: Settings, name: str, last_seen: datetime.datetime, *, consent: bool = False,
            status: str | None = None, case_closed: datetime.datetime | None = None, case_open: bool = False) -> str:
    """A person who last wrote at `last_seen`, with an intake of `status` and a case as asked (with
    a voice message of theirs, which names them in its audio)."""
    number = next(_numbers)
    conversation_id = f"telegram:{number}"
    with Database(settings.app_database_url).session() as session:
        session.add(Conversation(id=conversation_id, channel="telegram", last_seen_at=last_seen))
        if status:
            session.add(Intake(conversation_id=conversation_id, channel="telegram", first_name=name, status=status,
                               consent={"processing": True} if consent else None, updated_at=last_seen))
        if case_closed or case_open:
            case = Case(reference=f"L-{number}", conversation_id=conversation_id, channel="telegram",
                        team="t", state="closed" if case_closed else "contacted", reason="requested", language="de",
                        first_name=name, summary=name, headline=name, relay_open=False, closed_at=case_closed)
            session.add(case)
            session.flush()
            audio = b"OggS" + name.encode()
            session.add(CaseVoice(case_id=case.id, conversation_id=conversation_id, mime_type="audio/ogg",
                                  duration_seconds=2, size_bytes=len(audio), audio=audio))
    add_tracker_events(settings, conversation_id, [f"ich bin {name}"])
    return conversation_id


@pytest.fixture()
def people(tmp_path: Path, database_url: str) -> tuple[Settings, dict[str, str]]:
    settings = make_settings(tmp_path, database_url)
    due = {
        "NoConsentOld": _person(settings, "NoConsentOld", NOW - 25 * HOUR),
        "IncompleteOld": _person(settings, "IncompleteOld", NOW - 91 * DAY, consent=True, status="started"),
        "ClosedOld": _person(settings, "ClosedOld", NOW - 30 * DAY, consent=True, status="handed_off",
                             case_closed=months_before(NOW, 24) - DAY),
    }
    kept = {
        "NoConsentNew": _person(settings, "NoConsentNew", NOW - 23 * HOUR),
        "ConsentedOld": _person(settings, "ConsentedOld", NOW - 25 * HOUR, consent=True, status="completed"),
        "IncompleteNew": _person(settings, "IncompleteNew", NOW - 89 * DAY, consent=True, status="started"),
        "ClosedNew": _person(settings, "ClosedNew", NOW - 30 * DAY, consent=True, status="handed_off",
                             case_closed=months_before(NOW, 24) + DAY),
        "OpenCaseOld": _person(settings, "OpenCaseOld", NOW - 400 * DAY, case_open=True),
    }
    with Database(settings.app_database_url).session() as session:
        # Buttons of a person forgotten in the turn that showed them (declined consent).
        session.add(CallbackPayload(id="p:orphan", payload="/greet", conversation_id="telegram:555000111",
                                    created_at=NOW - 25 * HOUR))
        session.add(AuditEntry(at=months_before(NOW, 24) - DAY, actor="anna", action="view_case"))
        session.add(AuditEntry(at=months_before(NOW, 24) + DAY, actor="anna", action="view_case"))
    return settings, {**{f"due:{k}": v for k, v in due.items()}, **{f"kept:{k}": v for k, v in kept.items()}}


def test_each_period_deletes_exactly_what_is_due_and_a_dry_run_nothing(people: tuple[Settings, dict[str, str]]) -> None:
    settings, ids = people
    names = [name.split(":")[1] for name in ids]
    before = traces(settings, *names, "telegram:555000111")

    dry = run_retention(settings, now=NOW, dry_run=True)
    assert dry.people == {"closed_case": 1, "incomplete_intake": 1, "no_consent": 2} and dry.audit_entries == 1
    assert traces(settings, *names, "telegram:555000111") == before

    report = run_retention(settings, now=NOW)
    assert report.people == dry.people and report.audit_entries == 1
    assert report.rows["events"] == 3 and report.rows["cases"] == 1 and report.rows["intakes"] == 2
    assert report.rows["case_voice_messages"] == 1  # the closed case's; the open case keeps its own
    left = {trace.split(": ")[1] for trace in traces(settings, *names, "telegram:555000111")}
    assert left == {name.split(":")[1] for name in ids if name.startswith("kept:")}
    with Database(settings.app_database_url).session() as session:
        audit = session.scalars(select(AuditEntry).order_by(AuditEntry.at)).all()
    # The old entry is gone; the recent one stays, and each deletion left its own.
    assert [(a.actor, a.action) for a in audit] == [("anna", "view_case"), *[("retention", "delete_person")] * 4]
    assert all(a.at.replace(tzinfo=datetime.UTC) == NOW for a in audit[1:])
    assert run_retention(settings, now=NOW).people == {"closed_case": 0, "incomplete_intake": 0, "no_consent": 0}


def test_the_cli_prints_counts_per_kind(people: tuple[Settings, dict[str, str]]) -> None:
    settings, _ = people
    result = subprocess.run([sys.executable, "-m", "bot.cli", "retention", "run", "--dry-run"], capture_output=True,
                            text=True, check=True, env={"DATABASE_URL": settings.app_database_url, "PATH": "/usr/bin:/bin",
                                                        "LOTSE_TRACKER_STORE_URL": settings.tracker_database_url,
                                                        "LOTSE_DEPLOYMENT": str(settings.deployment_file),
                                                        "LOTSE_VAR_DIR": str(settings.var_dir)})
    # The fixture lies around NOW, years ahead of the real clock: nothing is due yet.
    assert result.stdout.splitlines() == [
        "people whose case was closed long enough ago: 0 due", "people with an intake never completed: 0 due",
        "conversations without consent: 0 due", "audit log entries: 0 due"]


def test_months_are_calendar_months() -> None:
    assert months_before(NOW, 24) == datetime.datetime(2028, 6, 15, 12, tzinfo=datetime.UTC)
    assert months_before(datetime.datetime(2030, 3, 31), 1) == datetime.datetime(2030, 2, 28)


def test_retention_periods_have_safe_defaults_and_are_checked() -> None:
    base = {"municipalities": [{"ags": "05170024", "name": "Moers"}]}
    assert parse_deployment(base).retention == Retention(24, 90, 24, 24)
    assert parse_deployment({**base, "retention": {"no_consent_hours": 12}}).retention.no_consent_hours == 12
    with pytest.raises(DeploymentError, match="unknown retention periods"):
        parse_deployment({**base, "retention": {"closed_case_years": 2}})
    with pytest.raises(DeploymentError, match="at least 1"):
        parse_deployment({**base, "retention": {"audit_log_months": 0}})


def test_the_privacy_notice_states_the_configured_periods(tmp_path: Path) -> None:
    rasa = FakeRasa()
    rasa.start()
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'app.db'}", rasa_url=rasa.url,
                             retention={"no_consent_hours": 36, "incomplete_intake_days": 60, "closed_case_months": 18})
    rasa.slots = {"language": "en"}

    async def privacy() -> str:
        client = RasaClient(rasa.url)
        try:
            conversations = Conversations(settings, client, Database(settings.app_database_url))
            return (await conversations.command(Person("console:1", "console"), "privacy"))[0].text
        finally:
            await client.close()

    try:
        notice = asyncio.run(privacy())
    finally:
        rasa.stop()
    assert "nothing is kept beyond 36 hours" in notice and "deleted 60 days after" in notice
    assert "18 months after your case is closed" in notice and "two years" not in notice


def test_migration_0006_keeps_rows_and_goes_both_ways(database_url: str) -> None:
    url = database_url
    command.upgrade(alembic_config(url), "0005")
    database = Database(url)
    with database.engine.begin() as connection:
        connection.execute(text("INSERT INTO outbox (chat_id, text, created_at, next_attempt_at, attempts) "
                                "VALUES ('-1', 'queued before', '2026-12-01 00:00:00', '2026-12-01 00:00:00', 0)"))
        connection.execute(text("INSERT INTO callback_payloads (id, payload, created_at) VALUES ('p:old', '/greet', '2026-12-01')"))
    command.upgrade(alembic_config(url), "0006")
    with database.engine.connect() as connection:
        row = connection.execute(text("SELECT text, conversation_id, delete_message_id FROM outbox")).one()
        assert row == ("queued before", None, None)
        assert connection.execute(text("SELECT conversation_id FROM callback_payloads")).scalar_one_or_none() is None
        assert connection.execute(text("SELECT count(*) FROM staff_notices")).scalar() == 0
    command.downgrade(alembic_config(url), "0005")
    with database.engine.connect() as connection:
        assert connection.execute(text("SELECT text FROM outbox")).scalar() == "queued before"
        assert "staff_notices" not in inspect(connection).get_table_names()


def test_old_staff_sessions_are_deleted(tmp_path: Path, database_url: str) -> None:
    settings = make_settings(tmp_path, database_url)
    with Database(settings.app_database_url).session() as session:
        session.add(StaffSession(token_hash="old", login="anna", client="192.0.2.1", started_at=NOW - 31 * DAY,
                                 active_at=NOW - 31 * DAY, ended_at=NOW - 31 * DAY))
        session.add(StaffSession(token_hash="new", login="anna", client="192.0.2.1", started_at=NOW - DAY,
                                 active_at=NOW - DAY))
    assert run_retention(settings, now=NOW).rows["staff_sessions"] == 1
    with Database(settings.app_database_url).session() as session:
        assert [s.token_hash for s in session.scalars(select(StaffSession))] == ["new"]
