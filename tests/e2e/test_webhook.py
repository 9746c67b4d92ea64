"""Webhook mode: with a public URL configured, the gateway takes updates over HTTP and only
with Telegram's secret token."""
from __future__ import annotations

import dataclasses
import time

import httpx

from bot.stack import Stack
from tests.e2e.conftest import Harness
from tests.e2e.fake_telegram import free_port

SECRET = "s3cret-token_for-tests"


def test_webhook_mode_accepts_only_updates_with_the_secret_token(harness: Harness) -> None:
    port = free_port()
    settings = dataclasses.replace(
        harness.settings, webhook_url="https://lotse.example.org", webhook_secret=SECRET, webhook_port=port,
        gateway_health_port=free_port(),
    )
    stack = Stack(settings, harness.model)
    stack.start_gateway()
    try:
        url = f"http://127.0.0.1:{port}/telegram"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url, timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "the webhook server did not start"
                time.sleep(0.2)
        registered = harness.telegram.calls_of("setWebhook")[-1]
        assert registered["url"] == "https://lotse.example.org/telegram"
        assert registered["secret_token"] == SECRET

        user = harness.user(language_code="en")
        update = {"update_id": 990001, "message": {"message_id": 1, "date": int(time.time()), "text": "hello",
                                                   "chat": user.chat, "from": user.sender}}
        forged = httpx.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"})
        assert forged.status_code == 403
        missing = httpx.post(url, json=update)
        assert missing.status_code == 403
        assert harness.telegram.messages_to(user.user_id) == []

        accepted = httpx.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
        assert accepted.status_code == 200
        replies = user.wait_for_replies()
        assert "Which language" in replies[0].text
    finally:
        stack.stop()
