"""Handing over: routing to teams, the German packet, cases and the outbox, on real SQLite."""
from __future__ import annotations

import datetime

import pytest
from sqlalchemy import delete, select

from bot.db import Case, CaseMessage, Database, OutboxMessage, migrate
from bot.deployment import Deployment, DeploymentError, Municipality, Team, parse_deployment
from bot.handoff.cases import CaseDesk
from bot.handoff.outbox import Outbox, enqueue, pause_after, undelivered
from bot.handoff.packet import age_of, build_packet
from bot.handoff.routing import route
from bot.intake.consent import consent_record
from bot.intake.store import IntakeStore

MOERS, WESEL, XANTEN = "05170024", "05170048", "05170052"
DEPLOYMENT = Deployment(
    name="Test",
    municipalities=(Municipality(MOERS, "Moers"), Municipality(WESEL, "Wesel"), Municipality(XANTEN, "Xanten")),
    programmes=("kim-nrw", "durchstarten-nrw"),
    teams=(
        Team("kim-west", "KIM West", municipalities=(MOERS, XANTEN), programmes=("kim-nrw",), staff_chat_id="-101"),
        Team("moers", "Beratung Moers", municipalities=(MOERS,), staff_chat_id="-102", members=("anna",)),
        Team("kreis", "Erstberatung", default=True, staff_chat_id="-103"),
    ),
)


def test_a_programme_team_of_the_town_comes_before_the_town_team() -> None:
    assert route(DEPLOYMENT, MOERS, ["kim-nrw"]).id == "kim-west"


def test_without_a_fitting_programme_the_town_team_takes_the_case() -> None:
    assert route(DEPLOYMENT, MOERS, []).id == "moers"
    assert route(DEPLOYMENT, MOERS, ["durchstarten-nrw"]).id == "moers"


def test_cases_no_team_covers_go_to_the_default_team() -> None:
    assert route(DEPLOYMENT, WESEL, ["kim-nrw"]).id == "kreis"
    assert route(DEPLOYMENT, None, []).id == "kreis"


def test_team_configuration_errors_are_named() -> None:
    base = {"municipalities": [{"ags": MOERS, "name": "Moers"}]}
    with pytest.raises(DeploymentError, match="not in the list"):
        parse_deployment({**base, "teams": [{"id": "a", "name": "A", "municipalities": ["05999999"]}]})
    with pytest.raises(DeploymentError, match="unique"):
        parse_deployment({**base, "teams": [{"id": "a", "name": "A"}, {"id": "a", "name": "B"}]})
    with pytest.raises(DeploymentError, match="one team"):
        parse_deployment({**base, "teams": [{"id": "a", "name": "A", "default": True}, {"id": "b", "name": "B", "default": True}]})


SLOTS = {
    "consent": "yes", "first_name": "Amal", "birth_date": "2001-04-17", "gender": "female", "nationality": "SY",
    "municipality": MOERS, "in_reception_facility": "no", "residence_status": "gestattung", "residence_kind": "n/a",
    "employment_permitted": "yes", "arrival_date": "2022-03", "languages": ["ar", "en"], "german_level": "A2",
    "school_years": 9, "school_certificate": "lower_secondary", "vocational_qualification": "Schneiderin",
    "qualification_recognised": "no", "work_experience": "unknown", "goal": "ausbildung", "childcare_needed": "yes",
    "contact_method": "phone", "phone": "01761234567", "contact_language": "ar", "interpreter_needed": "yes",
    "contact_time": "afternoon",
}
ELIGIBILITY = {"as_of": "2026-11-22", "programmes": [
    {"id": "kim-nrw", "names": {"de": "Kommunales Integrationsmanagement"}, "outcome": "eligible",
     "reasons": [{"criterion": "region", "result": "met", "detail": "Wohnort im Kreis Wesel."},
                 {"criterion": "reception_facility", "result": "unknown", "detail": "Unbekannt, ob Landeseinrichtung."}]},
    {"id": "durchstarten-nrw", "names": {"de": "Durchstarten"}, "outcome": "not_eligible",
     "reasons": [{"criterion": "funding_round", "result": "not_met", "detail": "Förderrunde beendet."}]},
], "referrals": ["mbe"], "referral_details": [{"id": "mbe", "names": {"de": "Migrationsberatung für Erwachsene"}}]}


def _packet(**overrides):
    values = dict(reference="L-ABCDE", reason="intake_complete", slots=SLOTS, language="ar", consent=True,
                  eligibility=ELIGIBILITY, deployment=DEPLOYMENT, team_name="KIM West", as_of=datetime.date(2026, 11, 22))
    values.update(overrides)
    return build_packet(**values)


def test_the_packet_is_german_and_complete() -> None:
    packet = _packet()
    text = packet.text
    assert text.startswith("Lotse – Übergabe L-ABCDE an KIM West")
    # profile in German, from the same catalogs as the person's summary
    assert "• Vorname: Amal" in text and "Moers" in text and "17. April 2001" in text
    # eligibility per programme, with every reason
    assert "• Kommunales Integrationsmanagement: passt voraussichtlich" in text
    assert "✓ Wohnort im Kreis Wesel." in text and "? Unbekannt, ob Landeseinrichtung." in text
    assert "• Durchstarten: passt voraussichtlich nicht" in text and "✗ Förderrunde beendet." in text
    assert "Weitere Stellen: Migrationsberatung für Erwachsene" in text
    # what is still unknown, what to bring, language and contact
    assert "Arbeitserfahrung (unbekannt)" in text
    assert "Schulzeugnisse" in text and "Nachweise über Ausbildung" in text and "Aufenthaltsdokument" in text
    assert "Sprache im Chat: Arabisch (ar)" in text and "Dolmetschung nötig: ja" in text
    assert "Kontakt bevorzugt: Telefon, 01761234567" in text and "Erreichbar: Nachmittags" in text
    assert packet.programmes == ["kim-nrw"] and packet.age == 25
    assert packet.headline == "L-ABCDE · Amal · 25 J. · Moers · Arabisch"


