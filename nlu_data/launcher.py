"""Starts Rasa's own command line (`python -m nlu_data.launcher run …` in the Rasa environment)
with five changes: Rasa's logs never carry what people wrote, action-server responses are
validated by a validator built once, calls to the action server reuse their connections, and
calls to the action server and NLG requests carry only what our actions and texts read.

Rasa logs the text of a message whose request was cancelled or failed
(`rest.message.received.timeout`, e.g. when the gateway restarts mid-turn). Its log processor for
such fields (`_anonymizer`) does nothing in Rasa Open Source; here it replaces them.

Rasa 3.6 checks every action-server response with `jsonschema.validate`, which first validates
the large events schema itself against its meta-schema and builds a new validator, on every call:
under load that was the biggest single cost in the Rasa process (decision 12). The checks are
the same here; only the schema check and the validator's construction happen once.

Rasa 3.6 opens a new aiohttp session, and so a new TCP connection, for every call to the action
server (`EndpointConfig.session`), several per turn: about a twentieth of Rasa's CPU under load.
Here each endpoint keeps one session per event loop. aiohttp sees a connection the action server
closed (a restart) through the event loop and does not reuse it, and it lets idle ones go after
15 s, well before the action server's Sanic would (120 s).

Rasa sends the whole tracker, every event of the conversation, with each call to the NLG
endpoint (one per message the bot says), and serialises it first. Our endpoint reads only the
slots and the latest message's metadata (actions/server.py `render_nlg_request`): only those go.
An action call, too, carries every event: our actions read the slots, the latest message and the
events since the person's message before it (whether a message repeats the one before,
actions/answers.py), and rasa-sdk's forms the slot events at the end. The tracker goes whole but
for its events, which begin at the person's message before the latest one; the next engineer
who writes an action that reads further back changes `RECENT_USER_MESSAGES`.

Runs in the Rasa environment, beside the Rasa project's own components (nlu_data/): the
application (bot/, actions/) never imports rasa. Imports only the standard library, jsonschema and rasa.
`LOTSE_RASA_PLAIN=1` keeps Rasa's own validation, sessions and NLG requests (to measure the difference).
"""
from __future__ import annotations

import os
import sys
from typing import Any


def _install_validator() -> None:
    from jsonschema import ValidationError, exceptions, validators
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL
    from rasa.shared.utils.schemas.events import EVENT_SCHEMA

    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    # The events schema is a `oneOf` over 23 event kinds, each fixing `event` to its own constant,
    # and `event` is a required string: an event is valid exactly when it is valid against the
    # one kind its `event` names. So a valid response is recognised by checking each event against
    # its own kind only; anything else goes through the full validator, for the same error.
    common = {key: value for key, value in EVENT_SCHEMA.items() if key != "oneOf"}
    by_kind = {kind["properties"]["event"]["const"]: validator_class({"allOf": [common, kind]})
               for kind in EVENT_SCHEMA["oneOf"]}
    envelope = validator_class({**schema, "properties": {**schema["properties"], "events": {"type": "array"}}})

    def _plainly_valid(result: Any) -> bool:
        if not envelope.is_valid(result):
            return False
        for event in result.get("events") or ():
            name = event.get("event") if isinstance(event, dict) else None
            kind = by_kind.get(name) if isinstance(name, str) else None
            if kind is None or not kind.is_valid(event):
                return False
        return True

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        if _plainly_valid(result):
            return True
        # What jsonschema.validate does after its schema check, with the validator built once.
        error = exceptions.best_match(validator.iter_errors(result))
        if error is None:
            return True
        assert isinstance(error, ValidationError)
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from the "
            f"Action endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise error

    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]


class _KeptSession:
    """`async with` over a session that stays open for the next call."""

    def __init__(self, session: Any) -> None:
        self.session = session

    async def __aenter__(self) -> Any:
        return self.session

    async def __aexit__(self, *_: object) -> None:
        return None


RECENT_USER_MESSAGES = 2  # an action call's events begin at this many of the person's messages back


def recent_events(events: Any) -> list[Any]:
    """The events from the person's RECENT_USER_MESSAGES-th latest message on (all, if fewer)."""
    from rasa.shared.core.events import UserUttered

    events = list(events)
    seen = 0
    for index in range(len(events) - 1, -1, -1):
        if isinstance(events[index], UserUttered):
            seen += 1
            if seen == RECENT_USER_MESSAGES:
                return events[index:]
    return events


def _install_lean_action_calls() -> None:
    import rasa
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

    def _action_call_format(self: RemoteAction, tracker: DialogueStateTracker, domain: Domain) -> dict[str, Any]:
        # Rasa's own, but for the events (current_state(ALL) serialises every one of them).
        state = tracker.current_state(EventVerbosity.NONE)
        state["events"] = [event.as_dict() for event in recent_events(tracker.events)]
        result = {"next_action": self._name, "sender_id": tracker.sender_id, "tracker": state,
                  "version": rasa.__version__}
        if not self._is_selective_domain_enabled() or domain.does_custom_action_explicitly_need_domain(self.name()):
            result["domain"] = domain.as_dict()
        return result

    RemoteAction._action_call_format = _action_call_format  # type: ignore[method-assign]


def _install_lean_nlg_requests() -> None:
    from rasa.core.nlg import callback
    from rasa.shared.core.trackers import DialogueStateTracker

    def nlg_request_format(utter_action: str, tracker: DialogueStateTracker, output_channel: str,
                           **kwargs: Any) -> dict[str, Any]:
        latest = tracker.latest_message
        response_id = kwargs.pop("response_id", None)
        return {
            "response": utter_action,
            "id": response_id,
            "arguments": kwargs,
            "tracker": {"sender_id": tracker.sender_id, "slots": tracker.current_slot_values(),
                        "latest_message": {"metadata": (latest.metadata if latest else None) or {}}},
            "channel": {"name": output_channel},
        }

    callback.nlg_request_format = nlg_request_format


def _install_kept_sessions() -> None:
    import asyncio

    from rasa.utils.endpoints import EndpointConfig

    new_session = EndpointConfig.session
    kept: dict[tuple[int, str, str, str], Any] = {}

    def session(self: EndpointConfig) -> _KeptSession:
        key = (id(asyncio.get_running_loop()), str(self.url), repr(self.headers), repr(self.basic_auth))
        current = kept.get(key)
        if current is None or current.closed:
            current = kept[key] = new_session(self)
        return _KeptSession(current)

    EndpointConfig.session = session


# The fields Rasa's structured log events may carry people's words or slot values in (the same
# keys its own anonymizer hook covers).
PERSONAL_LOG_FIELDS = (
    "text", "response_text", "user_text", "slot_values", "parse_data_text", "parse_data_entities",
    "prediction_events", "tracker_latest_message", "prefilled_slots", "message", "response",
    "slot_candidates", "rasa_event", "rasa_events", "tracker_states", "current_states", "old_states",
    "successes", "current_entity", "next_entity", "states", "entity", "token_text", "user_message",
    "json_message",
)


def _redact(_: Any, __: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    for key in PERSONAL_LOG_FIELDS:
        if key in event_dict:
            event_dict[key] = "[redacted]"
    return event_dict


def _install_redaction() -> None:
    from rasa.utils import log_utils

    # configure_structlog() (run by Rasa's main) puts this processor before every renderer.
    log_utils._anonymizer = _redact


def main() -> int:
    _install_redaction()
    if os.environ.get("LOTSE_RASA_PLAIN", "").strip() not in ("1", "true", "yes"):
        _install_validator()
        _install_kept_sessions()
        _install_lean_nlg_requests()
        _install_lean_action_calls()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
