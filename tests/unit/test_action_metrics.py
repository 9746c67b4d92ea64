"""The action server's /metrics, measured around a Sanic app served on loopback as rasa-sdk's is:
calls by action and result, unknown names folded into one label, nothing from the tracker."""
from __future__ import annotations

import json
import zlib

import httpx
from sanic import Sanic, response
from sanic.request import Request

from actions.metrics import ActionMetrics
from tests.e2e.fake_telegram import free_port

STATUS = {"action_ok": 200, "validate_refused": 400}


def app_with_metrics() -> tuple[Sanic, ActionMetrics]:
    app = Sanic("actions_under_test")

    @app.post("/webhook")
    async def webhook(request: Request) -> response.HTTPResponse:  # rasa-sdk's answers, in brief
        deflated = request.headers.get("Content-Encoding") == "deflate"
        name = (json.loads(zlib.decompress(request.body)) if deflated else request.json)["next_action"]
        if name == "action_broken":
            raise RuntimeError("a bug")
        return response.json({}, status=STATUS.get(name, 404))

    @app.post("/nlg")
    async def nlg(request: Request) -> response.HTTPResponse:
        return response.json({"text": "Hallo"})

    metrics = ActionMetrics(["action_ok", "validate_refused", "action_broken"])
    metrics.install(app)
    return app, metrics


async def test_calls_are_counted_by_action_and_result_and_the_tracker_stays_out() -> None:
    app, metrics = app_with_metrics()
    port = free_port()
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False)
    assert server is not None
    await server.startup()
    tracker = {"sender_id": "telegram:4242", "slots": {"first_name": "Amina"}}
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            for name in ("action_ok", "action_ok", "validate_refused", "action_made_up", "action_broken"):
                await http.post("/webhook", json={"next_action": name, "tracker": tracker})
            deflated = zlib.compress(b'{"next_action": "action_ok", "tracker": {}}')
            await http.post("/webhook", content=deflated, headers={"Content-Encoding": "deflate"})
            await http.post("/nlg", json={"response": "utter_greet", "tracker": tracker})
            scrape = await http.get("/metrics")
    finally:
        server.close()
        await server.wait_closed()

    def calls(action: str, result: str) -> float | None:
        return metrics.registry.get_sample_value("lotse_actions_calls_total", {"action": action, "result": result})

    assert calls("action_ok", "ok") == 3  # the deflated call too
    assert calls("validate_refused", "rejected") == 1
    assert calls("unknown", "not_found") == 1
    assert calls("action_broken", "error") == 1
    assert metrics.registry.get_sample_value("lotse_actions_seconds_count", {"action": "action_ok"}) == 3
    assert metrics.registry.get_sample_value("lotse_actions_nlg_texts_total", {"result": "ok"}) == 1
    assert scrape.status_code == 200
    assert "action_made_up" not in scrape.text and "Amina" not in scrape.text and "4242" not in scrape.text
