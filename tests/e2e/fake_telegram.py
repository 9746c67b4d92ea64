"""A fake Telegram Bot API server on loopback, and scripted users who talk to the bot through it.

It speaks the real HTTP protocol python-telegram-bot uses (`POST /bot<token>/<method>` with
form-encoded parameters whose values are JSON), so the real Application runs unchanged.
"""
from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

BOT_USER = {"id": 900000001, "is_bot": True, "first_name": "Lotse", "username": "lotse_test_bot",
            "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def free_ports(count: int) -> int:
    """The first of `count` consecutive free ports (workers take ports from RASA_PORT on)."""
    while True:
        first = free_port()
        if all(free_port_is(first + offset) for offset in range(1, count)):
            return first


def free_port_is(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@dataclass
class BotMessage:
    message_id: int
    chat_id: int
    text: str
    buttons: list[dict[str, str]]  # [{text, callback_data}]
    edited: bool = False
    sent_at: float = field(default_factory=time.monotonic)
    voice: bytes | None = None  # a voice message (sendVoice): its OGG/Opus bytes; `text` is its caption


@dataclass
class SentDocument:
    chat_id: int
    filename: str
    content: bytes


HANG_SECONDS = 7.0  # longer than python-telegram-bot waits for an answer (5 s): the call times out
FAULTS: dict[str, tuple[int, str]] = {
    "429": (429, "Too Many Requests: retry after {retry_after}"),
    "502": (502, "Bad Gateway"),
    "403": (403, "Forbidden: bot was blocked by the user"),
}


@dataclass
class Fault:
    """How the fake answers the next `times` calls of `method` (to `chat_id`, if given)."""

    method: str
    kind: str  # "429" (with retry_after), "502", "403", or "hang" (no answer in time)
    times: int
    chat_id: int | None = None
    retry_after: int = 1


@dataclass
class FakeTelegram:
    token: str = "123456:TEST-TOKEN"
    port: int = field(default_factory=free_port)
    updates: list[dict[str, Any]] = field(default_factory=list)
    sent: list[BotMessage] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    documents: list[SentDocument] = field(default_factory=list)
    # Chats the fake refuses to send to, as if Telegram were unreachable for them.
    failing_chats: set[int] = field(default_factory=set)
    faults: list[Fault] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._next_update = 1
        self._next_message = 1
        self._pushed: dict[int, dict[str, Any]] = {}
        self._files: dict[str, bytes] = {}  # what people "uploaded", by file_id (getFile, /file/)
        self._server: uvicorn.Server | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- the Bot API side -------------------------------------------------------------------
    async def _endpoint(self, request: Request) -> JSONResponse:
        token, method = request.path_params["token"], request.path_params["method"]
        if token != self.token:
            return JSONResponse({"ok": False, "error_code": 401, "description": "Unauthorized"}, status_code=401)
        form = await request.form() if request.method == "POST" else request.query_params
        params: dict[str, Any] = {}
        for key, value in form.items():
            try:
                params[key] = json.loads(value)
            except (TypeError, ValueError):
                params[key] = value
        with self._lock:
            self.calls.append((method, params))
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return JSONResponse({"ok": True, "result": True})
        if method == "sendMessage" and int(params.get("chat_id", 0)) in self.failing_chats:
            return JSONResponse({"ok": False, "error_code": 502, "description": "Bad Gateway"}, status_code=502)
        fault = self._take_fault(method, params)
        if fault is not None:
            return await self._fault_answer(fault)
        result = await handler(params)
        return JSONResponse({"ok": True, "result": result})

    def _take_fault(self, method: str, params: dict[str, Any]) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.method == method and fault.chat_id in (None, int(params.get("chat_id", 0))):
                    fault.times -= 1
                    if fault.times == 0:
                        self.faults.remove(fault)
                    return fault
        return None

    @staticmethod
    async def _fault_answer(fault: Fault) -> JSONResponse:
        if fault.kind == "hang":
            await asyncio.sleep(HANG_SECONDS)  # the client has given up by now; nothing was sent
            return JSONResponse({"ok": False, "error_code": 504, "description": "Gateway Timeout"}, status_code=504)
        code, description = FAULTS[fault.kind]
        body: dict[str, Any] = {"ok": False, "error_code": code, "description": description.format(**vars(fault))}
        if fault.kind == "429":
            body["parameters"] = {"retry_after": fault.retry_after}
        return JSONResponse(body, status_code=code)

    async def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return BOT_USER

    async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 2.0)
        while True:
            with self._lock:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
                if self.updates or time.monotonic() >= deadline:
                    return list(self.updates)
            await asyncio.sleep(0.02)

    def _message_json(self, message: BotMessage) -> dict[str, Any]:
        result: dict[str, Any] = {
            "message_id": message.message_id, "date": int(time.time()), "text": message.text,
            "chat": {"id": message.chat_id, "type": "private"}, "from": BOT_USER,
        }
        if message.buttons:
            result["reply_markup"] = {"inline_keyboard": [[b] for b in message.buttons]}
        return result

    @staticmethod
    def _buttons(markup: Any) -> list[dict[str, str]]:
        if not markup:
            return []
        return [button for row in markup.get("inline_keyboard", []) for button in row]

    async def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            message = BotMessage(self._next_message, int(params["chat_id"]), str(params["text"]),
                                 self._buttons(params.get("reply_markup")))
            self._next_message += 1
            self.sent.append(message)
        return self._message_json(message)

    async def _api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        upload = params["document"]
        content = await upload.read()
        params["document"] = content  # the recorded call keeps the bytes, not the closed upload
        with self._lock:
            document = SentDocument(int(params["chat_id"]), upload.filename or "", content)
            self.documents.append(document)
            message_id = self._next_message
            self._next_message += 1
        return {"message_id": message_id, "date": int(time.time()), "chat": {"id": document.chat_id, "type": "private"},
                "from": BOT_USER, "document": {"file_id": f"doc{message_id}", "file_unique_id": f"u{message_id}",
                                               "file_name": document.filename}}

    async def _api_sendVoice(self, params: dict[str, Any]) -> dict[str, Any]:
        voice = params["voice"]
        if hasattr(voice, "read"):
            content = await voice.read()
        else:  # a file_id of a voice Telegram already has
            content = self._files[str(voice)]
        params["voice"] = content
        with self._lock:
            message = BotMessage(self._next_message, int(params["chat_id"]), str(params.get("caption") or ""),
                                 self._buttons(params.get("reply_markup")), voice=content)
            self._next_message += 1
            self.sent.append(message)
            file_id = f"voice{message.message_id}"
            self._files[file_id] = content
        result = self._message_json(message)
        result["voice"] = {"file_id": file_id, "file_unique_id": f"u{file_id}", "duration": 1,
                           "mime_type": "audio/ogg", "file_size": len(content)}
        return result

    async def _api_getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params["file_id"])
        with self._lock:
            content = self._files[file_id]
        return {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": len(content),
                "file_path": f"files/{file_id}"}

    async def _file(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return Response(status_code=401)
        with self._lock:
            content = self._files.get(request.path_params["path"].removeprefix("files/"))
        return Response(content, media_type="application/octet-stream") if content is not None \
            else Response(status_code=404)

    async def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            message = next(m for m in self.sent if m.message_id == int(params["message_id"]))
            message.text = str(params["text"])
            message.buttons = self._buttons(params.get("reply_markup"))
            message.edited = True
        return self._message_json(message)

    # --- the test side ----------------------------------------------------------------------
    def push_update(self, update: dict[str, Any], copies: int = 1) -> int:
        """Queue an update for the bot; `copies` > 1 delivers it that often (Telegram delivers at
        least once). Returns its update_id."""
        with self._lock:
            update["update_id"] = self._next_update
            self._next_update += 1
            self.updates.extend([update] * copies)
            self._pushed[update["update_id"]] = update
            return update["update_id"]

    def redeliver(self, update_id: int) -> None:
        """Deliver an earlier update again, as Telegram does when the bot did not confirm it."""
        with self._lock:
            self.updates.append(self._pushed[update_id])

    def fail(self, method: str, kind: str, times: int = 1, chat_id: int | None = None, retry_after: int = 1) -> None:
        """Answer the next `times` calls of `method` (to `chat_id`) with a fault instead (see Fault)."""
        with self._lock:
            self.faults.append(Fault(method, kind, times, chat_id, retry_after))

    def add_file(self, content: bytes) -> str:
        """A file a person uploads (a voice message): its file_id, for getFile and the download."""
        with self._lock:
            file_id = f"upload{len(self._files) + 1}"
            self._files[file_id] = content
            return file_id

    def messages_to(self, chat_id: int) -> list[BotMessage]:
        with self._lock:
            return [m for m in self.sent if m.chat_id == chat_id]

    def wait_for_message(self, chat_id: int, contains: str, timeout: float = 30.0) -> BotMessage:
        """The first message to `chat_id` containing `contains`, waiting for it if need be."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = next((m for m in self.messages_to(chat_id) if contains in m.text), None)
            if found:
                return found
            time.sleep(0.01)
        raise TurnTimeout(f"no message to {chat_id} containing {contains!r} within {timeout} s")

    def calls_of(self, method: str) -> list[dict[str, Any]]:
        with self._lock:
            return [params for name, params in self.calls if name == method]

    def start(self) -> None:
        app = Starlette(routes=[Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"]),
                                Route("/file/bot{token}/{path:path}", self._file)])
        # ws="none": rasa-sdk pins websockets 10, which uvicorn's websocket support cannot use.
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off", ws="none")
        self._server = uvicorn.Server(config)
        thread = threading.Thread(target=self._server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the fake Telegram Bot API server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        if self._server:
            self._server.should_exit = True


class TurnTimeout(AssertionError):
    pass


@dataclass
class TelegramUser:
    """A person in a private chat with the bot."""

    telegram: FakeTelegram
    user_id: int
    first_name: str = "Test"
    language_code: str | None = "en"

    def __post_init__(self) -> None:
        self._seen = len(self.telegram.messages_to(self.user_id))
        self.turn_seconds: list[float] = []  # from the update to the turn's last reply

    @property
    def chat(self) -> dict[str, Any]:
        return {"id": self.user_id, "type": "private", "first_name": self.first_name}

    @property
    def sender(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def _message(self, **content: Any) -> dict[str, Any]:
        return {"message_id": int(time.time() * 1000) % 2**31, "date": int(time.time()),
                "chat": self.chat, "from": self.sender, **content}

    def _push_and_wait(self, update: dict[str, Any], timeout: float) -> list[BotMessage]:
        pushed = time.monotonic()
        self.telegram.push_update(update)
        replies = self.wait_for_replies(timeout)
        self.turn_seconds.append(replies[-1].sent_at - pushed)
        return replies

    def wait_for_replies(self, timeout: float = 60.0, quiet: float = 0.6) -> list[BotMessage]:
        """The bot's messages of this turn: waits for the first, then until the bot is quiet."""
        deadline = time.monotonic() + timeout
        last_count, last_change = self._seen, time.monotonic()
        while time.monotonic() < deadline:
            count = len(self.telegram.messages_to(self.user_id))
            if count != last_count:
                last_count, last_change = count, time.monotonic()
            elif count > self._seen and time.monotonic() - last_change >= quiet:
                replies = self.telegram.messages_to(self.user_id)[self._seen:]
                self._seen = count
                return replies
            time.sleep(0.02)
        raise TurnTimeout(f"user {self.user_id}: no reply within {timeout} s")

    def write(self, text: str) -> int:
        """Send a message without waiting for a reply (during a relay the bot does not answer)."""
        message = self._message(text=text)
        self.telegram.push_update({"message": message})
        return message["message_id"]

    def write_update(self, text: str, copies: int = 1) -> int:
        """Send a message (no command entities) without waiting; returns the update's id."""
        return self.telegram.push_update({"message": self._message(text=text)}, copies=copies)

    def edit(self, message_id: int, text: str) -> list[BotMessage]:
        """Change an earlier message of this person (Telegram sends an `edited_message`)."""
        edited = {**self._message(text=text), "message_id": message_id, "edit_date": int(time.time())}
        return self._push_and_wait({"edited_message": edited}, 60.0)

    def say(self, text: str, timeout: float = 60.0) -> list[BotMessage]:
        entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}] if text.startswith("/") else None
        content: dict[str, Any] = {"text": text}
        if entities:
            content["entities"] = entities
        return self._push_and_wait({"message": self._message(**content)}, timeout)

    def send_sticker(self) -> list[BotMessage]:
        sticker = {"file_id": "CAAC-sticker", "file_unique_id": "u1", "width": 512, "height": 512,
                   "is_animated": False, "is_video": False, "type": "regular"}
        return self._push_and_wait({"message": self._message(sticker=sticker)}, 60.0)

    def _voice(self, content: bytes, mime_type: str, duration: int) -> dict[str, Any]:
        file_id = self.telegram.add_file(content)
        return self._message(voice={"file_id": file_id, "file_unique_id": f"u{file_id}", "duration": duration,
                                    "mime_type": mime_type, "file_size": len(content)})

    def send_voice(self, content: bytes, mime_type: str = "audio/ogg", duration: int = 3,
                   timeout: float = 60.0) -> list[BotMessage]:
        """Send a voice message; waits for the bot's replies (none during a relay: use write_voice)."""
        return self._push_and_wait({"message": self._voice(content, mime_type, duration)}, timeout)

    def write_voice(self, content: bytes, mime_type: str = "audio/ogg", duration: int = 3) -> int:
        """Send a voice message without waiting for a reply; returns its message id."""
        message = self._voice(content, mime_type, duration)
        self.telegram.push_update({"message": message})
        return message["message_id"]

    def send_location(self) -> list[BotMessage]:
        return self._push_and_wait({"message": self._message(location={"latitude": 51.45, "longitude": 6.63})}, 60.0)

    def press_data(self, message: BotMessage, data: str) -> list[BotMessage]:
        query = {"id": f"q{time.monotonic_ns()}", "from": self.sender, "chat_instance": str(self.user_id),
                 "data": data, "message": self.telegram._message_json(message)}
        return self._push_and_wait({"callback_query": query}, 60.0)

    def press(self, title: str, replies: list[BotMessage]) -> list[BotMessage]:
        """Press the button titled `title` on the latest of `replies` that has it."""
        for message in reversed(replies):
            for button in message.buttons:
                if button["text"] == title:
                    return self.press_data(message, button["callback_data"])
        offered = [b["text"] for m in replies for b in m.buttons]
        raise AssertionError(f"no button {title!r}; offered: {offered}")
