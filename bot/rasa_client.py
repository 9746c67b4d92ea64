"""Talking to the Rasa servers: their REST channel for messages, their HTTP API for the tracker.

With several Rasa servers every request about a conversation goes to the worker `RasaWorkers`
chooses, and to the next one when a worker refuses the connection (decision 16).
"""
from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bot.rasa_workers import RasaWorkers

# Rasa answers a turn in well under a second; the first turn after start-up loads the model lazily.
TURN_TIMEOUT = aiohttp.ClientTimeout(total=60.0, sock_connect=5.0)
# Connections to each Rasa server. A Rasa server works on one turn at a time; turns beyond these
# wait for a free connection (within TURN_TIMEOUT). aiohttp rather than httpx: with a hundred
# chats at once, httpcore's pool bookkeeping took a fifth of the gateway's CPU (decision 24).
RASA_CONNECTIONS = 16


# An action's `dispatcher.utter_message(json_message={FORGET_SIGNAL: True})`: once the turn's
# replies are collected, the person is forgotten completely (declined consent, a child).
FORGET_SIGNAL = "forget_conversation"
# Each text the action server renders comes with `custom: {LANGUAGE_KEY: <code>}`, the language it
# is written in: the gateway then knows which voice reads it (🔊) without asking for the tracker.
LANGUAGE_KEY = "language"


@dataclass(frozen=True)
class Document:
    filename: str
    content: bytes


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[dict[str, str], ...] = field(default_factory=tuple)
    # Instead of a message: a reaction on the person's own message (✍ "passed on to the team").
    reaction: str | None = None
    # Instead of a message: a file (their data, on /mydata).
    document: Document | None = None
    language: str | None = None  # the language `text` is written in, when known


@dataclass(frozen=True)
class Turn:
    replies: list[Reply]
    forget: bool = False  # an action asked to forget the person after this turn


def rest_replies(messages: list[dict[str, Any]]) -> list[Reply]:
    """Rasa's REST output as replies. A rendered text comes as one item per paragraph, then an item
    with its `custom` part, which names the language of the paragraphs before it."""
    replies: list[Reply] = []
    unlabelled = 0  # the last replies, whose language has not come yet
    for item in messages:
        custom = item.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get(LANGUAGE_KEY), str):
            language = custom[LANGUAGE_KEY]
            for index in range(len(replies) - unlabelled, len(replies)):
                replies[index] = dataclasses.replace(replies[index], language=language)
            unlabelled = 0
        if item.get("text") or item.get("buttons"):
            replies.append(Reply(text=item.get("text", ""), buttons=tuple(item.get("buttons") or ())))
            unlabelled += 1
    return replies


def requested_question(state: dict[str, Any]) -> str | None:
    """The intake question Rasa waits for, from `RasaClient.state` (None outside the intake form)."""
    return state.get("slots", {}).get("requested_slot") if state.get("active_loop") == "intake_form" else None


def _asks_to_forget(messages: list[dict[str, Any]]) -> bool:
    # Rasa's REST channel returns a json_message as an item with a `custom` key.
    return any(isinstance(item.get("custom"), dict) and item["custom"].get(FORGET_SIGNAL) is True for item in messages)


class RasaUnavailable(RuntimeError):
    pass


class RasaHttpError(Exception):
    """A request to Rasa failed: no connection, a timeout, or an error status."""


@dataclass(frozen=True)
class _Response:
    status: int
    body: bytes

    def raise_for_status(self) -> None:
        if self.status >= 400:
            raise RasaHttpError(f"Rasa answered {self.status}")

    def json(self) -> Any:
        return json.loads(self.body)


