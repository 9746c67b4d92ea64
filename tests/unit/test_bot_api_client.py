"""The gateway's Bot API client (bot/telegram/http.py) against a real HTTP server on loopback:
what python-telegram-bot sends arrives as Telegram reads it, failures become the errors the
sender knows how to retry, and no more connections are opened than allowed."""
from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web
from telegram import Bot, InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData

from bot.telegram.http import AiohttpRequest
from bot.telegram.metrics import send_result
from tests.e2e.fake_telegram import free_port

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Handler], Awaitable[str]]]:
    runners: list[web.AppRunner] = []

    async def start(handler: Handler) -> str:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        runners.append(runner)
        return f"http://127.0.0.1:{port}"

    yield start
    for runner in runners:
        await runner.cleanup()


BOT_USER = {"id": 1, "is_bot": True, "first_name": "Lotse", "username": "lotse_test_bot"}
SENT = {"message_id": 7, "date": 0, "chat": {"id": 42, "type": "private"}}


async def test_a_bot_call_arrives_as_telegram_reads_it(serve) -> None:
    received: dict[str, dict[str, str]] = {}

    async def api(request: web.Request) -> web.Response:
        method = request.path.rsplit("/", 1)[-1]
        received[method] = {k: str(v) for k, v in (await request.post()).items()}
        return web.json_response({"ok": True, "result": BOT_USER if method == "getMe" else {**SENT, "text": "Hallo"}})

    url = await serve(api)
    async with Bot("123:abc", base_url=f"{url}/bot", request=AiohttpRequest(), get_updates_request=AiohttpRequest(1)) as bot:
        message = await bot.send_message(42, "Hallo")
    assert message.message_id == 7 and message.text == "Hallo"
    assert received["sendMessage"] == {"chat_id": "42", "text": "Hallo"}


async def test_a_file_goes_as_multipart_with_its_name_and_type(serve) -> None:
    parts: dict[str, tuple[str | None, bytes]] = {}

    async def api(request: web.Request) -> web.Response:
        if request.path.endswith("/getMe"):
            return web.json_response({"ok": True, "result": BOT_USER})
        async for part in await request.multipart():
            parts[part.name or ""] = (part.filename, await part.read())
        return web.json_response({"ok": True, "result": {**SENT, "voice": {"file_id": "v", "file_unique_id": "u",
                                                                           "duration": 1}}})

    url = await serve(api)
    async with Bot("123:abc", base_url=f"{url}/bot", request=AiohttpRequest(), get_updates_request=AiohttpRequest(1)) as bot:
        await bot.send_voice(42, InputFile(b"OggS-voice-bytes", filename="frage.ogg"))
    assert parts["chat_id"] == (None, b"42")
    assert ("frage.ogg", b"OggS-voice-bytes") in parts.values()


async def test_an_error_status_is_returned_for_python_telegram_bot_to_read(serve) -> None:
    async def api(request: web.Request) -> web.Response:
        return web.json_response({"ok": False, "error_code": 429, "description": "Too Many Requests",
                                  "parameters": {"retry_after": 3}}, status=429)

    url = await serve(api)
    async with AiohttpRequest() as request:
        status, body = await request.do_request(f"{url}/bot1:x/sendMessage", "POST", RequestData([]))
    assert status == 429 and json.loads(body)["parameters"]["retry_after"] == 3


async def test_no_connection_is_a_network_error_on_our_side() -> None:
    async with AiohttpRequest() as request:
        with pytest.raises(NetworkError) as raised:
            await request.do_request(f"http://127.0.0.1:{free_port()}/bot1:x/getMe", "POST")
    assert send_result(raised.value) == "network"


async def test_an_answer_that_does_not_come_is_a_timeout(serve) -> None:
    async def api(request: web.Request) -> web.Response:
        await asyncio.sleep(1.5)
        return web.json_response({"ok": True, "result": True})

    url = await serve(api)
    async with AiohttpRequest(read_timeout=0.3) as request:
        with pytest.raises(TimedOut):
            await request.do_request(f"{url}/bot1:x/getMe", "POST")


async def test_calls_beyond_the_connections_wait_for_one(serve) -> None:
    open_now = most = 0

    async def api(request: web.Request) -> web.Response:
        nonlocal open_now, most
        open_now += 1
        most = max(most, open_now)
        await asyncio.sleep(0.05)
        open_now -= 1
        return web.json_response({"ok": True, "result": True})

    url = await serve(api)
    async with AiohttpRequest(connections=2, pool_timeout=10) as request:
        answers = await asyncio.gather(*(request.do_request(f"{url}/bot1:x/getMe", "POST") for _ in range(12)))
    assert all(status == 200 for status, _ in answers)
    assert most == 2
