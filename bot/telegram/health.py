"""The gateway's /health and /metrics on a loopback port: whether its loops still go round,
and what it is doing (docs/operations.md).

The gateway serves no HTTP otherwise (long polling), so a few lines of asyncio do; `lotse run`
asks it and restarts a gateway whose loops have stopped (bot/stack.py).
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable

from bot.metrics import CONTENT_TYPE

logger = logging.getLogger(__name__)

Checks = dict[str, Callable[[], bool]]  # loop name → whether it is alive
Details = Callable[[], dict[str, object]]  # what else the body tells, not part of the verdict


def report(checks: Checks, details: Details = dict) -> tuple[bool, dict[str, object]]:
    loops = {name: check() for name, check in checks.items()}
    healthy = all(loops.values())
    return healthy, {"status": "ok" if healthy else "failing", "loops": loops, **details()}


async def serve_health(host: str, port: int, checks: Checks, details: Details = dict,
                       metrics: Callable[[], bytes] | None = None) -> asyncio.Server:
    """GET /health: 200 and {"status": "ok", "loops": {…: true}, …details}, else 503 naming the
    dead loop. The details (which Rasa workers answer) inform; they never make it fail: a Rasa
    worker down is the supervisor's to restart, and the gateway goes on with the others.
    GET /metrics: `metrics()` in Prometheus's text format (it may read the database: run in a thread)."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readline(), 5.0)
            while (await asyncio.wait_for(reader.readline(), 5.0)).strip():
                pass  # headers: nothing in them matters here
            path = request.split()[1].decode("ascii", "replace") if len(request.split()) > 1 else ""
            content_type = "application/json"
            if path.split("?")[0] == "/health":
                healthy, body = report(checks, details)
                status = "200 OK" if healthy else "503 Service Unavailable"
                data = json.dumps(body).encode()
            elif path.split("?")[0] == "/metrics" and metrics is not None:
                status, content_type, data = "200 OK", CONTENT_TYPE, await asyncio.to_thread(metrics)
            else:
                status, data = "404 Not Found", json.dumps({"status": "not found"}).encode()
            writer.write(f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(data)}\r\n"
                         f"Connection: close\r\n\r\n".encode() + data)
            await writer.drain()
        except (TimeoutError, OSError, ValueError) as error:
            logger.warning("health: request failed: %s", type(error).__name__)
        finally:
            writer.close()

    return await asyncio.start_server(answer, host, port)
