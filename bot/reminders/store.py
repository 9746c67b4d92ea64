"""The reminders table: scheduling when the person writes, claiming, and marking sent.

A reminder is sent once even with several gateways: a gateway claims a due row with one
conditional UPDATE before it looks at it (as bot/telegram/inbound.py claims an update), and
marks it sent, with a second conditional UPDATE, in the transaction that queues the message. A
row the person's new message replaced meanwhile is gone, and nothing is queued.
"""
from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, bindparam, case, delete, exists, or_, select, update
from sqlalchemy.orm import Session

from bot.db import Case, Conversation, Database, Intake, Reminder
from bot.db.case_states import OPEN_STATES
from bot.db.session import rows_affected
from bot.handoff.outbox import telegram_chat_of
from bot.rasa_client import Reply
from bot.telegram.sender import queue_replies

# A claim lasts this long: how long the reminders of a gateway that died wait for another.
CLAIM_SECONDS = 120.0


@dataclass(frozen=True)
class Due:
    id: int
    conversation_id: str
    number: int


# Built once (decision 26): they run on every turn.
_reminders = Reminder.__table__
_OF_PERSON = _reminders.c.conversation_id == bindparam("person")
_STANDING = select(
    select(Conversation.reminders_stopped_at).where(Conversation.id == bindparam("person")).scalar_subquery().is_not(None),
    select(Intake.status).where(Intake.conversation_id == bindparam("person")).scalar_subquery(),
    select(Intake.consent).where(Intake.conversation_id == bindparam("person")).scalar_subquery(),
    exists().where(Case.conversation_id == bindparam("person"), Case.state.in_(OPEN_STATES)),
)
_ANSWERED = (update(_reminders).where(_OF_PERSON, _reminders.c.sent_at.is_not(None), _reminders.c.resumed_at.is_(None))
             .values(resumed_at=bindparam("now")))
_UNCLAIMED = or_(_reminders.c.claimed_until.is_(None), _reminders.c.claimed_until <= bindparam("now"))


def _standing(session: Session, conversation_id: str) -> tuple[bool, bool]:
    """(stopped, in the intake): whether the person stopped the reminders, and whether they are
    in the middle of an intake they consented to, with no open case. One query of scalar
    subqueries (one row even where a row is missing): it runs on every turn."""
    is_stopped, intake_status, intake_consent, has_open_case = session.execute(
        _STANDING, {"person": conversation_id}).one()
    in_intake = (intake_status == "started" and (intake_consent or {}).get("processing") is True
                 and not has_open_case)
    return bool(is_stopped), in_intake


def _waiting(session: Session, conversation_id: str) -> bool:
    """Whether the person is in the middle of an intake they consented to, with no open case
    and reminders not stopped: the facts the application database knows (Rasa knows the rest)."""
    stopped, in_intake = _standing(session, conversation_id)
    return in_intake and not stopped


def _still_claimed(reminder_id: int) -> tuple[ColumnElement[bool], ...]:
    """The claimed row, unless the person's message replaced it meanwhile. A fresh row is never
    claimed (it is not due for hours); SQLite may give it the replaced row's id."""
    return Reminder.id == reminder_id, Reminder.sent_at.is_(None), Reminder.claimed_until.is_not(None)


