"""Forgetting a person (/delete, an admin, the forget signal) and /mydata, on real SQLite and
PostgreSQL, with a fake Rasa server where a turn is needed."""
from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text
from starlette.testclient import TestClient

from bot.config import Settings
from bot.conversation import Conversations, Person
from bot.db import AuditEntry, Case, Database, Intake, OutboxMessage
from bot.db.last_seen import LastSeen
from bot.handoff.outbox import Outbox, enqueue
from bot.privacy import forget_person
from bot.rasa_client import FORGET_SIGNAL, RasaClient
from bot.telegram.keyboards import CALLBACK_PREFIX, callback_id, payload_for, remember_payloads
from bot.web.app import build_app
from tests.unit.fake_rasa import FakeRasa
from tests.unit.privacy_helpers import (
    OLD_NOTICE_ID,
    PASSWORD,
    SENT_NOTICE_ID,
    STAFF_CHAT,
    VOICE_NOTICE_ID,
    add_tracker_events,
    make_settings,
    store_everything,
    traces,
)

PERSON, CHAT, NAME, SAID = "telegram:777123456", "777123456", "Zubeida", "Mein Satz Nummer 4711"
OTHER, OTHER_NAME, OTHER_SAID = "telegram:888999000", "Gholamreza", "Andere Worte 0815"


@pytest.fixture()
def rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture()
def settings(tmp_path: Path, database_url: str, rasa: FakeRasa) -> Settings:
    return make_settings(tmp_path, database_url, rasa_url=rasa.url)


def test_delete_leaves_nothing_of_the_person_in_any_table_and_keeps_the_others(settings: Settings) -> None:
    case_id, reference = store_everything(settings, PERSON, NAME, SAID)
    store_everything(settings, OTHER, OTHER_NAME, OTHER_SAID)
    assert len(traces(settings, PERSON, CHAT, NAME, SAID)) > 15  # the search does find the person

    report = forget_person(settings, PERSON, "person")

    assert traces(settings, PERSON, CHAT, NAME, SAID) == []
    assert {t.split(".")[0] for t in traces(settings, OTHER_NAME)} >= {"intakes", "cases", "case_notes", "events"}
    assert {table: count for table, count in report.counts.items() if count} == {
        "events": 2, "outbox": 2, "staff_notices": 3, "case_messages": 2, "case_notes": 1, "case_voice_messages": 1,
        "cases": 1, "crisis_alerts": 1, "intake_stats": 1, "intakes": 1, "callback_payloads": 2, "conversations": 1,
        "inbound_updates": 1, "reminders": 1}
    assert (report.references, report.notices_deleted, report.notices_by_hand) == ((reference,), 2, 1)
    database = Database(settings.app_database_url)
    with database.session() as session:
        queued = session.scalars(select(OutboxMessage).where(OutboxMessage.chat_id == STAFF_CHAT,
                                                             OutboxMessage.conversation_id.is_(None))).all()
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "delete_person")).all()
    # The notices sent now (the voice message's copy too) are deleted by the bot; the one from
    # three days ago is named for the team.
    deletions = [m for m in queued if m.delete_message_id is not None]
    assert {m.delete_message_id for m in deletions} == {SENT_NOTICE_ID, VOICE_NOTICE_ID}
    assert all(m.text == "" for m in deletions)
    (by_hand,) = [m for m in queued if m.delete_message_id is None]
    assert reference in by_hand.text and "von Hand" in by_hand.text and re.search(r"\d\d\.\d\d\.\d{4} \d\d:\d\d", by_hand.text)
    assert [(a.actor, a.case_id, a.detail) for a in audit] == [("person", case_id, reference)]
    assert all(m.delete_message_id != OLD_NOTICE_ID for m in queued)


# SQLite only: PostgreSQL keeps deleted rows in its files until VACUUM reuses their space.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_deleted_text_is_overwritten_in_the_database_file(settings: Settings) -> None:
    store_everything(settings, PERSON, NAME, SAID)
    forget_person(settings, PERSON, "person")
    for url in (settings.app_database_url, settings.tracker_database_url):
        database = Database(url)
        with database.engine.connect() as connection:
            assert connection.execute(text("PRAGMA secure_delete")).scalar() == 1
            connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        database.engine.dispose()
        assert SAID.encode() not in Path(url.removeprefix("sqlite:///")).read_bytes()


