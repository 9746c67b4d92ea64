"""The figures of the dashboard, the exports and `lotse stats`, for one set of filters.

Counting happens in SQL (GROUP BY over the narrow `intake_stats` rows and the cases table);
Python only rolls days up into weeks and months and computes the percentiles.
"""
from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import String, and_, case, cast, distinct, func, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from bot.db import Case, Conversation, Database, Intake, IntakeStats, Reminder
from bot.db.case_states import CaseState
from bot.deployment import Deployment
from bot.stats.facts import NOT_COUNTED, refresh

COMPLETE = ("completed", "handed_off")
DIMENSIONS = ("language", "municipality", "programme", "outcome", "gender", "age_group")


@dataclass(frozen=True)
class ReportFilters:
    date_from: datetime.date
    date_to: datetime.date  # inclusive
    team: str = ""
    programme: str = ""
    language: str = ""

    @classmethod
    def default(cls, today: datetime.date | None = None) -> ReportFilters:
        today = today or datetime.date.today()
        return cls(today - datetime.timedelta(days=364), today)

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        utc = datetime.UTC
        start = datetime.datetime.combine(self.date_from, datetime.time(), utc)
        return start, datetime.datetime.combine(self.date_to + datetime.timedelta(days=1), datetime.time(), utc)

    def describe(self) -> str:
        """For the audit log: the range and the active filters, no personal data."""
        extra = [f"{name}={getattr(self, name)}" for name in ("team", "programme", "language") if getattr(self, name)]
        return " ".join([f"{self.date_from}..{self.date_to}", *extra])


@dataclass
class Volume:
    started: int = 0
    completed: int = 0  # profile complete: status completed or handed_off
    handed_off: int = 0

    def add(self, status: str, count: int) -> None:
        self.started += count
        self.completed += count if status in COMPLETE else 0
        self.handed_off += count if status == "handed_off" else 0


@dataclass(frozen=True)
class Reminded:
    """Reminders sent in the range, to people who stopped in the middle of the intake."""

    sent: int
    intakes: int  # intakes that got at least one
    resumed: int  # … whose person wrote again after one


@dataclass(frozen=True)
class ContactTime:
    team: str
    cases: int
    contacted: int
    median_hours: float | None
    p90_hours: float | None


@dataclass
class Report:
    filters: ReportFilters
    days: dict[str, Volume] = field(default_factory=dict)
    breakdowns: dict[str, dict[str, Volume]] = field(default_factory=dict)
    funnel: list[tuple[str, int | None]] = field(default_factory=list)
    dropoff: dict[str, dict[str, int]] = field(default_factory=dict)  # question → language → count
    contact_times: list[ContactTime] = field(default_factory=list)
    reminders: dict[str, Reminded] = field(default_factory=dict)  # language → counts

    def periods(self, period: str) -> dict[str, Volume]:
        """The daily volumes rolled up into `day`, `week` (ISO, "2026-W07") or `month` ("2026-02")."""
        if period == "day":
            return self.days
        rolled: dict[str, Volume] = defaultdict(Volume)
        for day, volume in self.days.items():
            date = datetime.date.fromisoformat(day)
            key = f"{date.isocalendar()[0]}-W{date.isocalendar()[1]:02d}" if period == "week" else day[:7]
            total = rolled[key]
            total.started, total.completed = total.started + volume.started, total.completed + volume.completed
            total.handed_off += volume.handed_off
        return dict(rolled)


