"""Crisis help without the stack: the deployment's numbers, pending alerts, urgent cases and
their place in the inbox, on real SQLite. The whole flow runs in tests/e2e/test_crisis.py."""
from __future__ import annotations

import asyncio
import datetime

import pytest
from sqlalchemy import select

from bot.config import PROJECT_ROOT
from bot.crisis_response import CrisisResponse
from bot.db import Case, CaseMessage, CrisisAlert, Database, OutboxMessage, migrate
from bot.deployment import DeploymentError, load_deployment, parse_deployment
from bot.handoff.cases import CaseDesk, Urgency
from bot.handoff.crisis import CrisisAlerts
from bot.handoff.packet import Packet
from bot.inbox.accounts import Account
from bot.inbox.casework import CaseFilters, Casework
from bot.rasa_client import RasaClient
from bot.safety import CrisisSignal

DEPLOYMENT = parse_deployment({
    "name": "Test", "municipalities": [{"ags": "05170024", "name": "Moers"}],
    "teams": [{"id": "t", "name": "Team", "default": True, "members": ["anna"], "staff_chat_id": "-100"}],
    "crisis_help": {
        "emergency": "112", "police": "110", "escalate_after_minutes": 10,
        "services": [
            {"name": "TelefonSeelsorge", "numbers": ["0800 111 0 111", "116 123"], "kinds": ["suicide"]},
            {"name": "Frauenhaus Wesel", "numbers": ["0281 12345"], "kinds": ["violence"]},
        ],
    },
})


@pytest.fixture()
def database(database_url: str) -> Database:
    migrate(database_url)
    return Database(database_url)


def responder(database: Database) -> CrisisResponse:
    # Rasa is not running: the state is empty, as for a person who has not consented.
    return CrisisResponse(DEPLOYMENT, database, CaseDesk(database, DEPLOYMENT, "http://inbox"),
                          RasaClient("http://127.0.0.1:9"))


def test_the_deployment_file_names_a_service_with_a_source_for_every_kind_of_danger() -> None:
    deployment = load_deployment(PROJECT_ROOT / "config" / "deployment.yml")
    for kind in ("suicide", "violence", "medical", "child"):
        services = deployment.crisis_help.services_for(kind)
        assert services and all(s.numbers and s.source.startswith("https://") for s in services), kind
    numbers = {n for s in deployment.crisis_help.services for n in s.numbers}
    assert {"0800 111 0 111", "0800 111 0 222", "116 123", "116 016", "0800 123 99 00", "116 111", "116 117"} <= numbers


def test_a_service_for_an_unknown_danger_is_refused() -> None:
    with pytest.raises(DeploymentError, match="unknown kinds"):
        parse_deployment({"name": "x", "municipalities": [], "crisis_help": {
            "services": [{"name": "x", "numbers": ["1"], "kinds": ["sadness"]}]}})


def test_the_help_message_names_the_local_services_for_the_danger() -> None:
    text = responder(None).help_message("violence", "de").text
    assert "110" in text and "Frauenhaus Wesel: 0281 12345" in text and "TelefonSeelsorge" not in text


def test_a_second_message_joins_the_alert_without_moving_its_deadline(database: Database) -> None:
    alerts = CrisisAlerts(database)
    for text in ("first", "second"):
        alerts.raise_alert(conversation_id="telegram:1", channel="telegram", language="en", kind="suicide", text=text,
                           escalate_after=datetime.timedelta(minutes=10))
    with database.session() as session:
        (alert,) = session.scalars(select(CrisisAlert)).all()
        deadline = alert.escalate_at
    assert alert.text == "first\nsecond"
    assert alerts.due() == []
    assert alerts.due(deadline.replace(tzinfo=datetime.UTC) + datetime.timedelta(seconds=1)) == ["telegram:1"]
    assert alerts.take("telegram:1").text == "first\nsecond"
    assert alerts.take("telegram:1") is None


