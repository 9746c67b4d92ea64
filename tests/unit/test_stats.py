"""Coordinator figures: aggregates against a hand-counted fixture, suppression, access by role,
and the exports' content. Real SQLite, the real Starlette app; no Rasa."""
from __future__ import annotations

import csv
import datetime
import io
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from sqlalchemy import select
from starlette.testclient import TestClient

from bot.config import Settings
from bot.db import AuditEntry, Case, Conversation, Database, Intake, Reminder, migrate
from bot.deployment import load_deployment
from bot.inbox.accounts import Accounts
from bot.intake.store import IntakeStore
from bot.stats.demo import DemoData, RealDataPresent
from bot.stats.facts import age_at, age_group, refresh
from bot.stats.report import Reminded, ReportFilters, Statistics, percentile
from bot.stats.suppression import suppress
from bot.web.app import build_app

PASSWORD = "correct horse battery"
MOERS, WESEL = "05170024", "05170048"
UTC = datetime.UTC
MARCH_APRIL = ReportFilters(datetime.date(2026, 3, 1), datetime.date(2026, 4, 30))


def at(day: str, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def eligibility(**outcomes: str) -> dict[str, Any]:
    return {"as_of": "2026-03-01", "programmes": [{"id": p.replace("_", "-"), "outcome": o, "reasons": []}
                                                 for p, o in outcomes.items()]}


@pytest.fixture()
def settings(tmp_path: Path, database_url: str) -> Settings:
    deployment = {
        "name": "Test", "programmes": ["kim-nrw", "durchstarten-nrw"],
        "municipalities": [{"ags": MOERS, "name": "Moers"}, {"ags": WESEL, "name": "Wesel"}],
        "teams": [{"id": "west", "name": "Team West", "municipalities": [MOERS]},
                  {"id": "ost", "name": "Team Ost", "municipalities": [WESEL]},
                  {"id": "kiz", "name": "Erstberatung", "default": True}],
    }
    path = tmp_path / "deployment.yml"
    path.write_text(yaml.safe_dump(deployment))
    settings = Settings(var_dir=tmp_path, database_url=database_url, deployment_file=path)
    migrate(settings.app_database_url)
    accounts = Accounts(Database(settings.app_database_url))
    for login, role in (("anna", "staff"), ("cora", "coordinator"), ("root", "admin")):
        accounts.add(login, login.title(), role, PASSWORD)
    _fixture(Database(settings.app_database_url))
    return settings


def _intake(key: str, day: str, language: str, ags: str | None, status: str, **answers: Any) -> Intake:
    birth_date = answers.pop("birth_date", None)
    created = at(day)
    consent = {"processing": True, "statistics": True, "sharing": None, "version": "test", "given_at": day}
    return Intake(id=f"intake-{key}", conversation_id=f"c:{key}", channel="telegram", language=language,
                  status=status, created_at=created, updated_at=created, birth_date=birth_date,
                  municipality_ags=ags, first_name=key, answers=answers, consent=consent)


def _case(key: str, team: str, state: str, opened: datetime.datetime, contacted: datetime.datetime | None,
          programmes: list[str], language: str) -> Case:
    return Case(id=f"case-{key}", reference=f"L-{key}", conversation_id=f"c:{key}", channel="telegram", team=team,
                state=state, reason="intake_complete", language=language, programmes=programmes, summary="-",
                headline="-", created_at=opened, first_contact_at=contacted)


def _fixture(database: Database) -> None:
    """Six people; A–E in March/April 2026, F before. The expected figures below are counted
    by hand from this list. A and B stopped before the municipality question."""
    with database.session() as session:
        session.add_all([
            # A: stopped after the gender question; 25 on 2026-03-02 → 18-27.
            _intake("A", "2026-03-02", "ar", None, "started", birth_date="2000-05-01", gender="female"),
            # B: stopped after giving a first name; age and gender unknown.
            _intake("B", "2026-03-02", "ar", None, "started"),
            # C: complete; only the birth year: 2026 - 1980 = 46 → 45+; eligible for kim-nrw.
            _intake("C", "2026-03-03", "uk", WESEL, "completed", birth_date="1980", gender="male",
                    eligibility=eligibility(kim_nrw="eligible", durchstarten_nrw="not_eligible")),
            # D: handed off; the stated age (17) wins over the year → <18; kim-nrw needs review.
            _intake("D", "2026-03-10", "ar", WESEL, "handed_off", birth_date="2009", stated_age=17, gender="female",
                    eligibility=eligibility(kim_nrw="needs_review", durchstarten_nrw="not_eligible")),
            # E: handed off; 35 on 2026-04-01 (birthday the next day) → 28-44; eligible for both.
            _intake("E", "2026-04-01", "fa", MOERS, "handed_off", birth_date="1990-04-02", gender="male",
                    eligibility=eligibility(kim_nrw="eligible", durchstarten_nrw="eligible")),
            # F: outside the range.
            _intake("F", "2025-12-31", "ar", MOERS, "completed", gender="male"),
            # D waited 24 hours for first contact, E 6 hours and was accepted.
            _case("D", "ost", "contacted", at("2026-03-10", 12), at("2026-03-11", 12), ["kim-nrw"], "ar"),
            _case("E", "west", "accepted", at("2026-04-01", 10), at("2026-04-01", 16),
                  ["kim-nrw", "durchstarten-nrw"], "fa"),
        ])
        # Seven conversations seen in the range (A–E and two who never consented), F's before it.
        session.add_all([Conversation(id=f"c:{key}", channel="telegram", last_seen_at=at(day, 11))
                         for key, day in (("A", "2026-03-02"), ("B", "2026-03-02"), ("C", "2026-03-03"),
                                          ("D", "2026-03-10"), ("E", "2026-04-01"), ("X", "2026-03-05"),
                                          ("Y", "2026-04-20"), ("F", "2025-12-31"))])
        # A was reminded twice and did not come back; B once, and wrote again; F's was before the range.
        session.add_all([Reminder(conversation_id=f"c:{key}", number=number, due_at=at(sent), sent_at=at(sent),
                                  resumed_at=at(resumed) if resumed else None)
                         for key, number, sent, resumed in (("A", 1, "2026-03-03", None), ("A", 2, "2026-03-05", None),
                                                            ("B", 1, "2026-03-03", "2026-03-04"),
                                                            ("F", 1, "2025-12-31", None))])


def statistics(settings: Settings) -> Statistics:
    return Statistics(Database(settings.app_database_url), load_deployment(settings.deployment_file))


def volumes(volumes: dict[str, Any]) -> dict[str, tuple[int, int, int]]:
    return {key: (v.started, v.completed, v.handed_off) for key, v in volumes.items()}


def test_volumes_per_month_and_week(settings: Settings) -> None:
    report = statistics(settings).report(MARCH_APRIL)
    assert volumes(report.periods("month")) == {"2026-03": (4, 2, 1), "2026-04": (1, 1, 1)}
    # 2–8 March is ISO week 10 (A, B, C), 10 March week 11 (D), 1 April week 14 (E).
    assert volumes(report.periods("week")) == {"2026-W10": (3, 1, 0), "2026-W11": (1, 1, 1), "2026-W14": (1, 1, 1)}
    assert volumes(report.days)["2026-03-02"] == (2, 0, 0)


def test_breakdowns(settings: Settings) -> None:
    breakdowns = {name: volumes(counts) for name, counts in statistics(settings).report(MARCH_APRIL).breakdowns.items()}
    assert breakdowns["language"] == {"ar": (3, 1, 1), "uk": (1, 1, 0), "fa": (1, 1, 1)}
    assert breakdowns["municipality"] == {WESEL: (2, 2, 1), "unknown": (2, 0, 0), MOERS: (1, 1, 1)}
    assert breakdowns["gender"] == {"female": (2, 1, 1), "male": (2, 2, 1), "unknown": (1, 0, 0)}
    assert breakdowns["age_group"] == {"18-27": (1, 0, 0), "unknown": (1, 0, 0), "45+": (1, 1, 0),
                                       "<18": (1, 1, 1), "28-44": (1, 1, 1)}
    assert breakdowns["programme"] == {"kim-nrw": (2, 2, 1), "durchstarten-nrw": (1, 1, 1)}
    assert breakdowns["outcome"] == {"eligible": (2, 2, 1), "unknown": (2, 0, 0), "needs_review": (1, 1, 1)}


def test_funnel_dropoff_and_time_to_first_contact(settings: Settings) -> None:
    report = statistics(settings).report(MARCH_APRIL)
    assert report.funnel == [("first_message", 7), ("consent", 5), ("profile_complete", 3), ("eligible", 2),
                             ("handed_off", 2), ("first_contact", 2), ("accepted", 1)]
    assert report.dropoff == {"gender": {"ar": 1}, "first_name": {"ar": 1}}
    times = {t.team: (t.cases, t.contacted, t.median_hours, t.p90_hours) for t in report.contact_times}
    assert times == {"ost": (1, 1, 24.0, 24.0), "west": (1, 1, 6.0, 6.0)}


def test_reminders_sent_and_resumed_per_language(settings: Settings) -> None:
    assert statistics(settings).report(MARCH_APRIL).reminders == {"ar": Reminded(sent=3, intakes=2, resumed=1)}
    # Counted by when they were sent: B's intake began in March, its reminder went out on the 3rd.
    march_third = ReportFilters(datetime.date(2026, 3, 3), datetime.date(2026, 3, 3))
    assert statistics(settings).report(march_third).reminders == {"ar": Reminded(sent=2, intakes=2, resumed=1)}
    assert statistics(settings).report(ReportFilters(MARCH_APRIL.date_from, MARCH_APRIL.date_to, language="uk")).reminders == {}
    rows = list(csv.reader(io.StringIO(signed_in(settings, "cora").get("/exports/aggregates.csv" + RANGE).text)))
    title = "Erinnerungen nach Sprache (gesendet im Zeitraum)"
    assert [row[2:] for row in rows if row[:2] == [title, "Arabisch"]] == [
        ["Erinnerungen gesendet", "<5"], ["Intakes erinnert", "<5"], ["danach fortgesetzt", "<5"]]


@pytest.mark.parametrize(("extra", "funnel"), [
    # Arabic: A, B, D; D's case is contacted, not accepted; conversations have no language.
    ({"language": "ar"}, [None, 3, 1, 0, 1, 1, 0]),
    # Team West covers Moers: E and E's case.
    ({"team": "west"}, [None, 1, 1, 1, 1, 1, 1]),
    # The default team takes what no other team covers, here the intakes without a municipality: A, B.
    ({"team": "kiz"}, [None, 2, 0, 0, 0, 0, 0]),
    # Eligible for kim-nrw: C, E; the cases listing kim-nrw: D and E.
    ({"programme": "kim-nrw"}, [None, 2, 2, 2, 1, 2, 1]),
])
def test_filters(settings: Settings, extra: dict[str, str], funnel: list[int | None]) -> None:
    filters = ReportFilters(MARCH_APRIL.date_from, MARCH_APRIL.date_to, **extra)
    assert [count for _, count in statistics(settings).report(filters).funnel] == funnel


def test_facts_follow_changes_and_deletions(settings: Settings) -> None:
    database = Database(settings.app_database_url)
    assert refresh(database) == 6 and refresh(database) == 0
    with database.session() as session:
        intake = session.get(Intake, "intake-B")
        intake.answers = {"first_name": "B", "gender": "diverse"}  # updated_at moves on
        session.delete(session.get(Intake, "intake-A"))
    assert refresh(database) == 1
    breakdowns = statistics(settings).report(MARCH_APRIL).breakdowns
    assert volumes(breakdowns["gender"])["diverse"] == (1, 0, 0) and "female" in breakdowns["gender"]
    assert sum(v.started for v in breakdowns["language"].values()) == 4


def test_intakes_without_consent_to_statistics_are_not_counted(settings: Settings) -> None:
    database = Database(settings.app_database_url)
    before = statistics(settings).report(MARCH_APRIL)
    with database.session() as session:
        # G declined statistics (a drop-off at the municipality question); E withdraws under /privacy.
        g = _intake("G", "2026-03-05", "tr", None, "started", gender="male")
        g.consent = {**(g.consent or {}), "statistics": False}
        session.add(g)
        session.add(_intake("H", "2026-03-05", "tr", None, "started"))
        session.get(Intake, "intake-H").consent = None  # an old record without a consent: not counted either
    IntakeStore(database).set_consent_choice("c:E", "statistics", False)
    report = statistics(settings).report(MARCH_APRIL)
    assert volumes(report.periods("month")) == {"2026-03": (4, 2, 1)}  # E gone from April, G and H not added
    assert "tr" not in report.breakdowns["language"] and "fa" not in report.breakdowns["language"]
    assert sum(sum(counts.values()) for counts in report.dropoff.values()) == \
        sum(sum(counts.values()) for counts in before.dropoff.values())
    # Allowed again: counted again.
    IntakeStore(database).set_consent_choice("c:E", "statistics", True)
    assert volumes(statistics(settings).report(MARCH_APRIL).periods("month"))["2026-04"] == (1, 1, 1)


def test_ages_percentiles_and_suppression() -> None:
    assert age_at("2000-05-01", None, datetime.date(2026, 5, 1)) == 26
    assert age_at("2000", 30, datetime.date(2026, 1, 1)) == 30 and age_at("unknown", None, datetime.date(2026, 1, 1)) is None
    assert [age_group(a) for a in (None, 17, 18, 27, 28, 44, 45)] == ["unknown", "<18", "18-27", "18-27", "28-44",
                                                                       "28-44", "45+"]
    # rank (5 - 1) * 0.9 = 3.6: 4 + 0.6 * (10 - 4) = 7.6
    assert percentile([10, 1, 3, 2, 4], 0.9) == pytest.approx(7.6) and percentile([1, 2, 3, 4], 0.5) == 2.5
    assert [suppress(n) for n in (0, 1, 4, 5, 120, None)] == [0, "<5", "<5", 5, 120, None]


# --- the web app -------------------------------------------------------------------------------

def signed_in(settings: Settings, login: str) -> TestClient:
    client = TestClient(build_app(settings))
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"login": login, "password": PASSWORD, "csrf": token}, follow_redirects=False)
    return client