def percentile(values: list[float], share: float) -> float:
    """Linear interpolation between closest ranks (what spreadsheets' PERCENTILE.INC does)."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def hours_between(dialect: str, start: Any, end: Any) -> ColumnElement[float | Decimal]:
    """`end - start` in hours, computed by the database: parsing 100,000 timestamps in Python is slow."""
    if dialect == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 24
    return func.extract("epoch", end - start) / 3600


class Statistics:
    def __init__(self, database: Database, deployment: Deployment) -> None:
        self.database = database
        self.deployment = deployment

    def report(self, filters: ReportFilters) -> Report:
        refresh(self.database)
        report = Report(filters)
        where = self._intake_conditions(filters)
        with self.database.session() as session:
            self._count_intakes(session, report, where)
            report.contact_times = self._contact_times(session, filters)
            report.funnel = self._funnel(session, report, filters)
            report.reminders = self._reminders(session, filters)
        return report

    # --- intakes -------------------------------------------------------------------------------

    @staticmethod
    def _count_intakes(session: Any, report: Report, where: ColumnElement[bool]) -> None:
        """Four scans of `intake_stats`: few columns per GROUP BY keep the groups few, and Python
        rolls the groups up into each dimension."""
        s = IntakeStats
        breakdowns: dict[str, dict[str, Volume]] = {name: defaultdict(Volume) for name in DIMENSIONS}
        # Each GROUP BY follows its covering index's column order (models.IntakeStats).
        for status, day, count in session.execute(
                select(s.status, s.created_on, func.count()).where(where).group_by(s.status, s.created_on)):
            report.days.setdefault(day.isoformat(), Volume()).add(status, count)
        report.days = dict(sorted(report.days.items()))
        people = (s.language, s.gender, s.age_group, s.outcome)
        for status, *values, count in session.execute(
                select(s.status, *people, func.count()).where(where).group_by(s.status, *people)):
            for name, value in zip(("language", "gender", "age_group", "outcome"), values, strict=True):
                breakdowns[name][value or "unknown"].add(status, count)
        places = (s.municipality_ags, s.eligible_programmes)
        for status, municipality, programmes, count in session.execute(
                select(s.status, *places, func.count()).where(where).group_by(s.status, *places)):
            breakdowns["municipality"][municipality or "unknown"].add(status, count)
            # One intake can be eligible for several programmes: it counts once for each.
            for programme in programmes.strip("|").split("|") if programmes else ():
                breakdowns["programme"][programme].add(status, count)
        report.breakdowns = {name: dict(sorted(counts.items(), key=lambda item: -item[1].started))
                             for name, counts in breakdowns.items()}
        dropoff: dict[str, dict[str, int]] = defaultdict(dict)
        for question, language, count in session.execute(
                select(s.last_question, s.language, func.count()).where(where, s.status == "started")
                .group_by(s.last_question, s.language)):
            dropoff[question or "consent"][language or "unknown"] = count
        report.dropoff = dict(dropoff)

    def _reminders(self, session: Any, filters: ReportFilters) -> dict[str, Reminded]:
        """Per language of the intake, the reminders sent in the range (not the intakes created
        in it): the intake's other filters apply, and its person's consent to statistics."""
        start, end = filters.bounds()
        resumed = case((Reminder.resumed_at.is_not(None), Reminder.conversation_id))
        rows = session.execute(
            select(IntakeStats.language, func.count(), func.count(distinct(Reminder.conversation_id)),
                   func.count(distinct(resumed)))
            .select_from(Reminder).join(Intake, Intake.conversation_id == Reminder.conversation_id)
            .join(IntakeStats, IntakeStats.intake_id == Intake.id)
            .where(self._intake_conditions(filters, dates=False), Reminder.sent_at >= start, Reminder.sent_at < end)
            .group_by(IntakeStats.language))
        counted = {language or "unknown": Reminded(sent, intakes, back) for language, sent, intakes, back in rows}
        return dict(sorted(counted.items(), key=lambda item: -item[1].sent))

    def _intake_conditions(self, filters: ReportFilters, dates: bool = True) -> ColumnElement[bool]:
        # Intakes the person did not allow to be counted are left out of every figure.
        conditions = [IntakeStats.status != NOT_COUNTED]
        if dates:
            conditions += [IntakeStats.created_on >= filters.date_from, IntakeStats.created_on <= filters.date_to]
        if filters.language:
            conditions.append(IntakeStats.language == filters.language)
        if filters.programme:
            conditions.append(IntakeStats.eligible_programmes.contains(f"|{filters.programme}|"))
        if filters.team:
            conditions.append(self._team_area(filters.team))
        return and_(*conditions)

    def _team_area(self, team_id: str) -> ColumnElement[bool]:
        """Intakes carry no team: a team's intakes are those from its municipalities; the default
        team's are those from municipalities no other team covers (or none given)."""
        team = self.deployment.team(team_id)
        if team is None:
            return IntakeStats.intake_id.is_(None)  # an unknown team has no intakes
        if team.municipalities:
            return IntakeStats.municipality_ags.in_(team.municipalities)
        if not team.default:
            return true()
        covered = {ags for other in self.deployment.teams if other.id != team.id for ags in other.municipalities}
        return or_(IntakeStats.municipality_ags.is_(None), IntakeStats.municipality_ags.not_in(covered))

    # --- the funnel and cases ------------------------------------------------------------------

    def case_conditions(self, filters: ReportFilters) -> ColumnElement[bool]:
        start, end = filters.bounds()
        conditions = [Case.created_at >= start, Case.created_at < end]
        if filters.team:
            conditions.append(Case.team == filters.team)
        if filters.language:
            conditions.append(Case.language == filters.language)
        if filters.programme:
            # JSON list stored as text: '"kim-nrw"' matches the id exactly, quotes included.
            conditions.append(cast(Case.programmes, String).contains(f'"{filters.programme}"'))
        return and_(*conditions)

    def _funnel(self, session: Any, report: Report, filters: ReportFilters) -> list[tuple[str, int | None]]:
        consented = sum(v.started for v in report.days.values())
        complete = sum(v.completed for v in report.days.values())
        handed_off = sum(v.handed_off for v in report.days.values())
        eligible = report.breakdowns["outcome"].get("eligible", Volume()).completed
        # Conversations carry no language, team or programme: with such a filter the step is unknown.
        first_message = None
        if not (filters.team or filters.programme or filters.language):
            start, end = filters.bounds()
            first_message = session.scalar(select(func.count()).select_from(Conversation).where(
                Conversation.last_seen_at >= start, Conversation.last_seen_at < end))
        contacted = sum(t.contacted for t in report.contact_times)
        accepted = session.scalar(select(func.count()).where(self.case_conditions(filters), Case.state == CaseState.accepted))
        return [("first_message", first_message), ("consent", consented), ("profile_complete", complete),
                ("eligible", eligible), ("handed_off", handed_off), ("first_contact", contacted),
                ("accepted", accepted)]

    def _contact_times(self, session: Any, filters: ReportFilters) -> list[ContactTime]:
        # Grouped by whole minutes in SQL: a few thousand rows instead of one per case.
        minutes: dict[str, list[float]] = defaultdict(list)
        opened: dict[str, int] = defaultdict(int)
        waited = func.round(hours_between(session.get_bind().dialect.name, Case.created_at, Case.first_contact_at) * 60)
        for team, waited_minutes, count in session.execute(
                select(Case.team, waited, func.count()).where(self.case_conditions(filters)).group_by(Case.team, waited)):
            opened[team] += count
            if waited_minutes is not None:
                minutes[team].extend([float(waited_minutes) / 60] * count)
        return [ContactTime(team, opened[team], len(minutes[team]),
                            percentile(minutes[team], 0.5) if minutes[team] else None,
                            percentile(minutes[team], 0.9) if minutes[team] else None)
                for team in sorted(opened)]
