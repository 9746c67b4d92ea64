"""Opening a case from a conversation's state: routing, the German packet, the case itself.

The action server hands over at the end of the intake and on request; the gateway hands over
when a person in danger accepts a person from the team, or does not answer in time. Both come
here, so a case looks the same whoever opened it.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from bot.handoff.cases import CaseDesk, OpenedCase, Urgency
from bot.handoff.packet import Packet, build_packet, programmes_that_may_fit
from bot.handoff.routing import route
from bot.intake.answers import UNANSWERED
from bot.intake.store import IntakeStore


@dataclass(frozen=True)
class Handover:
    case: OpenedCase
    team_name: str
    response_days: int


def hand_over_case(desk: CaseDesk, intakes: IntakeStore, *, conversation_id: str, channel: str,
                   slots: dict[str, Any], reason: str, language: str, today: datetime.date,
                   urgency: Urgency | None = None) -> Handover:
    """Open the person's case (or update the open one) and tell the team."""
    deployment = desk.deployment
    consent = slots.get("consent") == "yes"
    record = intakes.get(conversation_id) if consent else None
    eligibility = (record or {}).get("eligibility")
    ags = slots.get("municipality") if consent and slots.get("municipality") not in (*UNANSWERED, "unknown") else None
    team = route(deployment, ags, programmes_that_may_fit(eligibility))
    if team is None:
        raise RuntimeError("the deployment has no teams: add them to the deployment file")
    as_of = (deployment.evaluation_date or today) if eligibility else today

    def packet_for(reference: str) -> Packet:
        return build_packet(reference=reference, reason=reason, slots=slots, language=language, consent=consent,
                            eligibility=eligibility, deployment=deployment, team_name=team.name, as_of=as_of)

    opened = desk.open_case(conversation_id=conversation_id, channel=channel, reason=reason, language=language,
                            first_name=slots.get("first_name") if consent else None, municipality_ags=ags,
                            team=team, packet_for=packet_for, urgency=urgency)
    return Handover(opened, team.name, team.response_days)
