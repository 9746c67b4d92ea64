"""Answering a person in danger: help first, in their language, then a person from the team.

Every message is checked before anything else (bot.safety). A message that signals danger is
never sent to Rasa, so it is never stored as an answer; it reaches the team only, with the case.
Declined as a crisis, it may be proposed as the open question's answer (bot.parsing.proposals).
"""
from __future__ import annotations

import asyncio
import datetime
import logging
from collections.abc import Callable
from typing import Any

from bot.db import Database
from bot.deployment import Deployment
from bot.handoff.cases import CaseDesk, Urgency
from bot.handoff.crisis import CrisisAlerts, PendingAlert
from bot.handoff.handover import hand_over_case
from bot.handoff.outbox import enqueue, telegram_chat_of
from bot.intake.store import IntakeStore
from bot.messages import render
from bot.parsing.proposals import proposal_for
from bot.rasa_client import RasaClient, RasaUnavailable, Reply, requested_question
from bot.safety import CrisisSignal

logger = logging.getLogger(__name__)

ACCEPT = "/crisis_accept"
DECLINE = "/crisis_decline"
PAYLOADS = (ACCEPT, DECLINE)


def _reply(message: dict[str, Any]) -> Reply:
    return Reply(text=message["text"], buttons=tuple(message.get("buttons", ())))


class CrisisResponse:
    def __init__(self, deployment: Deployment, database: Database, cases: CaseDesk, rasa: RasaClient) -> None:
        self.deployment = deployment
        self.database = database
        self.cases = cases
        self.rasa = rasa
        self.alerts = CrisisAlerts(database)
        self.intakes = IntakeStore(database)
        self.on_alert: Callable[[], None] = lambda: None  # the gateway counts them (/metrics), nothing more

    def help_message(self, kind: str, language: str) -> Reply:
        """The emergency numbers and the services that fit this kind of danger."""
        help_ = self.deployment.crisis_help
        services = "\n".join(f"• {s.name}: {' / '.join(s.numbers)}" for s in help_.services_for(kind))
        return _reply(render(f"crisis_help_{kind}", language, self.deployment,
                             emergency=help_.emergency, police=help_.police, services=services))

    def _notice(self, name: str, language: str) -> Reply:
        help_ = self.deployment.crisis_help
        return _reply(render(name, language, self.deployment, emergency=help_.emergency, police=help_.police))

    async def respond(self, conversation_id: str, channel: str, text: str, signal: CrisisSignal,
                      language: str, question: str | None = None) -> list[Reply]:
        """Help at once; during a live relay the case turns urgent, otherwise a person is offered.
        `question` is the intake's open question, if any."""
        logger.warning("crisis signal (%s) in a %s conversation", signal.kind, channel)
        self.on_alert()
        help_message = self.help_message(signal.kind, language)
        relay = await asyncio.to_thread(self.cases.relay_case, conversation_id)
        if relay is not None:
            await asyncio.to_thread(self.cases.mark_urgent, relay, Urgency(signal.kind, text))
            return [help_message, self._notice("crisis_team_told", language)]
        escalate_after = datetime.timedelta(minutes=self.deployment.crisis_help.escalate_after_minutes)
        await asyncio.to_thread(self.alerts.raise_alert, conversation_id=conversation_id, channel=channel,
                                language=language, kind=signal.kind, text=text, escalate_after=escalate_after,
                                question=question)
        return [help_message, self._notice("crisis_offer", language)]

    async def answer(self, conversation_id: str, channel: str, payload: str, language: str) -> tuple[list[Reply], bool]:
        """The person's answer to the offer; True when the intake should go on where it was."""
        alert = await asyncio.to_thread(self.alerts.take, conversation_id)
        if payload == DECLINE:
            if alert is not None:
                await self._propose_as_answer(alert)
            return [self._notice("crisis_declined", language)], True
        if alert is not None:
            await self._open_urgent_case(alert)
        elif await asyncio.to_thread(self.cases.relay_case, conversation_id) is None:
            # An old offer, tapped after its alert became a case and was closed: still a person.
            await self._hand_over(conversation_id, channel, language, "requested", None)
        return [self._notice("crisis_person_coming", language)], False

    async def _propose_as_answer(self, alert: PendingAlert) -> None:
        """No crisis, says the person: what they wrote may still answer the question it came at
        ("yes, two small kids" to "Do you need childcare?"). Proposed, so that the question asked
        again is "Did you mean: *Yes*?"; only the value reaches Rasa, never the message."""
        if alert.question is None:
            return
        state = await self.rasa.state(alert.conversation_id)
        if requested_question(state) != alert.question:
            return  # the person went on meanwhile: the message answered another question
        proposal = await asyncio.to_thread(proposal_for, alert.text, alert.question,
                                           state["slots"].get("residence_status"), alert.language)
        if proposal is None:
            return
        try:
            await self.rasa.set_slots(alert.conversation_id, {"pending_answer": proposal})
        except RasaUnavailable:
            logger.warning("crisis declined: the proposal could not be set, the question is asked again")

    async def escalate_due(self) -> int:
        """Open an urgent case for every alert the person left unanswered; tell them. Returns how many."""
        opened = 0
        for conversation_id in await asyncio.to_thread(self.alerts.due):
            alert = await asyncio.to_thread(self.alerts.take, conversation_id)
            if alert is None:  # answered meanwhile
                continue
            await self._open_urgent_case(alert)
            chat_id = telegram_chat_of(conversation_id)
            if chat_id is not None:
                text = self._notice("crisis_person_coming", alert.language).text
                await asyncio.to_thread(self._queue_for_person, conversation_id, chat_id, text)
            opened += 1
        return opened

    def _queue_for_person(self, conversation_id: str, chat_id: str, text: str) -> None:
        with self.database.session() as session:
            enqueue(session, chat_id, text, conversation_id=conversation_id)

    async def _open_urgent_case(self, alert: PendingAlert) -> None:
        await self._hand_over(alert.conversation_id, alert.channel, alert.language, "crisis",
                              Urgency(alert.kind, alert.text))

    async def _hand_over(self, conversation_id: str, channel: str, language: str, reason: str,
                         urgency: Urgency | None) -> None:
        # What the person has told so far routes the case (their town) and fills the packet.
        slots = (await self.rasa.state(conversation_id)).get("slots", {})
        await asyncio.to_thread(
            lambda: hand_over_case(self.cases, self.intakes, conversation_id=conversation_id, channel=channel,
                                   slots=slots, reason=reason, language=language, today=datetime.date.today(),
                                   urgency=urgency))