def test_a_request_before_consent_carries_no_profile() -> None:
    packet = _packet(reason="requested", consent=False, eligibility=None, slots={"language": "fa"}, language="fa")
    assert "möchte einen Menschen sprechen" in packet.headline and "Amal" not in packet.text
    assert "nicht zugestimmt" in packet.text and "Profil:" not in packet.text


def test_age_from_a_birth_year_or_a_stated_age() -> None:
    day = datetime.date(2026, 11, 22)
    assert age_of({"birth_date": "2001"}, day) == 25
    assert age_of({"birth_date": "unknown", "stated_age": 30}, day) == 30
    assert age_of({}, day) is None


@pytest.fixture()
def database(database_url: str) -> Database:
    migrate(database_url)
    return Database(database_url)


def _open(desk: CaseDesk, conversation: str = "telegram:42", reason: str = "requested"):
    team = DEPLOYMENT.team("moers")
    return desk.open_case(conversation_id=conversation, channel="telegram", reason=reason, language="ar",
                          first_name="Amal", municipality_ags=MOERS, team=team,
                          packet_for=lambda reference: _packet(reference=reference, reason=reason))


def test_a_person_has_one_open_case_which_the_intake_completes(database: Database) -> None:
    store = IntakeStore(database)
    store.save_answers("telegram:42", "telegram", {"first_name": "Amal"},
                       consent_record({"consent": "yes"}, "ar", datetime.datetime(2026, 11, 22)))
    desk = CaseDesk(database, DEPLOYMENT, "https://inbox.example")
    first = _open(desk)
    again = _open(desk, reason="intake_complete")
    assert first.is_new and not again.is_new and first.id == again.id and first.reference.startswith("L-")
    with database.session() as session:
        case = session.get(Case, first.id)
        assert (case.reason, case.state, case.relay_open, case.team) == ("intake_complete", "new", True, "moers")
        notices = [o.text for o in session.scalars(select(OutboxMessage).where(OutboxMessage.chat_id == "-102"))]
    assert notices[0].startswith("🆕 Neuer Fall: L-") and f"https://inbox.example/cases/{first.id}" in notices[0]
    assert notices[1].startswith("🔁 Fall wieder offen")
    record = store.get("telegram:42")
    assert record["status"] == "handed_off"
    assert record["handoff"]["case_id"] == first.id and record["handoff"]["team"] == "moers"


def test_messages_during_a_case_are_kept_and_passed_to_the_team_chat(database: Database) -> None:
    desk = CaseDesk(database, DEPLOYMENT, "http://x")
    opened = _open(desk)
    relay = desk.relay_case("telegram:42")
    assert relay is not None and relay.staff_chat_id == "-102"
    desk.relay_from_person(relay, "مرحبا، أحتاج مساعدة")
    assert desk.relay_case("telegram:99") is None
    with database.session() as session:
        kept = session.scalars(select(CaseMessage).where(CaseMessage.case_id == opened.id)).one()
        forwarded = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert (kept.direction, kept.text) == ("in", "مرحبا، أحتاج مساعدة")
    assert forwarded.chat_id == "-102" and "مرحبا، أحتاج مساعدة" in forwarded.text
    assert forwarded.conversation_id == "telegram:42"  # so that forgetting the person cancels it
    assert desk.status("telegram:42").state == "new"


def test_the_outbox_retries_after_a_pause_and_keeps_what_finally_failed_for_the_case(database: Database) -> None:
    outbox = Outbox(database)
    desk = CaseDesk(database, DEPLOYMENT, "http://inbox")
    _open(desk, conversation="telegram:7")
    with database.session() as session:
        session.execute(delete(OutboxMessage))  # the new-case notice is not this test's
        enqueue(session, "7", "hello", conversation_id="telegram:7")
    (pending,) = outbox.due()
    outbox.retry_later(pending.id, pause_after(1), "NetworkError")
    assert outbox.due() == []  # waits before the next attempt
    with database.session() as session:
        row = session.get(OutboxMessage, pending.id)
        row.next_attempt_at = row.created_at
    (retry,) = outbox.due()
    assert retry.attempts == 1
    assert outbox.give_up(retry.id, "die Person hat den Bot blockiert")  # kept: the person has a case
    assert outbox.due() == []
    with database.session() as session:
        (failed,) = undelivered(session, "telegram:7", [])
        assert failed.text == "hello" and failed.last_error == "die Person hat den Bot blockiert"
        enqueue(session, "8", "bye", conversation_id="telegram:8")
        enqueue(session, "9", "ciao", conversation_id="telegram:9")
    second, third = outbox.due()
    assert not outbox.give_up(third.id, "Chat nicht gefunden")  # no case to show it on: not kept
    outbox.sent(second, telegram_message_id=1)
    with database.session() as session:
        assert session.get(OutboxMessage, third.id) is None
        assert session.get(OutboxMessage, second.id) is None  # nothing personal is kept once sent
