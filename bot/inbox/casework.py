"""Work on cases: the filtered list, one case with its messages and notes, and every change.

Access is decided here, not in the web layer: a staff member reaches only their teams' cases,
admins every case, coordinators none (they see figures, not people).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import String, and_, cast, or_, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from bot.db import Case, CaseMessage, CaseNote, CaseVoice, Database, Intake, OutboxMessage
from bot.db.case_states import CaseState
from bot.db.models import utcnow
from bot.deployment import Deployment
from bot.handoff.outbox import enqueue, telegram_chat_of, undelivered
from bot.inbox.accounts import Account
from bot.messages import render

AGE_GROUPS = {"u18": (0, 17), "18-27": (18, 27), "28-44": (28, 44), "45+": (45, 200)}
MAX_REPLY_LENGTH = 12000  # longer than Telegram's 4096 characters goes as several messages
STAFF_PHRASES = ("staff_phrase_hello", "staff_phrase_when_free", "staff_phrase_call", "staff_phrase_meeting",
                 "staff_phrase_documents", "staff_phrase_interpreter", "staff_phrase_thanks")


class Forbidden(Exception):
    pass


class NotFound(Exception):
    pass


class Refused(ValueError):
    """A change that is not possible now; the message says why, in German, for staff."""


@dataclass(frozen=True)
class CaseFilters:
    state: str = ""
    programme: str = ""
    municipality: str = ""
    language: str = ""
    age_group: str = ""
    search: str = ""

    def active(self) -> list[str]:
        return [name for name in ("state", "programme", "municipality", "language", "age_group", "search")
                if getattr(self, name)]


PAGE_SIZE = 200  # cases per page of the list


@dataclass(frozen=True)
class CasePage:
    cases: list[Case]
    number: int
    has_more: bool


@dataclass
class CaseView:
    case: Case
    messages: list[CaseMessage] = field(default_factory=list)
    notes: list[CaseNote] = field(default_factory=list)
    undelivered: list[OutboxMessage] = field(default_factory=list)  # Telegram finally did not take these
    voices: list[CaseVoice] = field(default_factory=list)  # the person's voice messages, without their audio


class Casework:
    def __init__(self, database: Database, deployment: Deployment) -> None:
        self.database = database
        self.deployment = deployment

    def visible_teams(self, account: Account) -> tuple[str, ...] | None:
        """The teams whose cases the account may see; None means all."""
        if account.role == "admin":
            return None
        if account.role == "staff":
            return tuple(t.id for t in self.deployment.teams_of(account.login))
        return ()

    def may_see_cases(self, account: Account) -> bool:
        return account.role in ("staff", "admin")

    def _check(self, account: Account, case: Case | None) -> Case:
        if case is None:
            raise NotFound
        teams = self.visible_teams(account)
        if teams is not None and case.team not in teams:
            raise Forbidden
        return case

    def list(self, account: Account, filters: CaseFilters, page: int = 1) -> CasePage:
        """One page of the matching cases (PAGE_SIZE a page), and whether there are more."""
        if not self.may_see_cases(account):
            raise Forbidden
        page = max(1, page)
        # Urgent cases still open head the list: a person in danger is waiting.
        urgent_open = and_(Case.urgent, Case.state != CaseState.closed)
        query = (select(Case).order_by(sql_case((urgent_open, 0), else_=1), Case.created_at.desc(), Case.id)
                 .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1))
        teams = self.visible_teams(account)
        if teams is not None:
            query = query.where(Case.team.in_(teams))
        if filters.state == "open":
            query = query.where(Case.state != CaseState.closed)
        elif filters.state:
            query = query.where(Case.state == filters.state)
        if filters.programme:
            # JSON list stored as text: '"kim-nrw"' matches the id exactly, quotes included.
            query = query.where(cast(Case.programmes, String).contains(f'"{filters.programme}"'))
        if filters.municipality:
            query = query.where(Case.municipality_ags == filters.municipality)
        if filters.language:
            query = query.where(Case.language == filters.language)
        if filters.age_group in AGE_GROUPS:
            low, high = AGE_GROUPS[filters.age_group]
            query = query.where(Case.age >= low, Case.age <= high)
        if filters.search:
            pattern = f"%{filters.search.strip()}%"
            query = query.where(or_(Case.reference.ilike(pattern), Case.first_name.ilike(pattern),
                                    Case.headline.ilike(pattern)))
        with self.database.session() as session:
            cases = list(session.scalars(query))
        return CasePage(cases[:PAGE_SIZE], page, has_more=len(cases) > PAGE_SIZE)

    def view(self, account: Account, case_id: str) -> CaseView:
        with self.database.session() as session:
            case = self._check(account, session.get(Case, case_id))
            messages = list(session.scalars(select(CaseMessage).where(CaseMessage.case_id == case_id).order_by(CaseMessage.id)))
            notes = list(session.scalars(select(CaseNote).where(CaseNote.case_id == case_id).order_by(CaseNote.id)))
            failed = undelivered(session, case.conversation_id, [m.id for m in messages])
            voices = list(session.scalars(select(CaseVoice).where(CaseVoice.case_id == case_id).order_by(CaseVoice.id)))
            return CaseView(case, messages, notes, failed, voices)

    def voice(self, account: Account, case_id: str, voice_id: int) -> tuple[str, bytes]:
        """A voice message of the case, to play: its type and its audio."""
        with self.database.session() as session:
            self._check(account, session.get(Case, case_id))
            row = session.execute(select(CaseVoice.mime_type, CaseVoice.audio)
                                  .where(CaseVoice.id == voice_id, CaseVoice.case_id == case_id)).first()
            if row is None:
                raise NotFound
            return row.mime_type, row.audio

    def team_members(self, case: Case) -> tuple[str, ...]:
        team = self.deployment.team(case.team)
        return team.members if team else ()

    # --- changes ---------------------------------------------------------------------------------

    def _change(self, session: Session, account: Account, case_id: str) -> Case:
        if not self.may_see_cases(account):
            raise Forbidden
        return self._check(account, session.get(Case, case_id))

    def claim(self, account: Account, case_id: str) -> None:
        self.assign(account, case_id, account.login)

    def assign(self, account: Account, case_id: str, login: str) -> None:
        with self.database.session() as session:
            case = self._change(session, account, case_id)
            if case.state == CaseState.closed:
                raise Refused("Der Fall ist abgeschlossen.")
            if login not in self.team_members(case):
                raise Refused(f"{login} gehört nicht zum Team dieses Falls.")
            case.assigned_to = login
            if case.state == CaseState.new:
                case.state, case.claimed_at = CaseState.claimed, utcnow()
            self._sync_intake(session, case)

    def relay_ending(self, account: Account, case_id: str, state: str | None) -> Case | None:
        """The case, if the change would end its relay: a hand-back (`state` None) or closing it.

        Checked before the change, so that the bot can take the person back first: if it cannot,
        the relay stays open and nobody is left talking to a paused bot. Refused like the change."""
        with self.database.session() as session:
            case = self._change(session, account, case_id)
            if state is None:
                if not case.relay_open:
                    raise Refused("Die Person ist schon wieder beim Bot.")
                return case
            return case if self._target(case, state) is CaseState.closed and case.relay_open else None

    @staticmethod
    def _target(case: Case, state: str) -> CaseState:
        """The state asked for, if the case may go there now (a form sends any text)."""
        try:
            target = CaseState(state)
        except ValueError:
            raise Refused("Diesen Stand gibt es nicht.") from None
        current = CaseState(case.state)
        if not current.may_become(target):
            raise Refused(f"Von „{current.label}“ geht es nicht zu „{target.label}“.")
        return target

    def set_state(self, account: Account, case_id: str, state: str) -> tuple[Case, bool]:
        """Move the case on; returns the case and whether the relay has just ended."""
        with self.database.session() as session:
            case = self._change(session, account, case_id)
            target = self._target(case, state)
            if target is CaseState.claimed and case.assigned_to is None:
                case.assigned_to, case.claimed_at = account.login, utcnow()
            if target is CaseState.contacted and case.first_contact_at is None:
                case.first_contact_at = utcnow()
            case.state = target
            relay_ended = target is CaseState.closed and case.relay_open
            if target is CaseState.closed:
                case.closed_at, case.relay_open = utcnow(), False
            self._sync_intake(session, case)
            return case, relay_ended

    def add_note(self, account: Account, case_id: str, text: str) -> None:
        text = text.strip()
        if not text:
            raise Refused("Die Notiz ist leer.")
        with self.database.session() as session:
            self._change(session, account, case_id)
            session.add(CaseNote(case_id=case_id, author=account.login, text=text))

    def reply_with_phrase(self, account: Account, case_id: str, phrase: str) -> None:
        """A prepared phrase in the person's language, with the German below it: staff need not
        read the person's script, and the person can show the German to anyone helping them."""
        if phrase not in STAFF_PHRASES:
            raise Refused("Diese Vorlage gibt es nicht.")
        with self.database.session() as session:
            language = self._change(session, account, case_id).language
        german = render(phrase, "de", self.deployment)["text"]
        translated = render(phrase, language, self.deployment)["text"]
        self.reply(account, case_id, translated if language == "de" else f"{translated}\n\n🇩🇪 {german}")

    def phrases(self) -> dict[str, str]:
        """The prepared phrases as staff read them (German)."""
        return {name: render(name, "de", self.deployment)["text"] for name in STAFF_PHRASES}

    def reply(self, account: Account, case_id: str, text: str) -> None:
        """Send a message to the person through the bot (queued: nothing is lost while offline).

        The first reply is the first contact: an unclaimed case is claimed by whoever answers.
        """
        text = text.strip()
        if not text:
            raise Refused("Die Nachricht ist leer.")
        if len(text) > MAX_REPLY_LENGTH:
            raise Refused(f"Die Nachricht ist zu lang (höchstens {MAX_REPLY_LENGTH} Zeichen).")
        with self.database.session() as session:
            case = self._change(session, account, case_id)
            if case.state == CaseState.closed:
                raise Refused("Der Fall ist abgeschlossen; die Person erreicht wieder den Bot.")
            chat_id = telegram_chat_of(case.conversation_id)
            if chat_id is None:
                raise Refused("Diese Person schreibt nicht über Telegram; eine Antwort kann nicht zugestellt werden.")
            now = utcnow()
            if case.state == CaseState.new:
                case.assigned_to, case.claimed_at = account.login, now
            if case.state in (CaseState.new, CaseState.claimed):
                case.state = CaseState.contacted
            case.first_contact_at = case.first_contact_at or now
            # Staff reply while the bot was handed the person back: the relay opens again.
            case.relay_open = True
            message = CaseMessage(case_id=case_id, direction="out", author=account.login, text=text)
            session.add(message)
            session.flush()
            enqueue(session, chat_id, f"👤 {account.display_name}: {text}", case_message_id=message.id,
                    conversation_id=case.conversation_id)
            self._sync_intake(session, case)

    def hand_back(self, account: Account, case_id: str) -> Case:
        """End the relay: the person talks to the bot again."""
        with self.database.session() as session:
            case = self._change(session, account, case_id)
            if not case.relay_open:
                raise Refused("Die Person ist schon wieder beim Bot.")
            case.relay_open = False
            return case

    @staticmethod
    def _sync_intake(session: Session, case: Case) -> None:
        """The intake record's `handoff.state` follows the case (exports read it there)."""
        intake = session.scalar(select(Intake).where(Intake.conversation_id == case.conversation_id))
        if intake is not None and isinstance((intake.answers or {}).get("handoff"), dict):
            intake.answers = {**intake.answers, "handoff": {**intake.answers["handoff"], "state": case.state}}
