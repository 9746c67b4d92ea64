"""Reminders for people who stopped in the middle of the intake: scheduled when they write, sent
at 24 and 72 hours by a frozen clock, never at night, never twice, not when they are done or
stopped. Real SQLite and PostgreSQL, a fake Rasa server over HTTP."""
from __future__ import annotations

import asyncio
import datetime
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.audio import Speaker
from bot.config import Settings
from bot.db import Case, Conversation, Database, Intake, OutboxMessage, Reminder, migrate
from bot.db.last_seen import LastSeen
from bot.deployment import load_deployment
from bot.rasa_client import RasaClient, Reply
from bot.reminders.clock import Clock, daytime
from bot.reminders.loop import CHOICES, Reminding
from bot.reminders.store import CLAIM_SECONDS, ReminderStore
from tests.unit.fake_rasa import FakeRasa

PERSON, CHAT = "telegram:4242", "4242"
BERLIN = ZoneInfo("Europe/Berlin")
QUESTION = "When were you born? For example 17.04.2001."
# The person's last message: a Monday, 10:00 in Berlin (winter time, UTC+1).
WROTE = datetime.datetime(2026, 1, 12, 9, 0, tzinfo=datetime.UTC)


class Frozen(Clock):
    def __init__(self, moment: datetime.datetime) -> None:
        super().__init__()
        self.moment = moment

    def now(self) -> datetime.datetime:
        return self.moment


def berlin(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 1, day, hour, minute, tzinfo=BERLIN).astimezone(datetime.UTC)


@pytest.fixture()
def rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa(slots={"consent": "yes", "language": "de", "first_name": "Amina"}, active_loop="intake_form",
                    events=[{"event": "user", "text": "Amina"}, {"event": "bot", "text": QUESTION}])
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture()
def database(database_url: str) -> Database:
    migrate(database_url)
    database = Database(database_url)
    LastSeen(database).touch(PERSON, "telegram")
    with database.session() as session:
        session.add(Intake(conversation_id=PERSON, channel="telegram", language="de", consent={"processing": True}))
    return database


@pytest.fixture()
def store(database: Database) -> ReminderStore:
    return ReminderStore(database, (24, 72))


def reminding(store: ReminderStore, rasa: FakeRasa, clock: Frozen) -> Reminding:
    settings = Settings()
    return Reminding(store, RasaClient(rasa.url), load_deployment(settings.deployment_file), clock,
                     "Europe/Berlin", lambda: None, Speaker(settings.audio_cache_dir, settings.recordings_dir))


def queued(database: Database) -> list[OutboxMessage]:
    with database.session() as session:
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.chat_id == CHAT).order_by(OutboxMessage.id)))


def rounds(loop: Reminding, clock: Frozen, *moments: datetime.datetime) -> list[int]:
    """One round at each moment, in one event loop (the HTTP client belongs to one)."""
    async def go() -> list[int]:
        loop.rasa = RasaClient(list(loop.rasa.workers.urls))
        counts = []
        for moment in moments:
            clock.moment = moment
            counts.append(await loop.round())
        await loop.rasa.close()
        return counts

    return asyncio.run(go())


def test_night_waits_for_the_morning() -> None:
    assert daytime(berlin(13, 22, 30), BERLIN) == berlin(14, 9)
    assert daytime(berlin(14, 6, 45), BERLIN) == berlin(14, 9)
    assert daytime(berlin(14, 20), BERLIN) == berlin(15, 9)
    assert daytime(berlin(14, 9), BERLIN) == berlin(14, 9)
    assert daytime(berlin(14, 19, 59), BERLIN) == berlin(14, 19, 59)
    # Summer time: 09:00 in Berlin is 07:00 UTC.
    assert daytime(datetime.datetime(2026, 7, 1, 2, 0, tzinfo=datetime.UTC), BERLIN) == \
        datetime.datetime(2026, 7, 1, 7, 0, tzinfo=datetime.UTC)


