"""`lotse demo-data`: plausible intakes, conversations and cases for trying the dashboard.

Rows are marked with channel "demo" (and conversation ids "demo:N"); the generator refuses a
database holding real intakes unless forced. Proportions are rough guesses from the pilots,
meant to look plausible, not to be cited.
"""
from __future__ import annotations

import datetime
import random
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select

from bot.db import Case, Conversation, Database, Intake
from bot.db.case_states import CONTACTED_STATES, CaseState
from bot.deployment import Deployment, Team
from bot.stats.facts import QUESTION_ORDER, refresh

DEMO_CHANNEL = "demo"
LANGUAGES = {"ar": 24, "uk": 17, "fa": 11, "tr": 8, "en": 6, "ps": 6, "ru": 5, "ku": 5, "ckb": 3, "ti": 4,
             "so": 3, "fr": 3, "de": 5}
STATUSES = {"started": 32, "completed": 23, "handed_off": 45}
GENDERS = {"male": 52, "female": 40, "diverse": 1, "undisclosed": 7}
RESIDENCE = {"gestattung": 22, "duldung": 12, "ae_schutz": 25, "ae_24": 17, "ae_sonstige": 8, "ae_25_5": 3,
             "fiktionsbescheinigung": 4, "niederlassungserlaubnis": 2, "eu_citizen": 2, "unknown": 5}
OUTCOMES = {"eligible": 35, "needs_review": 15, "not_eligible": 50}
CASE_STATES = {CaseState.new: 9, CaseState.claimed: 7, CaseState.contacted: 24, CaseState.accepted: 22,
               CaseState.referred: 12, CaseState.not_reached: 9, CaseState.closed: 17}
NATIONALITIES = {"SY": 25, "UA": 17, "AF": 16, "IQ": 10, "TR": 8, "IR": 6, "ER": 4, "SO": 3, "RU": 3, "unknown": 8}
# Each further question loses some people; the long middle part (school, work) loses most.
DROPOFF_WEIGHTS = (6, 3, 9, 3, 4, 6, 2, 8, 3, 5, 3, 6, 4, 7, 8, 6, 3, 2, 2)
DAYS = 730
# Shares of people who allow counting in statistics and passing their summary to a partner.
STATISTICS_ALLOWED, SHARING_ALLOWED = 0.9, 0.75
CHUNK = 5000


class RealDataPresent(RuntimeError):
    pass


def _pick[T](rng: random.Random, weights: Mapping[T, int]) -> T:
    return rng.choices(list(weights), list(weights.values()))[0]


def _team_for(deployment: Deployment, ags: str | None) -> Team:
    covering = [t for t in deployment.teams if ags in t.municipalities]
    return covering[0] if covering else deployment.default_team  # type: ignore[return-value]


