"""/mydata (GDPR Art. 15 and 20): what is stored about a person, gathered from every place.

Staff notes are not the person's data to receive (they are the team's working notes) and are
never included; nor are staff logins.
"""
from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from bot.db import Case, CaseMessage, CaseVoice, Conversation, CrisisAlert, Database, Intake
from bot.db.models import utcnow
from bot.intake.store import to_record

FILENAME = "lotse-my-data.json"


def _iso(moment: datetime.datetime | None) -> str | None:
    if moment is None:
        return None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)
    return moment.isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class RelayedMessage:
    from_person: bool
    text: str
    at: datetime.datetime


@dataclass(frozen=True)
class VoiceMessage:
    """A voice message kept with a case: when, and how long; the sound itself stays with the case."""

    case_reference: str
    at: datetime.datetime
    duration_seconds: int | None


@dataclass(frozen=True)
class CaseData:
    reference: str
    state: str
    team_id: str
    opened_at: datetime.datetime
    closed_at: datetime.datetime | None
    messages: tuple[RelayedMessage, ...]


@dataclass(frozen=True)
class ChatLine:
    """One line of the chat with the assistant, as Rasa's tracker keeps it."""

    from_person: bool
    text: str
    at: float  # seconds since the epoch, as Rasa stores it


@dataclass(frozen=True)
class PersonalData:
    intake: dict[str, Any] | None = None  # the intake record (intake-record.md), pre-screening included
    cases: tuple[CaseData, ...] = ()
    crisis_message: str | None = None  # a message waiting for the person's answer to the offer of help
    last_message_at: datetime.datetime | None = None
    chat: tuple[ChatLine, ...] = field(default_factory=tuple)
    voice_messages: tuple[VoiceMessage, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.intake or self.cases or self.crisis_message or self.chat or self.voice_messages)

    def as_json(self, now: datetime.datetime | None = None) -> bytes:
        data = {
            "exported_at": _iso(now or utcnow()),
            "last_message_at": _iso(self.last_message_at),
            "intake": self.intake,
            "cases": [{
                "reference": case.reference, "state": case.state, "team": case.team_id,
                "opened_at": _iso(case.opened_at), "closed_at": _iso(case.closed_at),
                "messages": [{"from": "you" if m.from_person else "team", "text": m.text, "at": _iso(m.at)}
                             for m in case.messages],
            } for case in self.cases],
            "voice_messages_to_the_team": [{
                "case": voice.case_reference, "at": _iso(voice.at), "duration_seconds": voice.duration_seconds,
            } for voice in self.voice_messages],
            "pending_crisis_message": self.crisis_message,
            "chat_with_the_assistant": [{
                "from": "you" if line.from_person else "assistant", "text": line.text,
                "at": _iso(datetime.datetime.fromtimestamp(line.at, datetime.UTC)),
            } for line in self.chat],
        }
        return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def chat_lines(events: list[dict[str, Any]] | None) -> tuple[ChatLine, ...]:
    """The person's and the assistant's messages among Rasa's tracker events."""
    return tuple(ChatLine(event["event"] == "user", event["text"], float(event.get("timestamp") or 0))
                 for event in events or () if event.get("event") in ("user", "bot") and event.get("text"))


def collect(database: Database, conversation_id: str, chat: tuple[ChatLine, ...] = ()) -> PersonalData:
    """Everything the application database holds about the person, with the given chat."""
    with database.session() as session:
        intake = session.scalar(select(Intake).where(Intake.conversation_id == conversation_id))
        cases = []
        for case in session.scalars(select(Case).where(Case.conversation_id == conversation_id).order_by(Case.created_at)):
            messages = session.scalars(select(CaseMessage).where(CaseMessage.case_id == case.id).order_by(CaseMessage.id))
            cases.append(CaseData(case.reference, case.state, case.team, case.created_at, case.closed_at, tuple(
                RelayedMessage(m.direction == "in", m.text, m.created_at) for m in messages)))
        # Not the audio: a list of what is kept (the sound is played to staff on the case page).
        voices = tuple(VoiceMessage(reference, at, duration) for reference, at, duration in session.execute(
            select(Case.reference, CaseVoice.created_at, CaseVoice.duration_seconds)
            .join(Case, Case.id == CaseVoice.case_id)
            .where(CaseVoice.conversation_id == conversation_id).order_by(CaseVoice.id)))
        alert = session.scalar(select(CrisisAlert.text).where(CrisisAlert.conversation_id == conversation_id))
        conversation = session.get(Conversation, conversation_id)
        return PersonalData(intake=to_record(intake) if intake else None, cases=tuple(cases), crisis_message=alert,
                            last_message_at=conversation.last_seen_at if conversation else None, chat=chat,
                            voice_messages=voices)
