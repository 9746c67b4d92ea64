"""The staff inbox's rules: who sees which case, logins, CSRF, session timeout, case states.

The real Starlette app on a real SQLite database; Rasa is not running here, so case pages show
that the bot cannot be reached (the browser and relay tests in tests/e2e run with it).
"""
from __future__ import annotations

import dataclasses
import datetime
import re
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from starlette.testclient import TestClient

from bot.config import Settings
from bot.db import AuditEntry, Case, CaseMessage, Database, LoginAttempt, OutboxMessage, migrate
from bot.db.models import utcnow
from bot.deployment import load_deployment
from bot.handoff.cases import CaseDesk
from bot.handoff.packet import Packet
from bot.handoff.voice import Voice, VoiceDesk
from bot.i18n import localise
from bot.inbox import accounts as accounts_module
from bot.inbox import sessions as sessions_module
from bot.inbox.accounts import MAX_FAILURES_PER_LOGIN, AccountError, Accounts, LoginRefused, login_key
from bot.inbox.casework import Casework, Refused
from bot.messages import response_catalog
from bot.web.app import build_app
from tests.e2e.fake_telegram import free_port

PASSWORD = "correct horse battery"
MOERS, WESEL = "05170024", "05170048"


@pytest.fixture()
def settings(tmp_path: Path, database_url: str) -> Settings:
    deployment = {
        "name": "Test", "programmes": ["kim-nrw"],
        "municipalities": [{"ags": MOERS, "name": "Moers"}, {"ags": WESEL, "name": "Wesel"}],
        "teams": [
            {"id": "a", "name": "Team A", "municipalities": [MOERS], "members": ["anna"], "staff_chat_id": "-1"},
            {"id": "b", "name": "Team B", "default": True, "members": ["bert"]},
        ],
    }
    path = tmp_path / "deployment.yml"
    path.write_text(yaml.safe_dump(deployment))
    settings = Settings(var_dir=tmp_path, database_url=database_url, deployment_file=path,
                        rasa_url=f"http://127.0.0.1:{free_port()}", session_minutes=30)
    migrate(settings.app_database_url)
    accounts = Accounts(Database(settings.app_database_url))
    accounts.add("anna", "Anna A.", "staff", PASSWORD)
    accounts.add("bert", "Bert B.", "staff", PASSWORD)
    accounts.add("cora", "Cora C.", "coordinator", PASSWORD)
    accounts.add("root", "Admin", "admin", PASSWORD)
    return settings


def open_case(settings: Settings, conversation_id: str, ags: str) -> str:
    deployment = load_deployment(settings.deployment_file)
    team = deployment.team("a" if ags == MOERS else "b")
    desk = CaseDesk(Database(settings.app_database_url), deployment, settings.web_url)
    opened = desk.open_case(conversation_id=conversation_id, channel="telegram", reason="requested", language="ar",
                            first_name="Amal", municipality_ags=ags, team=team,
                            packet_for=lambda ref: Packet(f"{ref} · Amal", f"Lotse – Übergabe {ref}", 25, ["kim-nrw"]))
    return opened.id


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def login(client: TestClient, name: str, password: str = PASSWORD):
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"login": name, "password": password, "csrf": token}, follow_redirects=False)


@pytest.fixture()
def client(settings: Settings) -> TestClient:
    return TestClient(build_app(settings))


