"""The team's cases: the list, a case's page and its conversation, and the changes staff make —
claim, assign, state, note, reply, prepared phrase, hand back to the bot, forget the person.

Every page and change is written to the audit log. Nothing personal goes to the application
log: our own lines carry ids only.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.db import Case
from bot.db.case_states import TRANSITIONS, CaseState
from bot.handoff.outbox import enqueue, telegram_chat_of
from bot.inbox.accounts import Account
from bot.inbox.audit import AuditQuery
from bot.inbox.casework import CaseFilters, CaseView, Refused
from bot.messages import render
from bot.rasa_client import RasaUnavailable, Reply
from bot.web.auth import ADMIN_ROLES, Endpoint, requires_role, signed_in, signed_in_background
from bot.web.services import InboxServices
from bot.web.timeline import Entry, timeline

logger = logging.getLogger(__name__)

CASE_HISTORY = 50  # who viewed and changed the case: the newest entries on its page


@signed_in
async def home(services: InboxServices, request: Request) -> Response:
    account: Account = request.state.account
    return RedirectResponse("/cases" if services.casework.may_see_cases(account) else "/dashboard", status_code=303)


@signed_in
async def case_list(services: InboxServices, request: Request) -> Response:
    account: Account = request.state.account
    params = request.query_params
    filters = CaseFilters(state=params.get("state", "open"), programme=params.get("programme", ""),
                          municipality=params.get("municipality", ""), language=params.get("language", ""),
                          age_group=params.get("age", ""), search=params.get("q", "")[:64])
    try:
        number = int(params.get("page", "1"))
    except ValueError:
        number = 1
    page = await services.run(services.casework.list, account, filters, number)
    await services.run(services.audit.record, account.login, "view_list", None, ",".join(filters.active()))
    # The same filters on the other pages.
    query = {key: value for key, value in params.items() if key != "page"}
    return services.page(request, "cases.html", cases=page.cases, page=page, page_query=query, filters=filters,
                         states=list(CaseState), notice=request.session.pop("notice", None))


@signed_in
async def case_page(services: InboxServices, request: Request) -> Response:
    account: Account = request.state.account
    case_id = request.path_params["case_id"]
    view = await services.run(services.casework.view, account, case_id)
    events = await services.rasa.events(view.case.conversation_id)
    await services.run(services.audit.record, account.login, "view_case", case_id)
    history = await services.run(services.audit.search, AuditQuery(case_id=case_id), CASE_HISTORY)
    return services.page(request, "case.html", view=view, case=view.case,
                         entries=case_timeline_of(view, events), history=history,
                         bot_unreachable=events is None, transitions=TRANSITIONS[CaseState(view.case.state)],
                         members=services.casework.team_members(view.case),
                         team=services.deployment.team(view.case.team), phrases=services.casework.phrases(),
                         error=request.session.pop("refused", None))


@signed_in_background
async def case_timeline(services: InboxServices, request: Request) -> Response:
    """The conversation alone, for the page to refresh it while staff are on it."""
    account: Account = request.state.account
    view = await services.run(services.casework.view, account, request.path_params["case_id"])
    events = await services.rasa.events(view.case.conversation_id)
    return services.page(request, "_timeline.html", entries=case_timeline_of(view, events))


def case_timeline_of(view: CaseView, events: list[dict[str, Any]] | None) -> list[Entry]:
    return timeline(events, view.messages, view.undelivered, view.voices, view.case.id)


@signed_in_background
async def case_voice(services: InboxServices, request: Request) -> Response:
    """A voice message of the person, for the case page's <audio>: audited like a view of the
    case, never cached (Cache-Control: no-store comes with every response, bot/web/security.py)."""
    account: Account = request.state.account
    case_id = request.path_params["case_id"]
    mime_type, audio = await services.run(services.casework.voice, account, case_id, request.path_params["voice_id"])
    await services.run(services.audit.record, account.login, "play_voice", case_id, str(request.path_params["voice_id"]))
    return Response(audio, media_type=mime_type)


# --- changes: each takes the services, the account, the case and the form, and returns what the
# --- audit entry notes beside the action (or None) ------------------------------------------------

CaseChange = Callable[[InboxServices, Account, str, FormData], Awaitable[str | None]]


async def claim(services: InboxServices, account: Account, case_id: str, form: FormData) -> str | None:
    await services.run(services.casework.claim, account, case_id)
    return None


async def assign(services: InboxServices, account: Account, case_id: str, form: FormData) -> str | None:
    login = str(form.get("login", ""))
    await services.run(services.casework.assign, account, case_id, login)
    return login


async def change_state(services: InboxServices, account: Account, case_id: str, form: FormData) -> str | None:
    state = str(form.get("state", ""))
    ending = await services.run(services.casework.relay_ending, account, case_id, state)
    replies = await resume_in_rasa(services, ending) if ending else None
    case, _ = await services.run(services.casework.set_state, account, case_id, state)
    if replies is not None:
        await tell_handed_back(services, case, replies)
    return state


async def add_note(services: InboxServices, account: Account, case_id: str, form: FormData) -> str | None:
    await services.run(services.casework.add_note, account, case_id, str(form.get("text", "")))
    return None


async def reply(services: InboxServices, account: Account, case_id: str, form: FormData) -> str | None:
    await services.run(services.casework.reply, account, case_id, str(form.get("text", "")))
    return None


async def reply_with_phrase(services: InboxServices, account: Account, case_id: str, form: FormData) -> str | None:
    phrase = str(form.get("phrase", ""))
    await services.run(services.casework.reply_with_phrase, account, case_id, phrase)
    return phrase


async def hand_back(services: InboxServices, account: Account, case_id: str, form: FormData) -> str | None:
    ending = await services.run(services.casework.relay_ending, account, case_id, None)
    replies = await resume_in_rasa(services, ending)
    await tell_handed_back(services, await services.run(services.casework.hand_back, account, case_id), replies)
    return None


# POST /cases/{id}/<name>: the name is also the audit entry's action.
CASE_CHANGES: dict[str, CaseChange] = {
    "claim": claim, "assign": assign, "state": change_state, "note": add_note, "reply": reply,
    "phrase": reply_with_phrase, "handback": hand_back,
}


def _back(case_id: str) -> Response:
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


def case_change(action: str, change: CaseChange) -> Endpoint:
    """One change, audited; a refusal comes back as a message on the case page."""

    @signed_in
    async def endpoint(services: InboxServices, request: Request) -> Response:
        account: Account = request.state.account
        case_id = request.path_params["case_id"]
        try:
            detail = await change(services, account, case_id, request.state.form)
        except Refused as refused:
            # Shown once on the case page; kept in the session, so no link can put words there.
            request.session["refused"] = str(refused)
            return _back(case_id)
        await services.run(services.audit.record, account.login, action, case_id, detail)
        logger.info("case %s: %s by %s", case_id, action, account.login)
        return _back(case_id)

    return endpoint


@signed_in
@requires_role(*ADMIN_ROLES, refusal="Nur Administratorinnen und Administratoren dürfen Personen löschen.")
async def forget_person(services: InboxServices, request: Request) -> Response:
    """An admin deletes everything about the case's person (GDPR Art. 17), as /delete does.

    The audit entry (admin, case, reference, time) is written by the deletion itself."""
    account: Account = request.state.account
    case_id = request.path_params["case_id"]
    case = (await services.run(services.casework.view, account, case_id)).case
    if request.state.form.get("confirm") != "yes":
        request.session["refused"] = "Bitte bestätigen Sie die Löschung."
        return _back(case_id)
    report = await services.run(services.eraser.forget, case.conversation_id, account.login)
    logger.info("case %s: person deleted by %s", case_id, account.login)
    request.session["notice"] = f"Gelöscht: alles über die Person von Fall {', '.join(report.references)}."
    return RedirectResponse("/cases", status_code=303)


async def resume_in_rasa(services: InboxServices, case: Case) -> list[Reply]:
    """Resume Rasa's conversation of a case whose relay ends; what the bot says next.

    Refused when Rasa cannot be reached: the relay stays open, so the person keeps talking to
    the team rather than to a paused bot that cannot answer."""
    try:
        return await services.rasa.resume(case.conversation_id)
    except RasaUnavailable as error:
        logger.error("could not resume the conversation of a case in Rasa: %s", type(error.__cause__).__name__)
        raise Refused("Der Bot ist gerade nicht erreichbar. Die Person bleibt im Gespräch mit dem Team; "
                      "bitte in ein paar Minuten noch einmal versuchen.") from error


async def tell_handed_back(services: InboxServices, case: Case, replies: list[Reply]) -> None:
    """Tell the person the bot talks again, and send what it says next."""
    chat_id = telegram_chat_of(case.conversation_id)
    if chat_id is None:
        return
    handed_back = render("handed_back", case.language, services.deployment)

    def queue() -> None:
        with services.database.session() as session:
            enqueue(session, chat_id, handed_back["text"], conversation_id=case.conversation_id)
            for answer in replies:
                enqueue(session, chat_id, answer.text or "…", list(answer.buttons) or None,
                        conversation_id=case.conversation_id)

    await services.run(queue)


ROUTES = [
    Route("/", home),
    Route("/cases", case_list),
    Route("/cases/{case_id}", case_page),
    Route("/cases/{case_id}/timeline", case_timeline),
    Route("/cases/{case_id}/voice/{voice_id:int}", case_voice),
    *(Route(f"/cases/{{case_id}}/{action}", case_change(action, change), methods=["POST"])
      for action, change in CASE_CHANGES.items()),
    Route("/cases/{case_id}/forget", forget_person, methods=["POST"]),
]