class ReminderStore:
    def __init__(self, database: Database, after_hours: Sequence[float]) -> None:
        self.database = database
        self.after_hours = tuple(after_hours)
        # Every waiting reminder of the person moved to `now` + its hours, unless a round has it.
        numbers = range(1, len(self.after_hours) + 1)
        self._move = (update(_reminders)
                      .where(_OF_PERSON, _reminders.c.sent_at.is_(None), _UNCLAIMED)
                      .values(due_at=case({n: bindparam(f"due_{n}", type_=_reminders.c.due_at.type) for n in numbers},
                                          value=_reminders.c.number, else_=_reminders.c.due_at)))

    def person_wrote(self, conversation_id: str, now: datetime.datetime) -> None:
        """The person wrote: a reminder already sent counts as answered, the pending ones go, and
        new ones are scheduled from now if the person is still in the middle of the intake."""
        with self.database.session() as session:
            self.note_person_wrote(session, conversation_id, now)

    def note_person_wrote(self, session: Session, conversation_id: str, now: datetime.datetime) -> None:
        """`person_wrote` in the caller's transaction (the gateway's turn ends with it)."""
        if not self.after_hours or telegram_chat_of(conversation_id) is None:
            return  # only Telegram can reach a person who is not writing
        stopped, in_intake = _standing(session, conversation_id)
        if not stopped:  # stopping is no resuming
            session.execute(_ANSWERED, {"person": conversation_id, "now": now})
        in_intake = in_intake and not stopped
        if in_intake and self._moved(session, conversation_id, now):
            return
        session.execute(delete(Reminder).where(Reminder.conversation_id == conversation_id,
                                               Reminder.sent_at.is_(None)))
        if in_intake:
            session.add_all(Reminder(conversation_id=conversation_id, number=number,
                                     due_at=now + datetime.timedelta(hours=hours))
                            for number, hours in enumerate(self.after_hours, start=1))

    def _moved(self, session: Session, conversation_id: str, now: datetime.datetime) -> bool:
        """Every reminder rescheduled from now, in one UPDATE, when all of them are still waiting
        and none is claimed by a reminder round (that one must find its row gone): the usual case
        on every turn of an intake, which deleting and adding them again made several times dearer."""
        due = {f"due_{number}": now + datetime.timedelta(hours=hours)
               for number, hours in enumerate(self.after_hours, start=1)}
        moved = rows_affected(session.execute(self._move, {"person": conversation_id, "now": now, **due}))
        return moved == len(due)

    def stop(self, conversation_id: str, now: datetime.datetime) -> None:
        """/stop: no reminder now or later (the person's conversation row carries it)."""
        with self.database.session() as session:
            session.execute(delete(Reminder).where(Reminder.conversation_id == conversation_id,
                                                   Reminder.sent_at.is_(None)))
            session.execute(update(Conversation).where(Conversation.id == conversation_id)
                            .values(reminders_stopped_at=now))

    def waiting(self, conversation_id: str) -> bool:
        with self.database.session() as session:
            return _waiting(session, conversation_id)

    def superseded(self, due: Due, now: datetime.datetime) -> bool:
        """Whether a later reminder of the person is due too (the gateway was down, or the night
        held both): only the later one is sent."""
        with self.database.session() as session:
            return bool(session.scalar(select(exists().where(
                Reminder.conversation_id == due.conversation_id, Reminder.sent_at.is_(None),
                Reminder.number > due.number, Reminder.due_at <= now))))

    def due(self, now: datetime.datetime, limit: int = 50) -> list[int]:
        """Reminders due now that no gateway is looking at, oldest first."""
        with self.database.session() as session:
            return list(session.scalars(
                select(Reminder.id).where(Reminder.sent_at.is_(None), Reminder.due_at <= now,
                                          or_(Reminder.claimed_until.is_(None), Reminder.claimed_until <= now))
                .order_by(Reminder.due_at).limit(limit)))

    def claim(self, reminder_id: int, now: datetime.datetime) -> Due | None:
        """The reminder, if it is still due and no other gateway has it; then it is this one's."""
        with self.database.session() as session:
            row = session.execute(
                update(Reminder)
                .where(Reminder.id == reminder_id, Reminder.sent_at.is_(None), Reminder.due_at <= now,
                       or_(Reminder.claimed_until.is_(None), Reminder.claimed_until <= now))
                .values(claimed_until=now + datetime.timedelta(seconds=CLAIM_SECONDS))
                .returning(Reminder.id, Reminder.conversation_id, Reminder.number)).first()
        return None if row is None else Due(row.id, row.conversation_id, row.number)

    def later(self, reminder_id: int, due_at: datetime.datetime) -> None:
        """Not now (the night, Rasa down): due again at `due_at`, and let go."""
        with self.database.session() as session:
            session.execute(update(Reminder).where(*_still_claimed(reminder_id)).values(due_at=due_at, claimed_until=None))

    def drop(self, reminder_id: int) -> None:
        """Not needed any more (the intake was completed, a case opened, the person stopped)."""
        with self.database.session() as session:
            session.execute(delete(Reminder).where(*_still_claimed(reminder_id)))

    def send(self, due: Due, reply: Reply, now: datetime.datetime) -> bool:
        """Mark the reminder sent and queue it for the sender, in one transaction; False (nothing
        queued) when it was replaced or sent meanwhile."""
        chat_id = telegram_chat_of(due.conversation_id)
        assert chat_id is not None
        with self.database.session() as session:
            marked = rows_affected(session.execute(
                update(Reminder).where(*_still_claimed(due.id)).values(sent_at=now, claimed_until=None)))
            if marked:
                queue_replies(session, chat_id, due.conversation_id, [reply], reply_to=None)
        return bool(marked)

    def release(self) -> None:
        """Let every claim go: at start on SQLite, where the one gateway's claims are its dead
        predecessor's."""
        with self.database.session() as session:
            session.execute(update(Reminder).where(Reminder.claimed_until.is_not(None), Reminder.sent_at.is_(None))
                            .values(claimed_until=None))
