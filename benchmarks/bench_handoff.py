"""`make bench-handoff`: how fast a handoff reaches staff, and a staff reply reaches the person.

1. From the person's last answer (the press on "Everything is correct", or /human) to the new-case
   notice in the team's Telegram group.
2. From a staff member submitting a reply in the web inbox to its delivery at the Bot API.

The same stack as the end-to-end tests: fake Bot API on loopback, real gateway, Rasa with the
trained model, action server, web inbox. Times are taken at the fake Bot API's arrival.
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from bot.db import Case, Database
from tests.e2e.conftest import STAFF_PASSWORD, TEAM_CHATS, TEAM_MEMBERS, running_stack
from tests.e2e.intake_driver import IntakeRun
from tests.e2e.staff import StaffClient

INTAKES = ("en", "de", "ar", "uk", "fa", "tr", "ru", "fr")
REQUESTS = 20
REPLIES = 30


def summary(label: str, seconds: list[float]) -> None:
    ordered = sorted(seconds)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    print(f"{label}: n={len(ordered)}  p50 {statistics.median(ordered) * 1000:.0f} ms  "
          f"p95 {p95 * 1000:.0f} ms  max {ordered[-1] * 1000:.0f} ms")


def case_of(database: Database, user_id: int) -> Case:
    with database.session() as session:
        return session.scalars(select(Case).where(Case.conversation_id == f"telegram:{user_id}")).one()


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp, running_stack(Path(tmp), log_level="WARNING") as harness:
        telegram, database = harness.telegram, Database(harness.settings.app_database_url)
        after_intake: list[float] = []
        for language in INTAKES:
            user = harness.user(language_code=language)
            run = IntakeRun(user, language, "Sam")
            replies = run.answer_until("confirmed", run.start())
            pushed = time.monotonic()
            run.press(run.button("Everything is correct"), replies)
            case = case_of(database, user.user_id)
            after_intake.append(telegram.wait_for_message(TEAM_CHATS[case.team], case.reference).sent_at - pushed)
        summary("last intake answer → staff-chat notice", after_intake)

        after_request: list[float] = []
        users = []
        for _ in range(REQUESTS):
            user = harness.user(language_code="ar")
            pushed = time.monotonic()
            user.say("/human")
            case = case_of(database, user.user_id)
            after_request.append(telegram.wait_for_message(TEAM_CHATS[case.team], case.reference).sent_at - pushed)
            users.append((user, case))
        summary("/human → staff-chat notice", after_request)

        staff = StaffClient(harness.settings.web_url, TEAM_MEMBERS["erstberatung"], STAFF_PASSWORD)
        delivery: list[float] = []
        for index in range(REPLIES):
            user, case = users[index % len(users)]
            text = f"Antwort {index}: wir melden uns morgen."
            page = staff.case_page(case.id)  # the reply form, as staff see it
            submitted = time.monotonic()
            staff.act_from_page(case.id, "reply", page, text=text)
            delivery.append(telegram.wait_for_message(user.user_id, text).sent_at - submitted)
        staff.close()
        summary("staff reply in the inbox → delivered at the Bot API", delivery)
    return 0


if __name__ == "__main__":
    sys.exit(main())