class DemoData:
    def __init__(self, database: Database, deployment: Deployment, seed: int = 1) -> None:
        self.database = database
        self.deployment = deployment
        self.rng = random.Random(seed)
        self.now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
        # Larger towns get more people: a rough weight per municipality, by list position.
        self.municipalities = [m.ags for m in deployment.municipalities]
        self.municipality_weights = [5 if m.name in ("Moers", "Wesel", "Dinslaken") else 2
                                     for m in deployment.municipalities]

    def generate(self, intakes: int, force: bool = False) -> None:
        with self.database.session() as session:
            real = session.scalar(select(func.count()).select_from(Intake).where(Intake.channel != DEMO_CHANNEL))
            offset = session.scalar(select(func.count()).select_from(Conversation)
                                    .where(Conversation.channel == DEMO_CHANNEL)) or 0
        if real and not force:
            raise RealDataPresent(f"the database holds {real} real intakes; add --force to add demo data anyway")
        conversations = int(intakes / 0.8)  # a fifth write once and never consent
        for start in range(0, conversations, CHUNK):
            numbers = range(offset + start, offset + min(start + CHUNK, conversations))
            batch = [self._person(n, with_intake=n - offset < intakes) for n in numbers]
            # Core executemany on the tables: the ORM's bulk insert would go row by row here.
            with self.database.engine.begin() as connection:
                for table, rows in ((Conversation.__table__, [row for row, _, _ in batch]),
                                    (Intake.__table__, [row for _, row, _ in batch if row]),
                                    (Case.__table__, [row for _, _, row in batch if row])):
                    if rows:
                        connection.execute(table.insert(), rows)
        refresh(self.database)

    def _person(self, n: int, with_intake: bool) -> tuple[dict[str, Any], dict[str, Any] | None, dict[str, Any] | None]:
        rng = self.rng
        conversation_id = f"demo:{n}"
        # More people lately: the start date leans towards today.
        created = self.now - datetime.timedelta(days=DAYS * (1 - rng.random() ** 0.8), seconds=rng.randrange(86400))
        conversation = {"id": conversation_id, "channel": DEMO_CHANNEL,
                        "last_seen_at": created + datetime.timedelta(minutes=rng.randrange(5, 90))}
        if not with_intake:
            return conversation, None, None
        status = _pick(rng, STATUSES)
        record = self._record(created, status)
        answered = len(QUESTION_ORDER) if status != "started" else rng.choices(
            range(1, len(QUESTION_ORDER)), DROPOFF_WEIGHTS[:len(QUESTION_ORDER) - 1])[0]
        record = {k: v for k, v in record.items() if k not in QUESTION_ORDER[answered:]}
        completed = created + datetime.timedelta(minutes=rng.randrange(8, 60)) if status != "started" else None
        answers = {k: v for k, v in record.items()
                   if k not in ("language", "first_name", "birth_date", "residence_status", "municipality")}
        intake_id = str(uuid.UUID(int=rng.getrandbits(128)))
        case = None
        if status != "started":
            answers["eligibility"] = {"as_of": created.date().isoformat(), "programmes": [
                {"id": p, "outcome": _pick(rng, OUTCOMES), "reasons": []} for p in self.deployment.programmes]}
        if status == "handed_off":
            case = self._case(n, conversation_id, record, answers, completed)  # type: ignore[arg-type]
            answers["handoff"] = {"team": case["team"], "case_id": case["id"],
                                  "created_at": case["created_at"].isoformat(), "state": case["state"]}
        intake = {
            "id": intake_id, "conversation_id": conversation_id, "channel": DEMO_CHANNEL,
            "language": record.get("language"), "status": status, "created_at": created,
            "updated_at": completed or created, "completed_at": completed,
            "consent": self._consent(created, status),
            "first_name": record.get("first_name"), "birth_date": record.get("birth_date"),
            "municipality_ags": (record.get("municipality") or {}).get("ags"),
            "municipality_name": (record.get("municipality") or {}).get("name"),
            "residence_status": record.get("residence_status"), "answers": answers,
        }
        return conversation, intake, case

    def _consent(self, created: datetime.datetime, status: str) -> dict[str, Any]:
        """Most people allow the statistics; sharing is asked at the end, so only finished
        intakes have an answer to it (bot/intake/consent.py)."""
        rng = self.rng
        return {"processing": True, "statistics": rng.random() < STATISTICS_ALLOWED,
                "sharing": rng.random() < SHARING_ALLOWED if status != "started" else None,
                "version": "demo", "given_at": created.isoformat()}

    def _record(self, created: datetime.datetime, status: str) -> dict[str, Any]:
        rng = self.rng
        age = max(15, min(70, int(rng.gauss(30, 10))))
        born = created.date() - datetime.timedelta(days=age * 365 + rng.randrange(365))
        ags = rng.choices(self.municipalities, self.municipality_weights)[0]
        municipality = self.deployment.municipality(ags)
        return {
            "language": _pick(rng, LANGUAGES), "first_name": "Demo",
            "birth_date": born.isoformat() if rng.random() < 0.85 else str(born.year),
            "gender": _pick(rng, GENDERS), "nationality": _pick(rng, NATIONALITIES),
            "municipality": municipality.as_record() if municipality else None,
            "in_reception_facility": rng.random() < 0.15, "residence_status": _pick(rng, RESIDENCE),
            "employment_permitted": rng.choice(["yes", "yes", "no", "unknown"]),
            "arrival_date": (born + datetime.timedelta(days=365 * (age - 2))).isoformat()[:7],
            "languages": [{"code": "ar", "level": None}], "german_level": rng.choice(["none", "A1", "A2", "B1", "B2"]),
            "school_years": rng.randrange(0, 14), "school_certificate": {"code": "lower_secondary", "text": None},
            "vocational_qualification": {"text": "Schneider", "qualification_recognised": "no"},
            "work_experience": "Demo", "goal": rng.choice(["ausbildung", "job", "german_course", "unsure"]),
            "childcare_needed": rng.random() < 0.2,
            "contact": {"method": "telegram", "phone": None, "language": None, "interpreter_needed": False,
                        "times": "any"},
        }

    def _case(self, n: int, conversation_id: str, record: dict[str, Any], answers: dict[str, Any],
              opened: datetime.datetime) -> dict[str, Any]:
        rng = self.rng
        ags = (record.get("municipality") or {}).get("ags")
        team = _team_for(self.deployment, ags)
        state = _pick(rng, CASE_STATES)
        # Hours to first contact: mostly within two working days, with a long tail; Erstberatung is slower.
        hours = rng.lognormvariate(3.3 if team.default else 3.0, 0.8)
        contacted = opened + datetime.timedelta(hours=hours) if state in CONTACTED_STATES else None
        if contacted and contacted > self.now:
            contacted, state = None, CaseState.claimed
        eligible = [p["id"] for p in answers["eligibility"]["programmes"] if p["outcome"] != "not_eligible"]
        return {
            "id": str(uuid.UUID(int=rng.getrandbits(128))), "reference": f"D-{n:07d}",
            "conversation_id": conversation_id, "channel": DEMO_CHANNEL, "team": team.id, "state": state,
            "reason": "intake_complete", "language": record["language"], "first_name": "Demo", "age": None,
            "municipality_ags": ags, "programmes": eligible, "summary": "Demo", "headline": f"D-{n:07d} · Demo",
            "relay_open": state is not CaseState.closed, "assigned_to": None, "created_at": opened, "updated_at": contacted or opened,
            "claimed_at": None, "first_contact_at": contacted,
            "closed_at": contacted if state is CaseState.closed else None,
        }