def test_a_notice_sent_while_the_person_was_forgotten_is_taken_back(settings: Settings) -> None:
    database = Database(settings.app_database_url)
    with database.session() as session:
        enqueue(session, STAFF_CHAT, f"💬 {NAME}: {SAID}", conversation_id=PERSON)
    outbox = Outbox(database)
    (pending,) = outbox.due()
    forget_person(settings, PERSON, "person")  # while the gateway is sending it
    outbox.sent(pending, telegram_message_id=902)
    (deletion,) = outbox.due()
    assert (deletion.chat_id, deletion.delete_message_id, deletion.conversation_id) == (STAFF_CHAT, 902, None)
    assert traces(settings, NAME, SAID, PERSON) == []


def test_buttons_are_remembered_per_conversation(settings: Settings) -> None:
    database = Database(settings.app_database_url)
    payload = '/inform{"slot":"residence_status","value":"duldung_ausbildung_und_mehr_text_als_64_bytes"}'
    with database.session() as session:  # queued with its buttons: their payloads are stored with it
        enqueue(session, "1", "Welcher Aufenthaltsstatus?", [{"title": "Duldung", "payload": payload}],
                conversation_id=PERSON)
    data = callback_id(PERSON, payload)
    assert data.startswith(CALLBACK_PREFIX) and len(data.encode()) <= 64 and data != callback_id(OTHER, payload)
    assert payload_for(database, PERSON, data) == payload
    assert payload_for(database, OTHER, data) is None  # another chat cannot use it
    forget_person(settings, PERSON, "person")
    assert payload_for(database, PERSON, data) is None


def _run(coroutine):
    return asyncio.run(coroutine)


async def _turns(settings: Settings, rasa: FakeRasa, *steps: tuple[str, str]):
    client = RasaClient(rasa.url)
    conversations = Conversations(settings, client, Database(settings.app_database_url))
    person = Person(PERSON, "telegram", "de")
    try:
        return [await (conversations.text(person, arg) if kind == "text" else conversations.command(person, arg))
                for kind, arg in steps]
    finally:
        await client.close()


def _seed_without_case(settings: Settings) -> None:
    database = Database(settings.app_database_url)
    LastSeen(database).touch(PERSON, "telegram")
    with database.session() as session:
        session.add(Intake(conversation_id=PERSON, channel="telegram", first_name=NAME, consent={"processing": True}))
    with database.session() as session:
        remember_payloads(session, PERSON, ["/affirm"])
    add_tracker_events(settings, PERSON, [SAID])


def test_the_forget_signal_forgets_the_person_after_the_turns_replies(settings: Settings, rasa: FakeRasa) -> None:
    _seed_without_case(settings)
    rasa.replies = [{"recipient_id": PERSON, "text": "Fine, nothing is kept."}]
    (replies,) = _run(_turns(settings, rasa, ("text", "hello")))
    assert [r.text for r in replies] == ["Fine, nothing is kept."]
    assert traces(settings, NAME, SAID)  # an ordinary turn forgets nothing

    rasa.replies = [{"recipient_id": PERSON, "text": "Fine, nothing is kept."},
                    {"recipient_id": PERSON, "custom": {FORGET_SIGNAL: True}}]
    (replies,) = _run(_turns(settings, rasa, ("text", "no")))
    assert [r.text for r in replies] == ["Fine, nothing is kept."]  # the signal is no message
    assert traces(settings, PERSON, CHAT, NAME, SAID) == []
    with Database(settings.app_database_url).session() as session:
        assert session.scalar(select(AuditEntry.actor).where(AuditEntry.action == "delete_person")) == "bot"


