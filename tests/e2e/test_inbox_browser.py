"""A Teilhabemanager in a real browser: log in, find the new case, claim it, note, reply — and
the reply reaches the person's chat at the fake Bot API."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.db import Case, Database
from bot.i18n import localise
from bot.messages import response_catalog
from tests.e2e.browser import chromium
from tests.e2e.conftest import STAFF_PASSWORD, TEAM_CHATS, TEAM_MEMBERS, Harness

VOICE = (Path(__file__).parent.parent / "fixtures" / "voice.ogg").read_bytes()


def test_staff_claim_note_and_reply_in_the_browser(harness: Harness) -> None:
    user = harness.user(language_code="ar", first_name="Amal")
    user.say("/human")
    with Database(harness.settings.app_database_url).session() as session:
        case = session.scalars(select(Case).where(Case.conversation_id == f"telegram:{user.user_id}")).one()
    user.write("أريد أن أعمل خياطة")

    with chromium() as browser:
        page = browser.new_page()
        page.goto(f"{harness.settings.web_url}/cases/{case.id}")
        assert page.url.startswith(f"{harness.settings.web_url}/login")  # not logged in → login page
        page.fill("input[name=login]", TEAM_MEMBERS["erstberatung"])
        page.fill("input[name=password]", STAFF_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"**/cases/{case.id}")  # back where we wanted to go

        page.goto(f"{harness.settings.web_url}/cases")
        row = page.locator("tr", has_text=case.reference)
        assert "neu" in row.inner_text()
        row.locator("a").click()
        page.wait_for_selector("text=Lotse – Übergabe")
        page.wait_for_selector("text=أريد أن أعمل خياطة")  # the person's words as written

        page.click("text=Fall übernehmen")
        page.wait_for_selector("h1 >> text=übernommen")

        page.fill("form.note textarea", "Ruft lieber nachmittags an.")
        page.click("form.note button")
        page.wait_for_selector(".notes >> text=Ruft lieber nachmittags an.")

        page.fill("form.reply textarea", "Hallo Amal, ich bin Erika vom Team. Passt dir Donnerstag?")
        page.click("form.reply button")
        page.wait_for_selector(".timeline >> text=Passt dir Donnerstag?")
        assert "Kontakt aufgenommen" in page.locator("h1").inner_text()

    delivered = user.wait_for_replies()
    assert [m.text for m in delivered] == ["👤 Erika: Hallo Amal, ich bin Erika vom Team. Passt dir Donnerstag?"]
    assert all(m.chat_id == user.user_id for m in delivered)
    assert localise(response_catalog().get("handed_back").text, "ar") not in "\n".join(m.text for m in delivered)


def test_a_voice_message_of_the_person_plays_on_the_case_page(harness: Harness) -> None:
    user = harness.user(language_code="uk", first_name="Olena")
    user.say("/human")
    with Database(harness.settings.app_database_url).session() as session:
        case = session.scalars(select(Case).where(Case.conversation_id == f"telegram:{user.user_id}")).one()
    user.write_voice(VOICE, duration=2)
    harness.telegram.wait_for_message(TEAM_CHATS["erstberatung"], f"🎤 {case.reference}")

    with chromium() as browser:
        page = browser.new_page()
        page.goto(f"{harness.settings.web_url}/cases/{case.id}")
        page.fill("input[name=login]", TEAM_MEMBERS["erstberatung"])
        page.fill("input[name=password]", STAFF_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"**/cases/{case.id}")

        entry = page.locator(".timeline li.from-person", has=page.locator("audio"))
        assert "Sprachnachricht (0:02)" in entry.inner_text()
        player = entry.locator("audio")
        src = player.get_attribute("src")
        assert src is not None and src.startswith(f"/cases/{case.id}/voice/")
        # The logged-in browser fetches the sound as audio/ogg, and the player has read it.
        status, content_type, cache = page.evaluate(
            "async (src) => { const r = await fetch(src); return [r.status, r.headers.get('content-type'),"
            " r.headers.get('cache-control')]; }", src)
        assert (status, content_type, cache) == (200, "audio/ogg", "no-store")
        page.wait_for_function("document.querySelector('.timeline audio').readyState >= 1", timeout=10000)
        duration = page.evaluate("document.querySelector('.timeline audio').duration")
        assert 1.0 < duration < 2.5  # the fixture is 1.5 s of tone