def test_sent_at_24_and_72_hours_in_the_persons_language_with_their_question(
        store: ReminderStore, database: Database, rasa: FakeRasa) -> None:
    store.person_wrote(PERSON, WROTE)
    clock = Frozen(WROTE)
    loop = reminding(store, rasa, clock)
    hour = datetime.timedelta(hours=1)
    assert rounds(loop, clock, WROTE + 23 * hour, WROTE + 24 * hour, WROTE + 25 * hour,
                  WROTE + 71 * hour, WROTE + 72 * hour, WROTE + 200 * hour) == [0, 1, 0, 0, 1, 0]
    first, last = queued(database)
    assert first.text.startswith("Hallo, hier ist Lotse.") and QUESTION in first.text
    assert "zum letzten Mal" in last.text and QUESTION in last.text
    assert [b["payload"] for b in first.buttons or [] if "payload" in b] == list(CHOICES)
    assert [b["title"] for b in last.buttons or []] == ["Weitermachen", "Neu anfangen", "Keine Erinnerungen mehr", "🔊"]
    assert (last.buttons or [])[-1]["data"] == "listen:de"  # the reminder holds the question: it can be heard
    assert rasa.received == []  # reading the open question is no turn


def test_when_both_are_due_only_the_last_is_sent(store: ReminderStore, database: Database, rasa: FakeRasa) -> None:
    store.person_wrote(PERSON, WROTE)
    clock = Frozen(WROTE)
    assert rounds(reminding(store, rasa, clock), clock, WROTE + datetime.timedelta(hours=80)) == [1]
    (last,) = queued(database)
    assert "zum letzten Mal" in last.text


def test_due_in_the_night_it_is_sent_at_nine(store: ReminderStore, database: Database, rasa: FakeRasa) -> None:
    store.person_wrote(PERSON, berlin(12, 22, 30))  # due on the 13th at 22:30
    clock = Frozen(WROTE)
    loop = reminding(store, rasa, clock)
    assert rounds(loop, clock, berlin(13, 22, 30), berlin(14, 3), berlin(14, 8, 59), berlin(14, 9)) == [0, 0, 0, 1]
    assert len(queued(database)) == 1


@pytest.mark.parametrize("ended", ["stop", "completed", "open_case", "form_left"])
def test_nothing_is_sent_after_stop_completion_an_open_case_or_outside_the_form(
        ended: str, store: ReminderStore, database: Database, rasa: FakeRasa) -> None:
    store.person_wrote(PERSON, WROTE)
    with database.session() as session:
        if ended == "stop":
            store.stop(PERSON, WROTE)
        elif ended == "completed":
            session.execute(Intake.__table__.update().values(status="completed"))
        elif ended == "open_case":
            session.add(Case(reference="L-TEST1", conversation_id=PERSON, channel="telegram", team="t", reason="requested",
                             language="de", summary="", headline=""))
        else:
            rasa.active_loop = None
    clock = Frozen(WROTE)
    loop = reminding(store, rasa, clock)
    assert rounds(loop, clock, WROTE + datetime.timedelta(hours=24), WROTE + datetime.timedelta(hours=72)) == [0, 0]
    assert queued(database) == []
    store.person_wrote(PERSON, WROTE + datetime.timedelta(hours=100))
    with database.session() as session:  # writing again schedules nothing, where the database knows why
        assert session.scalar(select(func.count()).select_from(Reminder)) == (2 if ended == "form_left" else 0)


def test_writing_again_counts_as_resumed_and_starts_the_hours_again(
        store: ReminderStore, database: Database, rasa: FakeRasa) -> None:
    store.person_wrote(PERSON, WROTE)
    clock = Frozen(WROTE)
    loop = reminding(store, rasa, clock)
    assert rounds(loop, clock, WROTE + datetime.timedelta(hours=24)) == [1]
    back = WROTE + datetime.timedelta(hours=30)
    store.person_wrote(PERSON, back)
    with database.session() as session:
        rows = session.execute(select(Reminder.number, Reminder.due_at, Reminder.sent_at, Reminder.resumed_at)
                               .order_by(Reminder.id)).all()
    assert [(number, sent is not None, resumed is not None) for number, _, sent, resumed in rows] == [
        (1, True, True), (1, False, False), (2, False, False)]
    hour = datetime.timedelta(hours=1)
    assert rounds(loop, clock, back + 23 * hour, back + 24 * hour, WROTE + 72 * hour, back + 72 * hour) == [0, 1, 0, 1]


