"""Tables of the application database.

Columns carry the fields that screening, routing and statistics filter on; the rest of the
intake record (intake-record.md) lives in `answers`, so adding a question needs no migration.
"""
from __future__ import annotations

import datetime
import uuid
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.db.case_states import CaseState

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    if TYPE_CHECKING:  # each model maps one table; Core inserts and updates use it directly
        __table__: ClassVar[Table]


class Intake(Base):
    __tablename__ = "intakes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    # Rasa's sender id; links the intake to its conversation without exposing a Telegram id.
    conversation_id: Mapped[str] = mapped_column(String(128), unique=True)
    channel: Mapped[str] = mapped_column(String(32))
    language: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(32), default="started")
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    completed_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True))
    consent: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    first_name: Mapped[str | None] = mapped_column(String(64))
    birth_date: Mapped[str | None] = mapped_column(String(10))
    municipality_ags: Mapped[str | None] = mapped_column(String(8))
    municipality_name: Mapped[str | None] = mapped_column(String(128))
    residence_status: Mapped[str | None] = mapped_column(String(40))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (
        Index("ix_intakes_status_created", "status", "created_at"),
        # bot.stats finds the intakes changed since its last refresh by this.
        Index("ix_intakes_updated_at", "updated_at"),
    )


class IntakeStats(Base):
    """One narrow row per intake with the figures the dashboard counts (bot/stats/facts.py).

    Derived from the intake and refreshed when the intake changes, so the dashboard groups
    plain columns instead of reading every intake's JSON; deleting an intake deletes its row.
    """

    __tablename__ = "intake_stats"

    intake_id: Mapped[str] = mapped_column(ForeignKey("intakes.id", ondelete="CASCADE"), primary_key=True)
    source_updated_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), index=True)
    created_on: Mapped[datetime.date] = mapped_column(Date)  # the intake's day (UTC)
    status: Mapped[str] = mapped_column(String(32))
    language: Mapped[str | None] = mapped_column(String(8))
    municipality_ags: Mapped[str | None] = mapped_column(String(8))
    gender: Mapped[str | None] = mapped_column(String(16))
    age_group: Mapped[str] = mapped_column(String(8))
    outcome: Mapped[str | None] = mapped_column(String(16))  # the best programme outcome, None = not checked
    eligible_programmes: Mapped[str | None] = mapped_column(String(200))  # "|kim-nrw|durchstarten-nrw|"
    last_question: Mapped[str | None] = mapped_column(String(40))  # for intakes still "started"

    # One covering index per dashboard query (bot/stats/report.py), its GROUP BY columns first:
    # the database walks the index in group order instead of reading and sorting the rows.
    # created_on comes last on purpose: dashboard ranges cover most rows anyway.
    __table_args__ = (
        Index("ix_intake_stats_days", "status", "created_on"),
        Index("ix_intake_stats_people", "status", "language", "gender", "age_group", "outcome", "created_on"),
        Index("ix_intake_stats_places", "status", "municipality_ags", "eligible_programmes", "created_on"),
        Index("ix_intake_stats_dropoff", "status", "last_question", "language", "created_on"),
    )