def test_not_signed_in_means_the_login_page(client: TestClient, settings: Settings) -> None:
    case_id = open_case(settings, "telegram:1", MOERS)
    response = client.get(f"/cases/{case_id}", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert client.post(f"/cases/{case_id}/claim", data={}, follow_redirects=False).status_code == 303


def test_staff_see_their_teams_cases_only(client: TestClient, settings: Settings) -> None:
    mine, theirs = open_case(settings, "telegram:1", MOERS), open_case(settings, "telegram:2", WESEL)
    assert login(client, "anna").status_code == 303
    listing = client.get("/cases").text
    assert f"/cases/{mine}" in listing and f"/cases/{theirs}" not in listing
    assert client.get(f"/cases/{mine}").status_code == 200
    forbidden = client.get(f"/cases/{theirs}")
    assert forbidden.status_code == 403 and "Team" in forbidden.text
    assert client.post(f"/cases/{theirs}/claim", data={"csrf": csrf_of(listing)}).status_code == 403
    with Database(settings.app_database_url).session() as session:
        actions = [(e.actor, e.action, e.case_id) for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert ("anna", "login", None) in actions and ("anna", "view_case", mine) in actions
    assert ("anna", "forbidden", theirs) in actions


def test_a_voice_message_plays_on_the_case_page_for_the_team_only(client: TestClient, settings: Settings) -> None:
    case_id = open_case(settings, "telegram:1", MOERS)
    database = Database(settings.app_database_url)
    relay = CaseDesk(database, load_deployment(settings.deployment_file), settings.web_url).open_case_of("telegram:1")
    assert relay is not None
    voice_id = VoiceDesk(database, settings.web_url).keep(relay, Voice(b"OggS-audio", "audio/ogg", 7))
    url = f"/cases/{case_id}/voice/{voice_id}"
    assert client.get(url, follow_redirects=False).status_code == 303  # not signed in
    login(client, "anna")
    page = client.get(f"/cases/{case_id}").text
    assert f'<audio controls preload="metadata" src="{url}">' in page and "Sprachnachricht (0:07)" in page
    played = client.get(url)
    assert (played.status_code, played.content, played.headers["content-type"]) == (200, b"OggS-audio", "audio/ogg")
    assert played.headers["cache-control"] == "no-store"
    assert client.get(f"/cases/{case_id}/voice/{voice_id + 1}").status_code == 404
    client.post("/logout", data={"csrf": csrf_of(page)})
    login(client, "bert")  # another team's
    assert client.get(url).status_code == 403
    with database.session() as session:
        actions = [(e.actor, e.action, e.case_id, e.detail) for e in session.scalars(select(AuditEntry))]
    assert ("anna", "play_voice", case_id, str(voice_id)) in actions and ("bert", "forbidden", case_id, None) in actions


def test_coordinators_see_no_cases_and_admins_all(client: TestClient, settings: Settings) -> None:
    case_id = open_case(settings, "telegram:1", MOERS)
    login(client, "cora")
    assert client.get("/cases").status_code == 403
    assert client.get(f"/cases/{case_id}").status_code == 403
    client.cookies.clear()
    login(client, "root")
    assert client.get(f"/cases/{case_id}").status_code == 200


def test_a_forged_or_missing_csrf_token_is_rejected(client: TestClient, settings: Settings) -> None:
    case_id = open_case(settings, "telegram:1", MOERS)
    login(client, "anna")
    assert client.post(f"/cases/{case_id}/claim", data={}).status_code == 403
    assert client.post(f"/cases/{case_id}/claim", data={"csrf": "forged"}).status_code == 403
    token = csrf_of(client.get(f"/cases/{case_id}").text)
    assert client.post(f"/cases/{case_id}/claim", data={"csrf": token}).status_code == 200
    assert "übernommen" in client.get(f"/cases/{case_id}").text
    # the login form needs it too
    assert client.post("/login", data={"login": "anna", "password": PASSWORD}).status_code == 403


def test_a_disabled_account_cannot_log_in_and_its_session_ends(client: TestClient, settings: Settings) -> None:
    login(client, "anna")
    assert client.get("/cases", follow_redirects=False).status_code == 200
    Accounts(Database(settings.app_database_url)).disable("anna")
    assert client.get("/cases", follow_redirects=False).status_code == 303
    refused = login(client, "anna")
    assert refused.status_code == 401 and "gesperrt" in refused.text


def test_logins_are_throttled_after_repeated_failures(client: TestClient, settings: Settings) -> None:
    for _ in range(MAX_FAILURES_PER_LOGIN):
        assert login(client, "anna", "wrong password!").status_code == 401
    throttled = login(client, "anna")  # even the right password waits now
    assert throttled.status_code == 401 and "Zu viele Fehlversuche" in throttled.text
    Accounts(Database(settings.app_database_url)).reset_password("anna", "another good password")
    assert login(client, "anna", "another good password").status_code == 303


def later_by(monkeypatch: pytest.MonkeyPatch, **delta: float) -> None:
    """The sessions' clock moves on (bot/inbox/sessions.py reads it)."""
    moment = utcnow() + datetime.timedelta(**delta)
    monkeypatch.setattr(sessions_module, "utcnow", lambda: moment)


def test_an_idle_session_times_out_and_the_background_refresh_does_not_keep_it(
        client: TestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    case_id = open_case(settings, "telegram:3001", MOERS)
    login(client, "anna")
    assert client.get("/cases", follow_redirects=False).status_code == 200
    minutes = settings.session_minutes
    later_by(monkeypatch, minutes=minutes - 1)
    assert client.get(f"/cases/{case_id}/timeline", follow_redirects=False).status_code == 200  # the page refreshing
    later_by(monkeypatch, minutes=minutes + 1)
    response = client.get("/cases", follow_redirects=False)
    assert response.status_code == 303 and "expired" in response.headers["location"]
    assert client.get("/cases", follow_redirects=False).headers["location"].startswith("/login")


def test_a_session_ends_after_twelve_hours_however_busy(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    login(client, "anna")
    for minutes in range(20, 12 * 60, 20):  # busy all day, never idle for the 30 minutes
        later_by(monkeypatch, minutes=minutes)
        assert client.get("/cases", follow_redirects=False).status_code == 200
    later_by(monkeypatch, hours=12, minutes=1)
    assert "expired" in client.get("/cases", follow_redirects=False).headers["location"]


def test_logout_and_a_new_password_end_a_copied_cookie(client: TestClient, settings: Settings) -> None:
    login(client, "anna")
    thief = TestClient(client.app, cookies=dict(client.cookies))
    assert thief.get("/cases", follow_redirects=False).status_code == 200
    client.post("/logout", data={"csrf": csrf_of(client.get("/cases").text)})
    assert thief.get("/cases", follow_redirects=False).status_code == 303

    login(client, "anna")
    thief = TestClient(client.app, cookies=dict(client.cookies))
    Accounts(Database(settings.app_database_url)).reset_password("anna", "another good password")
    assert thief.get("/cases", follow_redirects=False).status_code == 303
    assert client.get("/cases", follow_redirects=False).status_code == 303


def test_admins_see_and_end_a_users_sessions(settings: Settings) -> None:
    anna, admin = TestClient(build_app(settings)), TestClient(build_app(settings))
    login(anna, "anna")
    login(admin, "root")
    page = admin.get("/sessions").text
    assert "anna" in page and "root" in page
    admin.post("/sessions/end", data={"login": "anna", "csrf": csrf_of(page)})
    assert anna.get("/cases", follow_redirects=False).status_code == 303
    assert "anna" not in admin.get("/sessions").text.split("<tbody>")[1]
    login(anna, "anna")
    assert anna.get("/sessions").status_code == 403


def test_pages_are_not_cached_or_framed(client: TestClient) -> None:
    response = client.get("/login")
    assert response.headers["cache-control"] == "no-store" and response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_filters_narrow_the_list(client: TestClient, settings: Settings) -> None:
    first, second = open_case(settings, "telegram:1", MOERS), open_case(settings, "telegram:3", MOERS)
    casework = Casework(Database(settings.app_database_url), load_deployment(settings.deployment_file))
    anna = Accounts(Database(settings.app_database_url)).active("anna")
    casework.claim(anna, second)
    login(client, "anna")
    claimed = client.get("/cases?state=claimed").text
    assert f"/cases/{second}" in claimed and f"/cases/{first}" not in claimed
    assert f"/cases/{first}" in client.get("/cases?language=ar&age=18-27&programme=kim-nrw").text
    assert f"/cases/{first}" not in client.get("/cases?language=fa").text
    assert f"/cases/{first}" not in client.get("/cases?age=u18").text


def test_case_states_follow_their_order_and_replies_are_queued(settings: Settings) -> None:
    database = Database(settings.app_database_url)
    casework = Casework(database, load_deployment(settings.deployment_file))
    anna = Accounts(database).active("anna")
    case_id = open_case(settings, "telegram:77", MOERS)
    with pytest.raises(Refused, match="nicht zu „aufgenommen“"):
        casework.set_state(anna, case_id, "accepted")  # not before contact
    with pytest.raises(Refused, match="gibt es nicht"):
        casework.set_state(anna, case_id, "CaseState.closed")  # a form can send any text
    with pytest.raises(Refused):
        casework.assign(anna, case_id, "bert")  # not in the case's team
    casework.reply(anna, case_id, "Hallo Amal, ich bin Anna.")
    view = casework.view(anna, case_id)
    assert (view.case.state, view.case.assigned_to) == ("contacted", "anna") and view.case.first_contact_at
    with database.session() as session:
        queued = session.scalars(select(OutboxMessage).where(OutboxMessage.chat_id == "77")).one()
        assert queued.text == "👤 Anna A.: Hallo Amal, ich bin Anna."
        assert session.get(CaseMessage, queued.case_message_id).direction == "out"
    casework.set_state(anna, case_id, "accepted")
    case, relay_ended = casework.set_state(anna, case_id, "closed")
    assert relay_ended and not case.relay_open and case.closed_at
    with database.session() as session:  # stored as the plain word, which exports and statistics read
        assert session.scalar(select(Case.state).where(Case.id == case_id)) == "closed"
    with pytest.raises(Refused):
        casework.reply(anna, case_id, "noch da?")


def test_a_refused_change_is_explained_once_on_the_case_page(client: TestClient, settings: Settings) -> None:
    case_id = open_case(settings, "telegram:1", MOERS)
    login(client, "anna")
    token = csrf_of(client.get(f"/cases/{case_id}").text)
    page = client.post(f"/cases/{case_id}/assign", data={"csrf": token, "login": "bert"}).text
    assert "bert gehört nicht zum Team dieses Falls." in page
    assert "gehört nicht zum Team" not in client.get(f"/cases/{case_id}").text
    assert "Eingeschleust" not in client.get(f"/cases/{case_id}?error=Eingeschleust").text


def test_accounts_need_a_role_and_a_long_password(settings: Settings) -> None:
    accounts = Accounts(Database(settings.app_database_url))
    with pytest.raises(AccountError, match="12"):
        accounts.add("dora", "Dora", "staff", "short")
    with pytest.raises(AccountError, match="role"):
        accounts.add("dora", "Dora", "boss", PASSWORD)
    with pytest.raises(AccountError, match="exists"):
        accounts.add("anna", "Anna", "staff", PASSWORD)


def test_a_prepared_phrase_goes_out_in_the_persons_language_with_the_german_below(settings: Settings) -> None:
    database = Database(settings.app_database_url)
    casework = Casework(database, load_deployment(settings.deployment_file))
    anna = Accounts(database).active("anna")
    case_id = open_case(settings, "telegram:55", MOERS)  # an Arabic-speaking person
    casework.reply_with_phrase(anna, case_id, "staff_phrase_documents")
    german = casework.phrases()["staff_phrase_documents"]
    arabic = localise(response_catalog().get("staff_phrase_documents").text, "ar")
    assert german.startswith("Bitte bring") and arabic != german
    with database.session() as session:
        queued = session.scalars(select(OutboxMessage).where(OutboxMessage.chat_id == "55")).one()
    assert queued.text == f"👤 Anna A.: {arabic}\n\n🇩🇪 {german}"
    with pytest.raises(Refused):
        casework.reply_with_phrase(anna, case_id, "anything_else")


@pytest.fixture(autouse=True)
def quick_slowdown(monkeypatch: pytest.MonkeyPatch) -> None:
    """Failed logins slow the next ones down; here by milliseconds, not seconds."""
    monkeypatch.setattr(accounts_module, "MAX_DELAY_SECONDS", 0.01)


def test_a_failed_login_keeps_no_trace_of_what_was_typed(client: TestClient, settings: Settings) -> None:
    typed = "Sommer2026!geheim"  # a password typed into the login field
    assert login(client, typed, "whatever").status_code == 401
    with Database(settings.app_database_url).session() as session:
        kept = [(a.login, a.client) for a in session.scalars(select(LoginAttempt))]
        audited = [(e.actor, e.action, e.detail) for e in session.scalars(select(AuditEntry))]
    assert len(kept) == 1 and typed not in repr(kept)
    assert audited and typed not in repr(audited)
    for _ in range(MAX_FAILURES_PER_LOGIN - 1):
        login(client, typed, "whatever")
    assert "Zu viele Fehlversuche" in login(client, typed, "whatever").text  # still counted per login


def test_database_errors_do_not_carry_the_values(settings: Settings) -> None:
    database = Database(settings.app_database_url)
    with pytest.raises(IntegrityError) as error, database.session() as session:
        session.add(LoginAttempt(login=None, client="Amina Yusuf, 0176 5556667"))
        session.flush()
    assert "Amina" not in str(error.value) and "0176" not in str(error.value)


def login_from(client: TestClient, address: str, name: str, password: str = PASSWORD):
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"login": name, "password": password, "csrf": token}, follow_redirects=False,
                       headers={"X-Forwarded-For": f"203.0.113.99, {address}"})


def test_behind_the_proxy_one_client_cannot_lock_an_account_for_everyone(settings: Settings) -> None:
    client = TestClient(build_app(dataclasses.replace(settings, trusted_proxies="testclient, 10.0.0.0/8")))
    for _ in range(MAX_FAILURES_PER_LOGIN):
        assert login_from(client, "198.51.100.7", "anna", "wrong password!").status_code == 401
    assert "Zu viele Fehlversuche" in login_from(client, "198.51.100.7", "anna").text
    with Database(settings.app_database_url).session() as session:
        clients = {a.client for a in session.scalars(select(LoginAttempt))}
    assert clients == {"198.51.100.7"}  # the address the proxy saw, not the one the client claimed
    assert login_from(client, "192.0.2.44", "anna").status_code == 303  # anna, from her own computer


def test_forwarded_for_from_anyone_but_our_proxies_is_ignored(client: TestClient) -> None:
    for number in range(MAX_FAILURES_PER_LOGIN):
        assert login_from(client, f"192.0.2.{number}", "anna", "wrong password!").status_code == 401
    assert "Zu viele Fehlversuche" in login_from(client, "192.0.2.200", "anna").text


def test_failures_against_an_account_slow_its_logins_down(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts_module, "MAX_DELAY_SECONDS", 30.0)
    accounts = Accounts(Database(settings.app_database_url))
    delays = []
    for number in range(10):
        delays.append(accounts.delay_before("anna"))
        with pytest.raises(LoginRefused):
            accounts.authenticate("anna", "wrong password!", f"192.0.2.{number}")
    assert delays == [0.0, 0.0, 0.0, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    assert accounts.delay_before("bert") == 0.0


def test_a_burst_against_one_account_is_recorded_for_admins(client: TestClient, settings: Settings,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts_module, "BURST", 6)
    app = TestClient(build_app(dataclasses.replace(settings, trusted_proxies="testclient")))
    for number in range(6):
        login_from(app, f"192.0.2.{number}", "anna", "wrong password!")
    with Database(settings.app_database_url).session() as session:
        bursts = [(e.actor, e.detail) for e in session.scalars(select(AuditEntry).where(AuditEntry.action == "login_burst"))]
    assert bursts == [("system", f"#{login_key('anna')[:12]}")]


def test_admins_read_the_audit_log_by_who_what_and_case(client: TestClient, settings: Settings) -> None:
    case_id = open_case(settings, "telegram:2001", MOERS)
    login(client, "anna")
    assert client.get(f"/cases/{case_id}").status_code == 200
    client.post("/logout", data={"csrf": csrf_of(client.get("/cases").text)})
    assert client.get("/audit", follow_redirects=False).status_code == 303  # signed out: the login page

    login(client, "bert")
    assert client.get("/audit").status_code == 403  # staff do not read the log
    client.post("/logout", data={"csrf": csrf_of(client.get("/cases").text)})

    login(client, "root")
    page = client.get("/audit", params={"who": "anna", "what": "view_case"}).text
    assert case_id[:8] in page and "view_case" in page and "view_list" not in page
    assert case_id[:8] not in client.get("/audit", params={"who": "bert"}).text
    assert "Keine Einträge" in client.get("/audit", params={"from": "2030-01-01"}).text
    # The case page shows who viewed and changed the case.
    history = client.get(f"/cases/{case_id}").text.split("<h2>Verlauf</h2>")[1]
    assert "anna" in history and "view_case" in history


def test_the_case_list_pages_beyond_the_newest_two_hundred(client: TestClient, settings: Settings,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.inbox.casework.PAGE_SIZE", 3)
    references = []
    for number in range(7):
        case_id = open_case(settings, f"telegram:{4000 + number}", MOERS)
        with Database(settings.app_database_url).session() as session:
            references.append(session.get(Case, case_id).reference)
    login(client, "anna")
    first = client.get("/cases", params={"state": "open", "municipality": MOERS}).text
    assert "Seite 1" in first and "page=2" in first and f"municipality={MOERS}" in first and "page=0" not in first
    pages = [client.get("/cases", params={"state": "open", "municipality": MOERS, "page": n}).text for n in (1, 2, 3)]
    shown = [[ref for ref in references if ref in page] for page in pages]
    assert [len(refs) for refs in shown] == [3, 3, 1]
    assert sorted(ref for refs in shown for ref in refs) == sorted(references)  # every case on exactly one page
    assert "page=4" not in pages[2] and "page=2" in pages[2]