RANGE = "?from=2026-03-01&to=2026-04-30"


@pytest.mark.parametrize(("login", "expected"), [
    ("anna", {"/dashboard": 403, "/exports/aggregates.csv": 403, "/exports/aggregates.xlsx": 403, "/exports/cases.csv": 403}),
    ("cora", {"/dashboard": 200, "/exports/aggregates.csv": 200, "/exports/aggregates.xlsx": 200, "/exports/cases.csv": 403}),
    ("root", {"/dashboard": 200, "/exports/aggregates.csv": 200, "/exports/aggregates.xlsx": 200, "/exports/cases.csv": 200}),
])
def test_access_by_role(settings: Settings, login: str, expected: dict[str, int]) -> None:
    client = signed_in(settings, login)
    assert {path: client.get(path + RANGE).status_code for path in expected} == expected


def test_dashboard_shows_charts_and_tables_and_is_audited(settings: Settings) -> None:
    page = signed_in(settings, "cora").get("/dashboard" + RANGE + "&language=ar").text
    assert page.count("<svg") == page.count("<table") >= 12 and "<title>Nach Sprache</title>" in page
    assert '<th scope="row">Arabisch</th><td>3</td>' in page  # unsuppressed on the dashboard
    assert "/exports/cases.csv" not in page  # coordinators do not get the case list
    with Database(settings.app_database_url).session() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "view_dashboard")).one()
    assert entry.actor == "cora" and entry.detail == "2026-03-01..2026-04-30 language=ar"