class RasaClient:
    def __init__(self, urls: str | Sequence[str], token: str = "") -> None:
        """`urls`: one Rasa server's address, several comma-separated, or a list of them."""
        listed = urls.split(",") if isinstance(urls, str) else urls
        self.workers = RasaWorkers([url.strip().rstrip("/") for url in listed if url.strip()])
        self.token = token
        self._http: aiohttp.ClientSession | None = None
        self._http_loop: asyncio.AbstractEventLoop | None = None

    def _session(self) -> aiohttp.ClientSession:
        """The session of the running event loop (the client may be made before any loop runs,
        and a test may run several loops one after the other)."""
        loop = asyncio.get_running_loop()
        if self._http is None or self._http.closed or self._http_loop is not loop:
            self._http = aiohttp.ClientSession(timeout=TURN_TIMEOUT,
                                               connector=aiohttp.TCPConnector(limit_per_host=RASA_CONNECTIONS))
            self._http_loop = loop
        return self._http

    async def _request(self, method: str, sender: str, path: str, *, params: dict[str, str] | None = None,
                       json: Any = None) -> _Response:
        """The request to the conversation's worker. A refused connection reached no Rasa, so the
        next worker gets it at once. Any other failure may have reached Rasa (a turn half done):
        it is raised, so that the caller's retry first reads the tracker (decision 10), and the
        worker is tried last for a while. A 5xx is returned, for the caller's raise_for_status."""
        session = self._session()
        for url in self.workers.order(sender):
            try:
                async with session.request(method, f"{url}{path}", params=params, json=json) as answer:
                    response = _Response(answer.status, await answer.read())
            except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError):
                self.workers.failed(url)
                continue
            except (aiohttp.ClientError, TimeoutError) as error:
                self.workers.failed(url)
                raise RasaHttpError(f"{type(error).__name__}: {error}") from error
            if response.status >= 500:
                self.workers.failed(url)
            else:
                self.workers.answered(url)
            return response
        raise RasaHttpError("no Rasa server accepts connections")

    async def send(self, sender: str, message: str, metadata: dict[str, Any], check_first: bool = False) -> Turn:
        """One turn. `check_first`: the message may have reached Rasa before (the gateway crashed or
        the turn timed out); if the tracker has it, with replies, those are the turn's replies and
        the message is not sent again, which would answer the next question with it."""
        message_id = metadata.get("message_id")
        if check_first and message_id and (done := await self._processed(sender, message_id, message)) is not None:
            return done
        try:
            response = await self._request(
                "POST", sender, "/webhooks/rest/webhook",
                json={"sender": sender, "message": message, "metadata": metadata},
            )
            response.raise_for_status()
        except RasaHttpError as error:
            raise RasaUnavailable(str(error)) from error
        messages = response.json()
        return Turn(rest_replies(messages), forget=_asks_to_forget(messages))

    async def _processed(self, sender: str, message_id: str, message: str) -> Turn | None:
        """The replies Rasa gave to the message with `message_id`; None if it has not answered it."""
        tracker = await self._tracker(sender, "ALL")
        if tracker is None:
            raise RasaUnavailable("the tracker cannot be read")  # not knowing, sending again could answer twice
        events = tracker.get("events") or []
        for index, event in enumerate(events):
            if (event.get("event") == "user" and event.get("text") == message
                    and (event.get("metadata") or {}).get("message_id") == message_id):
                after = events[index + 1:]
                end = next((i for i, e in enumerate(after) if e.get("event") == "user"), len(after))
                # Bot events as the REST channel returns them: text, buttons, custom.
                items = [{"text": e.get("text"), **(e.get("data") or {})} for e in after[:end] if e.get("event") == "bot"]
                # No reply: the turn failed before answering (the action server was down); send again.
                return Turn(rest_replies(items), forget=_asks_to_forget(items)) if items else None
        return None

    async def _tracker(self, sender: str, include_events: str) -> dict[str, Any] | None:
        """The conversation's tracker from Rasa's HTTP API, None when Rasa cannot be reached."""
        try:
            response = await self._request(
                "GET", sender, f"/conversations/{sender}/tracker",
                params={"include_events": include_events, "token": self.token},
            )
            response.raise_for_status()
        except RasaHttpError:
            return None
        return response.json()

    async def state(self, sender: str) -> dict[str, Any]:
        """A conversation's slots and active form ({} when Rasa cannot say)."""
        tracker = await self._tracker(sender, "NONE")
        if tracker is None:
            return {}
        return {"slots": tracker.get("slots") or {}, "active_loop": (tracker.get("active_loop") or {}).get("name")}

    async def events(self, sender: str) -> list[dict[str, Any]] | None:
        """The conversation's events (None when Rasa cannot be reached)."""
        tracker = await self._tracker(sender, "ALL")
        return None if tracker is None else tracker.get("events") or []

    async def resume(self, sender: str) -> list[Reply]:
        """Hand the person back to the bot: resume the paused conversation and let it go on.

        Mid-intake the open question is asked again; after the intake the bot says where things
        stand; a person who asked for help before the intake began starts it now.
        """
        try:
            response = await self._request(
                "POST", sender, f"/conversations/{sender}/tracker/events",
                # The pausing action was the turn's last: close the turn as Rasa would, so the next
                # message is read as a new turn and the rules match it.
                params={"token": self.token}, json=[{"event": "resume"}, {"event": "action", "name": "action_listen"}],
            )
            response.raise_for_status()
            state = await self.state(sender)
            intent = "repeat" if state.get("active_loop") or state.get("slots", {}).get("intake_done") else "start_over"
            response = await self._request(
                "POST", sender, f"/conversations/{sender}/trigger_intent",
                params={"token": self.token}, json={"name": intent, "entities": {}},
            )
            response.raise_for_status()
        except RasaHttpError as error:
            raise RasaUnavailable(str(error)) from error
        return rest_replies(response.json().get("messages") or [])

    async def set_slots(self, sender: str, slots: dict[str, Any]) -> None:
        """Set slots outside a turn (a choice changed under /privacy), so the form does not ask again."""
        try:
            response = await self._request(
                "POST", sender, f"/conversations/{sender}/tracker/events", params={"token": self.token},
                json=[{"event": "slot", "name": name, "value": value} for name, value in slots.items()],
            )
            response.raise_for_status()
        except RasaHttpError as error:
            raise RasaUnavailable(str(error)) from error

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None
