"""Talking to the Rasa server: its REST channel for messages, its HTTP API for the tracker."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

# Rasa answers a turn in well under a second; the first turn after start-up loads the model lazily.
TURN_TIMEOUT = httpx.Timeout(60.0, connect=5.0)


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[dict[str, str], ...] = field(default_factory=tuple)


class RasaUnavailable(RuntimeError):
    pass


class RasaClient:
    def __init__(self, base_url: str, token: str = "") -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self._http = httpx.AsyncClient(timeout=TURN_TIMEOUT)

    async def send(self, sender: str, message: str, metadata: dict[str, Any]) -> list[Reply]:
        try:
            response = await self._http.post(
                f"{self.base_url}/webhooks/rest/webhook",
                json={"sender": sender, "message": message, "metadata": metadata},
            )
            response.raise_for_status()
        except httpx.HTTPError as error:
            raise RasaUnavailable(str(error)) from error
        return [
            Reply(text=item.get("text", ""), buttons=tuple(item.get("buttons") or ()))
            for item in response.json()
            if item.get("text") or item.get("buttons")
        ]

    async def state(self, sender: str) -> dict[str, Any]:
        """A conversation's slots and active form ({} when Rasa cannot say)."""
        try:
            response = await self._http.get(
                f"{self.base_url}/conversations/{sender}/tracker",
                params={"include_events": "NONE", "token": self.token},
            )
            response.raise_for_status()
        except httpx.HTTPError:
            return {}
        tracker = response.json()
        return {"slots": tracker.get("slots") or {}, "active_loop": (tracker.get("active_loop") or {}).get("name")}

    async def close(self) -> None:
        await self._http.aclose()