def test_delete_command_confirms_in_the_persons_language_and_forgets(settings: Settings, rasa: FakeRasa) -> None:
    store_everything(settings, PERSON, NAME, SAID)
    rasa.slots = {"language": "en"}
    (replies,) = _run(_turns(settings, rasa, ("command", "delete")))
    assert replies[0].text.startswith("I have deleted your answers")
    assert traces(settings, PERSON, CHAT, NAME, SAID) == []


def test_mydata_gives_the_stored_data_readable_and_as_json_never_notes(settings: Settings, rasa: FakeRasa) -> None:
    _, reference = store_everything(settings, PERSON, NAME, SAID)
    rasa.slots = {"language": "en", "consent": "yes", "first_name": NAME}
    rasa.events = [{"event": "user", "text": "Ich heiße Zubeida", "timestamp": 1767225600.0},
                   {"event": "bot", "text": "What is your first name?", "timestamp": 1767225601.0}]
    (replies,) = _run(_turns(settings, rasa, ("command", "mydata")))
    readable = "\n".join(r.text for r in replies)
    assert readable.startswith("This is everything stored about you")
    assert f"First name: {NAME}" in readable  # the answers as in the intake's summary
    assert reference in readable and SAID in readable and f"Hallo {NAME}" in readable
    assert "Notiz" not in readable
    assert "voice messages you sent to the team (number: 1" in readable  # mentioned, not played
    document = replies[-1].document
    assert document is not None and document.filename.endswith(".json")
    data = json.loads(document.content)
    assert data["intake"]["first_name"] == NAME
    assert [(m["from"], m["text"]) for m in data["cases"][0]["messages"]] == [("you", SAID), ("team", f"Hallo {NAME}")]
    assert data["cases"][0]["reference"] == reference and data["pending_crisis_message"] == SAID
    (voice,) = data["voice_messages_to_the_team"]
    assert (voice["case"], voice["duration_seconds"]) == (reference, 4) and SAID not in json.dumps(voice)
    assert data["chat_with_the_assistant"][0] == {"from": "you", "text": "Ich heiße Zubeida", "at": "2026-01-01T00:00:00Z"}
    assert "Notiz" not in document.content.decode() and "anna" not in document.content.decode()


def test_mydata_says_when_nothing_is_stored(settings: Settings, rasa: FakeRasa) -> None:
    rasa.slots = {"language": "en"}
    (replies,) = _run(_turns(settings, rasa, ("command", "mydata")))
    assert [r.text for r in replies] == ["Nothing is stored about you: no answers, no case, no messages."]
    assert replies[0].document is None


def _login(client: TestClient, name: str) -> str:
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"login": name, "password": PASSWORD, "csrf": token}, follow_redirects=False)
    return token


def _csrf(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def test_an_admin_deletes_the_person_from_the_case_page_staff_cannot(settings: Settings) -> None:
    case_id, reference = store_everything(settings, PERSON, NAME, SAID)
    with TestClient(build_app(settings)) as staff:  # one event loop for the app's Rasa client
        _login(staff, "anna")
        page = staff.get(f"/cases/{case_id}").text
        assert "Person löschen" not in page
        assert staff.post(f"/cases/{case_id}/forget", data={"csrf": _csrf(page), "confirm": "yes"}).status_code == 403

    with TestClient(build_app(settings)) as admin:
        _login(admin, "root")
        page = admin.get(f"/cases/{case_id}").text
        assert "Person löschen" in page
        unconfirmed = admin.post(f"/cases/{case_id}/forget", data={"csrf": _csrf(page)})
        assert "Bitte bestätigen" in unconfirmed.text and traces(settings, NAME)
        done = admin.post(f"/cases/{case_id}/forget", data={"csrf": _csrf(page), "confirm": "yes"})
    assert done.url.path == "/cases" and f"Gelöscht: alles über die Person von Fall {reference}" in done.text
    assert traces(settings, PERSON, CHAT, NAME, SAID) == []
    with Database(settings.app_database_url).session() as session:
        assert session.get(Case, case_id) is None
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "delete_person")).one()
    assert (entry.actor, entry.case_id, entry.detail) == ("root", case_id, reference)
