"""Which team takes a case: by the person's municipality (AGS) and the programmes that may fit."""
from __future__ import annotations

from collections.abc import Sequence

from bot.deployment import Deployment, Team


def _specificity(team: Team, ags: str | None, programmes: Sequence[str]) -> tuple[int, int] | None:
    """How closely a team matches, or None if it does not cover the case at all."""
    if team.municipalities and ags not in team.municipalities:
        return None
    if team.programmes and not set(team.programmes) & set(programmes):
        return None
    return (1 if team.programmes else 0, 1 if team.municipalities else 0)


def route(deployment: Deployment, ags: str | None, programmes: Sequence[str]) -> Team | None:
    """The most specific team covering the case; the default team when none does.

    Programme teams come first: a person who may fit Durchstarten goes to the Durchstarten team
    of their town rather than to a general counselling team of the same town.
    """
    scored = [(score, index, team) for index, team in enumerate(deployment.teams)
              if (score := _specificity(team, ags, programmes)) is not None and not team.default]
    if scored:
        return max(scored, key=lambda item: (item[0], -item[1]))[2]
    return deployment.default_team
