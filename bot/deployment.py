"""The deployment's configuration: its region's municipalities and its programmes."""
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
class Deployment:
    name: str
    municipalities: tuple[Municipality, ...]
    controller: str = ""
    programmes: tuple[str, ...] = ()
    evaluation_date: datetime.date | None = None
    teams: tuple[dict, ...] = field(default_factory=tuple)

    def municipality(self, ags: str) -> Municipality | None:
        return next((m for m in self.municipalities if m.ags == ags), None)


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
    evaluation_date = data.get("evaluation_date")
    if isinstance(evaluation_date, str):
        evaluation_date = datetime.date.fromisoformat(evaluation_date)
    return Deployment(
        name=str(data.get("name", "Lotse")),
        controller=str(data.get("controller") or data.get("name", "Lotse")),
        municipalities=municipalities,
        programmes=tuple(data.get("programmes") or ()),
        evaluation_date=evaluation_date,
        teams=tuple(data.get("teams") or ()),
    )


@lru_cache(maxsize=8)
def load_deployment(path: Path) -> Deployment:
    with path.open(encoding="utf-8") as handle:
        return parse_deployment(yaml.safe_load(handle) or {})