def test_aggregate_exports_suppress_small_counts(settings: Settings) -> None:
    client = signed_in(settings, "cora")
    rows = list(csv.reader(io.StringIO(client.get("/exports/aggregates.csv" + RANGE).text)))
    assert rows[0] == ["tabelle", "zeile", "spalte", "wert"]
    assert ["Nach Sprache", "Arabisch", "begonnen", "<5"] in rows
    assert ["Intakes je Monat", "2026-03", "übergeben", "<5"] in rows
    assert ["Zeit von der Übergabe bis zum Erstkontakt (Stunden)", "Team Ost", "Median", ""] in rows  # 1 case
    workbook = openpyxl.load_workbook(io.BytesIO(client.get("/exports/aggregates.xlsx" + RANGE).content))
    sheet = workbook["by_language"]
    assert [c.value for c in sheet[3]] == ["Sprache", "begonnen", "vollständig", "übergeben"]
    assert [c.value for c in sheet[4]] == ["Arabisch", "<5", "<5", "<5"]
    with Database(settings.app_database_url).session() as session:
        actions = set(session.scalars(select(AuditEntry.action)))
    assert {"export_aggregates_csv", "export_aggregates_xlsx"} <= actions


def test_case_export_for_admins(settings: Settings) -> None:
    rows = list(csv.DictReader(io.StringIO(signed_in(settings, "root").get("/exports/cases.csv" + RANGE).text)))
    assert [(r["reference"], r["team"], r["state"], r["programmes"]) for r in rows] == [
        ("L-D", "ost", "contacted", "kim-nrw"), ("L-E", "west", "accepted", "kim-nrw|durchstarten-nrw")]
    assert "first_name" not in rows[0] and "summary" not in rows[0]


def test_demo_data_refuses_a_database_with_real_intakes(settings: Settings) -> None:
    database, deployment = Database(settings.app_database_url), load_deployment(settings.deployment_file)
    with pytest.raises(RealDataPresent):
        DemoData(database, deployment).generate(10)
    DemoData(database, deployment).generate(10, force=True)
    with database.session() as session:
        assert len(session.scalars(select(Intake.id).where(Intake.channel == "demo")).all()) == 10


def test_the_drop_off_question_order_follows_the_intake_form() -> None:
    """facts.QUESTION_ORDER is a copy of the form's order (as record fields): keep them in step."""
    from actions.questions import FORM_SLOTS
    from bot.intake.fields import SLOT_FIELD
    from bot.stats.facts import QUESTION_ORDER

    fields = {"school_years": "school_years", "school_certificate": "school_certificate"}
    asked = [fields.get(slot) or SLOT_FIELD.get(slot, slot) for slot in FORM_SLOTS if slot not in ("consent", "confirmed")]
    in_form_order = list(dict.fromkeys(field for field in asked if field in QUESTION_ORDER))
    assert in_form_order == list(QUESTION_ORDER)
