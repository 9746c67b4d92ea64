"""Cases as the bot side sees them: opened at handoff, the person's messages relayed while open,
their state told on /status (forgetting them is bot/privacy/deletion.py)."""
from __future__ import annotations

import datetime
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.db import Case, CaseMessage, Database, Intake
from bot.db.case_states import OPEN_STATES, CaseState
from bot.db.models import utcnow
from bot.deployment import Deployment, Team
from bot.handoff.outbox import enqueue
from bot.handoff.packet import Packet

# Crockford's base32 without 0/1: nothing to confuse on the phone (O/0, I/1/L).
_REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
# The person's open case, newest first: read on every message they write (built once, decision 26).
_OPEN_CASE = (select(Case.id, Case.reference, Case.first_name, Case.team, Case.conversation_id, Case.relay_open)
              .where(Case.conversation_id == bindparam("person"), Case.state.in_(OPEN_STATES))
              .order_by(Case.created_at.desc()).limit(1))
# How the staff chat names the danger in an urgent case's headline.
CRISIS_LABELS = {
    "suicide": "Suizidgedanken oder Selbstverletzung",
    "violence": "Gewalt oder Missbrauch",
    "medical": "medizinischer Notfall",
    "child": "Kind in Gefahr",
}


def new_reference() -> str:
    return "L-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(5))


def case_link(web_url: str, case_id: str) -> str:
    return f"{web_url.rstrip('/')}/cases/{case_id}"


@dataclass(frozen=True)
class Urgency:
    """Why a case is urgent: the kind of danger and the person's own words, for the team only."""

    kind: str
    message: str


@dataclass(frozen=True)
class OpenedCase:
    id: str
    reference: str
    team_id: str
    is_new: bool


@dataclass(frozen=True)
class RelayCase:
    id: str
    reference: str
    first_name: str | None
    staff_chat_id: str
    conversation_id: str = ""
    relay_open: bool = True  # False: an open case, handed back to the bot


@dataclass(frozen=True)
class CaseStatus:
    reference: str
    state: str
    team_id: str
    created_at: datetime.datetime
    relay_open: bool


