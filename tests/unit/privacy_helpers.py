"""A person with something in every table, and a search for them in every table and column of
both databases (found by reflection, so a table added later is searched too)."""
from __future__ import annotations

import datetime
import json
import time
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import MetaData, create_engine, select, text

from bot.config import Settings
from bot.db import Database, Intake, Reminder, StaffNotice, migrate
from bot.db.last_seen import LastSeen
from bot.deployment import load_deployment
from bot.handoff.cases import CaseDesk
from bot.handoff.crisis import CrisisAlerts
from bot.handoff.outbox import Outbox
from bot.handoff.packet import Packet
from bot.handoff.voice import Voice, VoiceDesk
from bot.inbox.accounts import Accounts
from bot.inbox.casework import Casework
from bot.stats.facts import refresh
from bot.telegram.inbound import InboundStore
from bot.telegram.keyboards import remember_payloads

PASSWORD = "correct horse battery"
STAFF_CHAT = "-100"
SENT_NOTICE_ID = 501  # the Telegram id the new-case notice got
VOICE_NOTICE_ID = 502  # the Telegram id the team's copy of the person's voice message got
OLD_NOTICE_ID = 400


def make_settings(tmp_path: Path, database_url: str, retention: dict[str, int] | None = None,
                  rasa_url: str = "http://127.0.0.1:9") -> Settings:
    deployment = {
        "name": "Test", "controller": "Kreis Test",
        "municipalities": [{"ags": "05170024", "name": "Moers"}],
        "teams": [{"id": "t", "name": "Team T", "default": True, "members": ["anna"], "staff_chat_id": STAFF_CHAT}],
        "retention": retention or {},
    }
    path = tmp_path / "deployment.yml"
    path.write_text(yaml.safe_dump(deployment), encoding="utf-8")
    settings = Settings(var_dir=tmp_path, database_url=database_url,
                        tracker_store_url=f"sqlite:///{tmp_path / 'tracker.db'}", deployment_file=path,
                        rasa_url=rasa_url, web_public_url="http://inbox.test")
    migrate(settings.app_database_url)
    engine = create_engine(settings.tracker_database_url)
    with engine.begin() as connection:  # the columns of Rasa's SQLTrackerStore
        connection.execute(text("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
                                "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
                                "action_name VARCHAR(255), data TEXT)"))
    engine.dispose()
    accounts = Accounts(Database(settings.app_database_url))
    accounts.add("anna", "Anna A.", "staff", PASSWORD)
    accounts.add("root", "Admin", "admin", PASSWORD)
    return settings


def add_tracker_events(settings: Settings, sender: str, texts: list[str]) -> None:
    engine = create_engine(settings.tracker_database_url)
    with engine.begin() as connection:
        for said in texts:
            data = json.dumps({"event": "user", "text": said, "timestamp": time.time()}, ensure_ascii=False)
            connection.execute(text("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (:s, 'user', :t, :d)"),
                               {"s": sender, "t": time.time(), "d": data})
    engine.dispose()


def store_everything(settings: Settings, conversation_id: str, name: str, said: str) -> tuple[str, str]:
    """The person in every table: intake and its stats row, a case with a relayed message and a voice
    message (sent on to the team's chat; its audio holds their words), a staff reply and a note, a
    crisis alert, a reminder, buttons, a staff notice sent now and one sent three days ago, a
    pending notice with their words, and their chat in the tracker store. (case id, reference)"""
    database = Database(settings.app_database_url)
    deployment = load_deployment(settings.deployment_file)
    LastSeen(database).touch(conversation_id, "telegram")
    with database.session() as session:
        session.add(Intake(conversation_id=conversation_id, channel="telegram", language="de", first_name=name,
                           consent={"processing": True}, answers={"goal": "work", "note": said}))
    refresh(database)
    desk = CaseDesk(database, deployment, settings.web_url)
    opened = desk.open_case(conversation_id=conversation_id, channel="telegram", reason="requested", language="de",
                            first_name=name, municipality_ags=None, team=deployment.team("t"),
                            packet_for=lambda ref: Packet(f"Übergabe {ref} · {name}", f"{ref} {name}", 30, []))
    outbox = Outbox(database)
    (notice,) = [pending for pending in outbox.due() if pending.conversation_id == conversation_id]
    outbox.sent(notice, telegram_message_id=SENT_NOTICE_ID)  # the gateway sends the new-case notice
    relay = desk.relay_case(conversation_id)
    assert relay is not None
    desk.relay_from_person(relay, said)  # its staff-chat notice stays pending
    VoiceDesk(database, settings.web_url).keep(relay, Voice(b"OggS" + said.encode(), "audio/ogg", 4))
    (voice,) = [pending for pending in outbox.due() if pending.conversation_id == conversation_id and pending.voice]
    outbox.sent(voice, telegram_message_id=VOICE_NOTICE_ID)
    anna = Accounts(database).active("anna")
    assert anna is not None
    casework = Casework(database, deployment)
    casework.reply(anna, opened.id, f"Hallo {name}")
    casework.add_note(anna, opened.id, f"Notiz über {name}: {said}")
    CrisisAlerts(database).raise_alert(conversation_id=conversation_id, channel="telegram", language="de",
                                       kind="violence", text=said, escalate_after=datetime.timedelta(minutes=10))
    with database.session() as session:
        remember_payloads(session, conversation_id, ["/affirm", '/inform{"slot":"goal","value":"work"}'])
        session.add(StaffNotice(conversation_id=conversation_id, chat_id=STAFF_CHAT, message_id=OLD_NOTICE_ID,
                                sent_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=3)))
        # A reminder sent before the case opened.
        session.add(Reminder(conversation_id=conversation_id, number=1, due_at=datetime.datetime.now(datetime.UTC),
                             sent_at=datetime.datetime.now(datetime.UTC)))
    add_tracker_events(settings, conversation_id, [said, f"Ich heiße {name}"])
    # A message of theirs the gateway has stored but not yet worked on.
    InboundStore(database).add(int(time.time_ns() % 2**31), conversation_id, json.dumps({"message": {"text": said}}))
    return opened.id, opened.reference


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def traces(settings: Settings, *needles: str) -> list[str]:
    """`table.column: needle` wherever a needle occurs, in every table of both databases."""
    found = []
    for url in (settings.app_database_url, settings.tracker_database_url):
        engine = create_engine(url)
        metadata = MetaData()
        metadata.reflect(engine)
        with engine.connect() as connection:
            for table in metadata.sorted_tables:
                for row in connection.execute(select(table)):
                    for column, value in row._mapping.items():
                        found += [f"{table.name}.{column}: {needle}" for needle in needles
                                  if value is not None and needle in _shown(value)]
        engine.dispose()
    return found