class CallbackPayload(Base):
    """Button payloads behind Telegram's 64-byte callback_data: the button carries only the id."""

    __tablename__ = "callback_payloads"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    payload: Mapped[str] = mapped_column(Text)
    # Whose chat showed the button: ids are per conversation, so forgetting a person removes theirs.
    conversation_id: Mapped[str | None] = mapped_column(String(128), index=True)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Conversation(Base):
    """A person's chat with Lotse on one channel: where to reach them, and when they last wrote."""

    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)  # Rasa's sender id
    channel: Mapped[str] = mapped_column(String(32))
    last_seen_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The person said /stop (or pressed "No more reminders"): no reminder is scheduled again.
    reminders_stopped_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True))
    # The person asked (/listen) to hear every message read aloud (decision 20).
    always_audio: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Case(Base):
    """A person handed over to a team: at the end of the intake, or when they ask for a person.

    Filter columns are copied from the intake when the case opens, so the inbox can filter
    without reading every intake's JSON.
    """

    __tablename__ = "cases"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    # Short and speakable ("L-7K3FQ"), for the phone and the staff chat; not derived from the person.
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    conversation_id: Mapped[str] = mapped_column(String(128), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    team: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default=CaseState.new)
    reason: Mapped[str] = mapped_column(String(16))  # intake_complete | requested | crisis
    # A person in danger: the case heads its team's list until staff close it.
    urgent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    language: Mapped[str] = mapped_column(String(8))
    first_name: Mapped[str | None] = mapped_column(String(64))
    age: Mapped[int | None] = mapped_column(Integer)
    municipality_ags: Mapped[str | None] = mapped_column(String(8))
    programmes: Mapped[list[str]] = mapped_column(JSON, default=list)  # eligible or needs review
    summary: Mapped[str] = mapped_column(Text)  # the German packet, as it was at handoff
    headline: Mapped[str] = mapped_column(String(200))
    # While open, the person's messages go to staff instead of Rasa (Rasa is paused).
    relay_open: Mapped[bool] = mapped_column(Boolean, default=True)
    assigned_to: Mapped[str | None] = mapped_column(ForeignKey("staff.login", ondelete="SET NULL"))
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    claimed_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True))
    first_contact_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_cases_team_state", "team", "state"),
        Index("ix_cases_created_at", "created_at"),
        # Covers the dashboard's case figures, so they need not read the wide rows (summary, ...).
        Index("ix_cases_stats", "created_at", "team", "state", "language", "first_contact_at"),
    )


class CrisisAlert(Base):
    """A message that signalled danger, while the person decides whether a person should write now.

    Accepted, or unanswered until `escalate_at`: an urgent case opens with the message. Declined:
    the row is deleted. The message is never stored as an answer of the intake.
    """

    __tablename__ = "crisis_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(128), unique=True, index=True)
    channel: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16))  # suicide | violence | medical | child
    text: Mapped[str] = mapped_column(Text)
    # The intake's open question when the message came (None outside the intake): declined as a
    # crisis, the message is proposed as its answer.
    question: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    escalate_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), index=True)


class CaseMessage(Base):
    """One message of the live relay: from the person (`in`) or from staff (`out`)."""

    __tablename__ = "case_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(4))
    author: Mapped[str | None] = mapped_column(String(64))  # staff login for `out`
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    delivered_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True))


class CaseVoice(Base):
    """A voice message the person sent to the team (bot/handoff/voice.py): the audio as Telegram
    gave it, kept with the case, played on its page, deleted with it. No transcript: decision 21."""

    __tablename__ = "case_voice_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    # Whose voice: forgetting the person finds the rows by it, like every table of theirs.
    conversation_id: Mapped[str] = mapped_column(String(128), index=True)
    mime_type: Mapped[str] = mapped_column(String(32))
    duration_seconds: Mapped[int | None] = mapped_column(Integer)  # as Telegram says
    size_bytes: Mapped[int] = mapped_column(Integer)
    # Loaded only to be played: a case page lists the messages without their audio.
    audio: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CaseNote(Base):
    """An internal note: staff only, never sent to the person."""

    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Staff(Base):
    """A web inbox account. Team membership comes from the deployment file (teams' `members`)."""

    __tablename__ = "staff"

    login: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(16))  # staff | coordinator | admin
    password_hash: Mapped[str] = mapped_column(String(256))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    password_changed_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class StaffSession(Base):
    """A signed-in inbox session, kept on the server so that it can be ended (logout, a new
    password, a disabled account, an admin). The cookie carries a random token; only its hash is
    stored here."""

    __tablename__ = "staff_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    login: Mapped[str] = mapped_column(String(64), index=True)
    client: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The last thing the person did; the case page's background refresh does not count.
    active_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True))