def test_stopping_is_not_resuming(store: ReminderStore, database: Database, rasa: FakeRasa) -> None:
    store.person_wrote(PERSON, WROTE)
    clock = Frozen(WROTE)
    assert rounds(reminding(store, rasa, clock), clock, WROTE + datetime.timedelta(hours=24)) == [1]
    store.stop(PERSON, WROTE + datetime.timedelta(hours=25))
    store.person_wrote(PERSON, WROTE + datetime.timedelta(hours=25))
    with database.session() as session:
        assert session.execute(select(Reminder.sent_at.is_not(None), Reminder.resumed_at)).all() == [(True, None)]
        assert session.scalar(select(Conversation.reminders_stopped_at)) is not None


def test_two_gateways_and_a_restart_send_it_once(store: ReminderStore, database: Database, rasa: FakeRasa) -> None:
    store.person_wrote(PERSON, WROTE)
    due = WROTE + datetime.timedelta(hours=24)
    clock = Frozen(due)
    first, second = (reminding(store, rasa, clock) for _ in range(2))

    async def both() -> list[int]:
        first.rasa, second.rasa = RasaClient(rasa.url), RasaClient(rasa.url)
        counts = list(await asyncio.gather(first.round(), second.round()))
        await first.rasa.close()
        await second.rasa.close()
        return counts

    assert sorted(asyncio.run(both())) == [0, 1]
    # A gateway that died holding a claim: another one takes the reminder once the claim ran out.
    (reminder_id,) = store.due(WROTE + datetime.timedelta(hours=72))
    assert store.claim(reminder_id, WROTE + datetime.timedelta(hours=72)) is not None  # … and then it died
    restarted = reminding(ReminderStore(Database(database.engine.url.render_as_string(hide_password=False)), (24, 72)),
                          rasa, clock)
    claim_runs_out = WROTE + datetime.timedelta(hours=72, seconds=CLAIM_SECONDS)
    assert rounds(restarted, clock, WROTE + datetime.timedelta(hours=72, seconds=1), claim_runs_out,
                  claim_runs_out + datetime.timedelta(hours=1)) == [0, 1, 0]
    assert len(queued(database)) == 2



def test_each_message_moves_the_waiting_reminders_and_one_being_sent_is_replaced(
        store: ReminderStore, database: Database, rasa: FakeRasa) -> None:
    store.person_wrote(PERSON, WROTE)
    later = WROTE + datetime.timedelta(hours=5)
    store.person_wrote(PERSON, later)  # the usual turn: both reminders move, none is added
    with database.session() as session:
        rows = session.execute(select(Reminder.number, Reminder.due_at).order_by(Reminder.number)).all()
    assert [(number, due_at if due_at.tzinfo else due_at.replace(tzinfo=datetime.UTC)) for number, due_at in rows] == [
        (1, later + datetime.timedelta(hours=24)), (2, later + datetime.timedelta(hours=72))]
    clock = Frozen(later)
    assert rounds(reminding(store, rasa, clock), clock, WROTE + datetime.timedelta(hours=24),
                  later + datetime.timedelta(hours=24)) == [0, 1]
    # A round has claimed the last reminder when the person writes: it finds its row gone.
    due_at = later + datetime.timedelta(hours=72)
    (reminder_id,) = store.due(due_at)
    due = store.claim(reminder_id, due_at)
    assert due is not None
    store.person_wrote(PERSON, due_at)
    assert not store.send(due, Reply(text="Erinnerung"), due_at)
    assert len(queued(database)) == 1