def test_an_alert_keeps_the_question_open_at_its_latest_message(database: Database) -> None:
    """Declined, the message may be proposed as the answer to that question (bot.parsing.proposals)."""
    alerts = CrisisAlerts(database)
    for text, question in (("first", "childcare_needed"), ("second", "contact_method")):
        alerts.raise_alert(conversation_id="telegram:2", channel="telegram", language="en", kind="child", text=text,
                           escalate_after=datetime.timedelta(minutes=10), question=question)
    alert = alerts.take("telegram:2")
    assert alert is not None and (alert.text, alert.question) == ("first\nsecond", "contact_method")


def test_two_gateways_taking_one_alert_at_once_open_one_case(database: Database) -> None:
    """Each gateway's crisis watch takes due alerts; only one may escalate each (decision 22)."""
    alerts = CrisisAlerts(database)
    for number in range(20):
        alerts.raise_alert(conversation_id=f"telegram:{number}", channel="telegram", language="en", kind="suicide",
                           text="help", escalate_after=datetime.timedelta(0))

    async def one_gateway() -> list[object]:
        return list(await asyncio.gather(*(asyncio.to_thread(alerts.take, f"telegram:{number}") for number in range(20))))

    async def two_gateways() -> tuple[list[object], list[object]]:
        return await asyncio.gather(one_gateway(), one_gateway())

    first, second = asyncio.run(two_gateways())
    assert [a is not None and b is not None for a, b in zip(first, second, strict=True)] == [False] * 20
    assert sum(a is not None or b is not None for a, b in zip(first, second, strict=True)) == 20


def test_an_unanswered_alert_becomes_an_urgent_case_and_the_person_is_told(database: Database) -> None:
    crisis = responder(database)
    replies = asyncio.run(crisis.respond("telegram:42", "telegram", "I want to end it", CrisisSignal("suicide", "en"), "en"))
    assert "0800 111 0 111" in replies[0].text and [b["payload"] for b in replies[1].buttons] == ["/crisis_accept", "/crisis_decline"]
    with database.session() as session:
        session.execute(CrisisAlert.__table__.update().values(
            escalate_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=1)))
    assert asyncio.run(crisis.escalate_due()) == 1
    assert asyncio.run(crisis.escalate_due()) == 0  # once
    with database.session() as session:
        case = session.scalars(select(Case)).one()
        assert (case.urgent, case.reason, case.first_name) == (True, "crisis", None)
        assert [m.text for m in session.scalars(select(CaseMessage))] == ["I want to end it"]
        outbox = {m.chat_id: m.text for m in session.scalars(select(OutboxMessage))}
    assert outbox["-100"].startswith("🚨 DRINGEND") and "I want to end it" in outbox["-100"]
    assert "as soon as possible" in outbox["42"]


def test_declining_forgets_the_message(database: Database) -> None:
    crisis = responder(database)
    asyncio.run(crisis.respond("telegram:43", "telegram", "he hits me", CrisisSignal("violence", "en"), "en"))
    replies, go_on = asyncio.run(crisis.answer("telegram:43", "telegram", "/crisis_decline", "en"))
    assert go_on and "/human" in replies[0].text
    with database.session() as session:
        assert session.scalars(select(CrisisAlert)).all() == [] and session.scalars(select(Case)).all() == []


def test_open_urgent_cases_head_the_inbox(database: Database) -> None:
    desk = CaseDesk(database, DEPLOYMENT, "http://inbox")
    team = DEPLOYMENT.team("t")
    packet = Packet(headline="h", text="t", age=None, programmes=[])
    for number, urgency in ((1, None), (2, Urgency("medical", "help")), (3, None)):
        desk.open_case(conversation_id=f"telegram:{number}", channel="telegram", reason="requested", language="en",
                       first_name=None, municipality_ags=None, team=team, packet_for=lambda _: packet, urgency=urgency)
    listed = Casework(database, DEPLOYMENT).list(Account("anna", "Anna", "staff"), CaseFilters(state="open"))
    assert [c.conversation_id for c in listed.cases] == ["telegram:2", "telegram:3", "telegram:1"]
