"""The deployment's configuration: its region's municipalities, its programmes, its teams."""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml


@dataclass(frozen=True)
class Municipality:
    ags: str
    name: str
    aliases: tuple[str, ...] = ()

    def as_record(self) -> dict[str, str]:
        return {"ags": self.ags, "name": self.name}


@dataclass(frozen=True)
class Team:
    """Teilhabemanager who take over cases: for some municipalities and programmes (empty = all)."""

    id: str
    name: str
    municipalities: tuple[str, ...] = ()
    programmes: tuple[str, ...] = ()
    members: tuple[str, ...] = ()  # staff logins (`lotse staff add`)
    staff_chat_id: str = ""  # the team's Telegram group, told of every new case
    response_days: int = 3  # what the person is told: "within N working days"
    default: bool = False  # takes the cases no other team covers


CRISIS_KINDS = ("suicide", "violence", "medical", "child")


@dataclass(frozen=True)
class HelpService:
    """A help line for people in danger; `kinds` says for which dangers it is named."""

    name: str
    numbers: tuple[str, ...]
    kinds: tuple[str, ...]
    source: str = ""


@dataclass(frozen=True)
class CrisisHelp:
    emergency: str = "112"
    police: str = "110"
    escalate_after_minutes: float = 10.0
    services: tuple[HelpService, ...] = ()

    def services_for(self, kind: str) -> tuple[HelpService, ...]:
        return tuple(s for s in self.services if kind in s.kinds)


@dataclass(frozen=True)
class Retention:
    """How long personal data is kept (bot/privacy/retention.py); the privacy notice quotes these."""

    no_consent_hours: int = 24  # a conversation without consent (nothing else is stored)
    incomplete_intake_days: int = 90  # after the last message of an intake never completed
    closed_case_months: int = 24  # after the person's case was closed
    audit_log_months: int = 24


@dataclass(frozen=True)
class Deployment:
    name: str
    municipalities: tuple[Municipality, ...]
    controller: str = ""
    programmes: tuple[str, ...] = ()
    evaluation_date: datetime.date | None = None
    teams: tuple[Team, ...] = field(default_factory=tuple)
    retention: Retention = field(default_factory=Retention)
    # Below this age a parent or guardian has to agree (Art. 8 GDPR; 16 in Germany).
    own_consent_min_age: int = 16
    crisis_help: CrisisHelp = field(default_factory=CrisisHelp)

    def municipality(self, ags: str) -> Municipality | None:
        return next((m for m in self.municipalities if m.ags == ags), None)

    def team(self, team_id: str) -> Team | None:
        return next((t for t in self.teams if t.id == team_id), None)

    def teams_of(self, login: str) -> tuple[Team, ...]:
        return tuple(t for t in self.teams if login in t.members)

    @property
    def default_team(self) -> Team | None:
        return next((t for t in self.teams if t.default), self.teams[0] if self.teams else None)


class DeploymentError(ValueError):
    pass


def parse_deployment(data: dict) -> Deployment:
    try:
        municipalities = tuple(
            Municipality(ags=str(m["ags"]), name=str(m["name"]), aliases=tuple(m.get("aliases") or ()))
            for m in data["municipalities"]
        )
    except (KeyError, TypeError) as error:
        raise DeploymentError(f"every municipality needs 'ags' and 'name': {error}") from error
    for municipality in municipalities:
        if not (municipality.ags.isdigit() and len(municipality.ags) == 8):
            raise DeploymentError(f"AGS must be 8 digits: {municipality.name} has {municipality.ags!r}")
    teams = _parse_teams(data.get("teams") or [], {m.ags for m in municipalities})
    evaluation_date = data.get("evaluation_date")
    if isinstance(evaluation_date, str):
        evaluation_date = datetime.date.fromisoformat(evaluation_date)
    return Deployment(
        name=str(data.get("name", "Lotse")),
        controller=str(data.get("controller") or data.get("name", "Lotse")),
        municipalities=municipalities,
        programmes=tuple(data.get("programmes") or ()),
        evaluation_date=evaluation_date,
        teams=teams,
        retention=_parse_retention(data.get("retention") or {}),
        own_consent_min_age=int((data.get("age_limits") or {}).get("own_consent_min_age", 16)),
        crisis_help=_parse_crisis_help(data.get("crisis_help") or {}),
    )


def _parse_crisis_help(data: dict) -> CrisisHelp:
    try:
        services = tuple(
            HelpService(name=str(s["name"]), numbers=tuple(str(n) for n in s["numbers"]),
                        kinds=tuple(str(k) for k in s["kinds"]), source=str(s.get("source") or ""))
            for s in data.get("services") or ()
        )
        help_ = CrisisHelp(
            emergency=str(data.get("emergency") or "112"), police=str(data.get("police") or "110"),
            escalate_after_minutes=float(data.get("escalate_after_minutes", 10)), services=services,
        )
    except (KeyError, TypeError, ValueError) as error:
        raise DeploymentError(f"every crisis help service needs 'name', 'numbers' and 'kinds': {error}") from error
    for service in services:
        if unknown := set(service.kinds) - set(CRISIS_KINDS):
            raise DeploymentError(f"{service.name}: unknown kinds {sorted(unknown)}; use {', '.join(CRISIS_KINDS)}")
    return help_


def _parse_retention(data: dict) -> Retention:
    try:
        periods = {name: int(value) for name, value in data.items() if name in Retention.__dataclass_fields__}
    except (TypeError, ValueError) as error:
        raise DeploymentError(f"retention periods are whole numbers: {error}") from error
    if unknown := set(data) - set(Retention.__dataclass_fields__):
        raise DeploymentError(f"unknown retention periods {sorted(unknown)}; use {', '.join(Retention.__dataclass_fields__)}")
    if any(value < 1 for value in periods.values()):
        raise DeploymentError("retention periods must be at least 1")
    return Retention(**periods)


def _parse_teams(entries: list[dict], known_ags: set[str]) -> tuple[Team, ...]:
    teams = []
    for entry in entries:
        try:
            team = Team(
                id=str(entry["id"]),
                name=str(entry["name"]),
                municipalities=tuple(str(a) for a in entry.get("municipalities") or ()),
                programmes=tuple(entry.get("programmes") or ()),
                members=tuple(str(m) for m in entry.get("members") or ()),
                staff_chat_id=str(entry.get("staff_chat_id") or ""),
                response_days=int(entry.get("response_days", 3)),
                default=bool(entry.get("default", False)),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise DeploymentError(f"every team needs 'id' and 'name' (and numbers where numbers go): {error}") from error
        unknown = set(team.municipalities) - known_ags
        if unknown:
            raise DeploymentError(f"team {team.id} names municipalities that are not in the list: {sorted(unknown)}")
        teams.append(team)
    if len({t.id for t in teams}) != len(teams):
        raise DeploymentError("team ids must be unique")
    if sum(t.default for t in teams) > 1:
        raise DeploymentError("only one team can be the default team")
    return tuple(teams)


@lru_cache(maxsize=8)
def load_deployment(path: Path) -> Deployment:
    with path.open(encoding="utf-8") as handle:
        return parse_deployment(yaml.safe_load(handle) or {})
