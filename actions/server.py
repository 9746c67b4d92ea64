"""The action server: Rasa SDK's app with our actions, plus the NLG endpoint and /metrics.

Rasa calls `POST /nlg` for every response it utters; we render it in the person's language
from the gettext catalogs (see docs/decisions/0002-texts-through-nlg-endpoint.md).
"""
from __future__ import annotations

import argparse
import logging
import warnings
from typing import Any

from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic, response
from sanic.request import Request

from actions.context import deployment, language_of
from actions.metrics import ActionMetrics
from bot.config import load_settings
from bot.messages import known_responses, render
from bot.parsing.understanding import answer_models
from bot.rasa_client import LANGUAGE_KEY

logger = logging.getLogger(__name__)

# rasa-sdk 3.21 warns on every call that Rasa 3.6 differs in its minor version; it speaks 3.6's action
# protocol (decision 18; the end-to-end tests run the two together), so the warning is only noise in the log.
warnings.filterwarnings("ignore", message="Your versions of rasa and rasa_sdk might not be compatible",
                        category=UserWarning)


def render_nlg_request(body: dict[str, Any]) -> dict[str, Any]:
    """Rasa's NLG request → the message in the person's language."""
    tracker = body.get("tracker") or {}
    arguments = body.get("arguments") or {}
    slots = {**(tracker.get("slots") or {}), **arguments}
    metadata = (tracker.get("latest_message") or {}).get("metadata")
    language = language_of(slots, metadata)
    return {**render(body["response"], language, deployment(), **slots), "custom": {LANGUAGE_KEY: language}}


def executor() -> ActionExecutor:
    """rasa-sdk's registry of our actions; rasa-sdk 3.21's create_app takes it instead of a package name."""
    actions = ActionExecutor()
    actions.register_package("actions.registry")
    return actions


def build_app() -> Sanic:
    actions = executor()
    app = create_app(actions, cors_origins=None)
    ActionMetrics(list(actions.actions)).install(app)  # its names are the only labels /metrics uses
    known_responses()  # read the texts once, at start-up
    answer_models()  # and the answer classifiers (trained by `lotse train` when their examples change)

    @app.post("/nlg")
    async def nlg(request: Request) -> response.HTTPResponse:
        body = request.json or {}
        name = body.get("response")
        if not isinstance(name, str) or name not in known_responses():
            logger.error("NLG request for an unknown response: %s", body.get("response"))
            return response.json({"error": "unknown response"}, status=404)
        return response.json(render_nlg_request(body))

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="Lotse action server (Rasa SDK) with the NLG endpoint")
    parser.add_argument("--port", type=int, default=None)
    args = parser.parse_args()
    settings = load_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s actions %(levelname)s %(name)s: %(message)s")
    # One process, as `lotse run` supervises it: without single_process Sanic forks a worker that
    # builds its app anew, and the supervisor would watch (and stop) only the manager.
    build_app().run(host=settings.action_listen, port=args.port or settings.action_port, access_log=False, motd=False,
                    single_process=True)


if __name__ == "__main__":
    main()