class CaseDesk:
    """The bot side of cases (the staff side is bot.inbox)."""

    def __init__(self, database: Database, deployment: Deployment, web_url: str) -> None:
        self.database = database
        self.deployment = deployment
        self.web_url = web_url

    def _open_case(self, session: Session, conversation_id: str) -> Case | None:
        return session.scalar(
            select(Case).where(Case.conversation_id == conversation_id, Case.state.in_(OPEN_STATES))
            .order_by(Case.created_at.desc()).limit(1)
        )

    def open_case(self, *, conversation_id: str, channel: str, reason: str, language: str, first_name: str | None,
                  municipality_ags: str | None, team: Team, packet_for: Callable[[str], Packet],
                  urgency: Urgency | None = None) -> OpenedCase:
        """Open a case, or reopen the person's open one: a person has one open case at a time.

        `packet_for(reference)` builds the German packet once the reference is known. An urgent
        case keeps the person's words as their first message to the team.
        """
        with self.database.session() as session:
            case = self._open_case(session, conversation_id)
            is_new = case is None
            if case is None:
                reference = self._unused_reference(session)
                packet = packet_for(reference)
                case = Case(reference=reference, conversation_id=conversation_id, channel=channel, team=team.id,
                            state=CaseState.new, reason=reason, language=language, relay_open=True)
                session.add(case)
            else:
                packet = packet_for(case.reference)
                case.relay_open = True
                case.reason = "intake_complete" if "intake_complete" in (case.reason, reason) else reason
            # The newest packet: a person who asked for help mid-intake may have finished it since.
            case.summary, case.headline, case.age, case.programmes = packet.text, packet.headline, packet.age, packet.programmes
            case.first_name, case.municipality_ags, case.language = first_name, municipality_ags, language
            session.flush()
            self._mark_intake(session, conversation_id, case, team)
            if urgency is not None:
                self._make_urgent(session, case, urgency)
            elif team.staff_chat_id:
                title = "🆕 Neuer Fall" if is_new else "🔁 Fall wieder offen"
                enqueue(session, team.staff_chat_id, f"{title}: {case.headline}\n{case_link(self.web_url, case.id)}",
                        conversation_id=conversation_id)
            return OpenedCase(case.id, case.reference, team.id, is_new)

    def _make_urgent(self, session: Session, case: Case, urgency: Urgency) -> None:
        """Mark the case urgent, keep the person's words with it and alert the team's chat."""
        case.urgent = True
        session.add(CaseMessage(case_id=case.id, direction="in", text=urgency.message, delivered_at=utcnow()))
        team = self.deployment.team(case.team)
        if team and team.staff_chat_id:
            enqueue(session, team.staff_chat_id,
                    f"🚨 DRINGEND – Krisenhinweis ({CRISIS_LABELS.get(urgency.kind, urgency.kind)}): {case.headline}\n"
                    f"Nachricht der Person: {urgency.message}\n"
                    f"Bitte sofort Kontakt aufnehmen: {case_link(self.web_url, case.id)}",
                    conversation_id=case.conversation_id)

    def mark_urgent(self, case: RelayCase, urgency: Urgency) -> None:
        """A message signalling danger during the live relay: the team is there, make it urgent."""
        with self.database.session() as session:
            row = session.get(Case, case.id)
            if row is not None:
                self._make_urgent(session, row, urgency)

    @staticmethod
    def _unused_reference(session: Session) -> str:
        while True:
            reference = new_reference()
            if session.scalar(select(Case.id).where(Case.reference == reference)) is None:
                return reference

    @staticmethod
    def _mark_intake(session: Session, conversation_id: str, case: Case, team: Team) -> None:
        intake = session.scalar(select(Intake).where(Intake.conversation_id == conversation_id))
        if intake is None:
            return
        intake.status = "handed_off"
        created = case.created_at or utcnow()
        intake.answers = {**(intake.answers or {}), "handoff": {
            "team": team.id, "case_id": case.id, "created_at": created.isoformat(), "state": case.state}}

    def relay_case(self, conversation_id: str) -> RelayCase | None:
        """The case that takes the person's messages now, if any."""
        with self.database.session() as session:
            return self.relay_case_in(session, conversation_id)

    def relay_case_in(self, session: Session, conversation_id: str) -> RelayCase | None:
        """`relay_case` in the caller's transaction."""
        case = self._open_case_of(session, conversation_id)
        return case if case is not None and case.relay_open else None

    def open_case_of(self, conversation_id: str) -> RelayCase | None:
        """The person's open case, its relay open or not (a voice message goes to it either way)."""
        with self.database.session() as session:
            return self._open_case_of(session, conversation_id)

    def _open_case_of(self, session: Session, conversation_id: str) -> RelayCase | None:
        case = session.execute(_OPEN_CASE, {"person": conversation_id}).first()
        if case is None:
            return None
        team = self.deployment.team(case.team)
        return RelayCase(case.id, case.reference, case.first_name, team.staff_chat_id if team else "",
                         case.conversation_id, case.relay_open)

    def relay_from_person(self, case: RelayCase, text: str) -> None:
        """Keep the message with the case and pass it to the team's chat."""
        with self.database.session() as session:
            session.add(CaseMessage(case_id=case.id, direction="in", text=text, delivered_at=utcnow()))
            if case.staff_chat_id:
                enqueue(session, case.staff_chat_id,
                        f"💬 {case.reference} · {case.first_name or 'Person'}: {text}\n{case_link(self.web_url, case.id)}",
                        conversation_id=session.scalar(select(Case.conversation_id).where(Case.id == case.id)))

    def status(self, conversation_id: str) -> CaseStatus | None:
        with self.database.session() as session:
            case = session.scalar(select(Case).where(Case.conversation_id == conversation_id)
                                  .order_by(Case.created_at.desc()).limit(1))
            if case is None:
                return None
            return CaseStatus(case.reference, case.state, case.team, case.created_at, case.relay_open)