class LoginAttempt(Base):
    """Failed logins, for throttling; kept in the database so a restart does not reset them."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    login: Mapped[str] = mapped_column(String(64), index=True)
    client: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEntry(Base):
    """Who looked at or changed what, when. Ids only: the details are in the case itself."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    case_id: Mapped[str | None] = mapped_column(String(36), index=True)
    detail: Mapped[str | None] = mapped_column(String(200))


class OutboxMessage(Base):
    """A Telegram message to send. The gateway alone talks to Telegram and delivers these, so
    the action server and the web inbox need no bot of their own and nothing is lost while
    Telegram cannot be reached."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chat_id: Mapped[str] = mapped_column(String(64))
    # Whom the message is to or about: forgetting the person cancels it while it waits.
    conversation_id: Mapped[str | None] = mapped_column(String(128), index=True)
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)
    # Set: delete this earlier message in `chat_id` (Bot API deleteMessage) instead of sending `text`.
    delete_message_id: Mapped[int | None] = mapped_column(Integer)
    # Set: react to this message of the person with the emoji in `text`, instead of sending it.
    reaction_to: Mapped[int | None] = mapped_column(Integer)
    # Set: send this file, named `text` (a person's data on /mydata).
    document: Mapped[bytes | None] = mapped_column(LargeBinary)
    # With `document`: it is OGG/Opus audio, sent as a voice message with `text` as its caption.
    voice: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    case_message_id: Mapped[int | None] = mapped_column(ForeignKey("case_messages.id", ondelete="CASCADE"))
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    next_attempt_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(200))
    # Not delivered, finally (after the retries, or refused by Telegram): `last_error` says why,
    # in German, on the person's case page.
    failed_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_outbox_pending", "sent_at", "next_attempt_at"),)


class StaffNotice(Base):
    """A staff-chat message about a person, as sent: Telegram lets the bot delete it for 48 hours,
    so forgetting the person can remove it from the team's chat too."""

    __tablename__ = "staff_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(128), index=True)
    chat_id: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class OutboxClaim(Base):
    """The gateway sending to a chat now (bot/handoff/outbox_claims.py): one at a time, so that
    with several gateways no message goes twice and a chat's messages keep their order."""

    __tablename__ = "outbox_claims"

    chat_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    # Renewed while the holder sends; a dead holder's chat is taken over once this has passed.
    claimed_until: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True))


class InboundUpdate(Base):
    """A Telegram update, stored before it is worked on (bot/telegram/inbound.py).

    Telegram delivers at least once: a processed update keeps its row, without its content,
    for as long as Telegram may deliver it again, so a redelivery is recognised and dropped.
    """

    __tablename__ = "inbound_updates"

    update_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    conversation_id: Mapped[str] = mapped_column(String(128), index=True)
    content: Mapped[str | None] = mapped_column(Text)  # the update's JSON; cleared once processed
    received_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The person was told that the answer comes later (once per waiting message).
    told_to_wait: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    done_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    # A gateway is working on this update until then (renewed while it does): the others leave
    # the chat alone, and take it over if that gateway died.
    claimed_until: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True))


class Reminder(Base):
    """A reminder to a person who stopped in the middle of the intake (bot/reminders/).

    Scheduled when the person writes (every pending one is replaced then), sent by the gateway
    when due, once: a gateway claims the row before it looks at it, and the row is marked sent in
    the transaction that queues the message. Sent rows stay for the dashboard (reminders sent,
    intakes resumed after one) until the person is forgotten.
    """

    __tablename__ = "reminders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(128), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1: the first after the pause, … the last
    due_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True))
    # A gateway is looking at this reminder until then; the others leave it alone.
    claimed_until: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True))
    # The person wrote again after this reminder (and did not ask to stop).
    resumed_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_reminders_due", "sent_at", "due_at"),)
