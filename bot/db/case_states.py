"""A case's states and the ways between them, in one place: the model, the case desk, casework,
the demo data and the templates all use these."""
from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class CaseState(StrEnum):
    """Stored as its value (it is a str). Member names equal the values on purpose: a library that
    writes an Enum by its name (as some database drivers do) stores the same word."""

    new = "new"
    claimed = "claimed"
    contacted = "contacted"
    accepted = "accepted"
    referred = "referred"
    not_reached = "not_reached"
    closed = "closed"

    @property
    def label(self) -> str:
        """How staff read it (German)."""
        return LABELS[self]

    def may_become(self, state: str) -> bool:
        return state in TRANSITIONS[self]


LABELS: Mapping[CaseState, str] = {
    CaseState.new: "neu", CaseState.claimed: "übernommen", CaseState.contacted: "Kontakt aufgenommen",
    CaseState.accepted: "aufgenommen", CaseState.referred: "weitervermittelt",
    CaseState.not_reached: "nicht erreicht", CaseState.closed: "abgeschlossen",
}
# The way a case goes: new → claimed → contacted → accepted / referred / not_reached → closed.
TRANSITIONS: Mapping[CaseState, tuple[CaseState, ...]] = {
    CaseState.new: (CaseState.claimed, CaseState.closed),
    CaseState.claimed: (CaseState.contacted, CaseState.not_reached, CaseState.closed),
    CaseState.contacted: (CaseState.accepted, CaseState.referred, CaseState.not_reached, CaseState.closed),
    CaseState.not_reached: (CaseState.contacted, CaseState.closed),
    CaseState.accepted: (CaseState.closed,),
    CaseState.referred: (CaseState.closed,),
    CaseState.closed: (),
}
# Open: the team still works on it, and the person talks to the team rather than to the bot.
OPEN_STATES = tuple(state for state in CaseState if state is not CaseState.closed)
# The first contact with the person has been made in these.
CONTACTED_STATES = frozenset({CaseState.contacted, CaseState.accepted, CaseState.referred, CaseState.closed})
