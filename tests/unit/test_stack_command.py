"""The Rasa server's command line reads back as meant, whatever the token: Rasa's argparse takes
a separate argument that starts with "-" for an option (secrets.token_urlsafe makes one in 64),
and `lotse run` then failed at start with "expected one argument"."""
from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

import pytest

from bot.stack import Stack
from tests.unit.privacy_helpers import make_settings


@pytest.mark.parametrize("token", ["-starts-with-a-dash", "plain_token"])
def test_the_rasa_token_reaches_rasa_as_given(tmp_path: Path, token: str, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = dataclasses.replace(make_settings(tmp_path, f"sqlite:///{tmp_path / 'app.db'}"), rasa_token=token)
    stack = Stack(settings, tmp_path / "model.tar.gz")
    spawned: list[list[str]] = []

    def spawn(_name: str, command: list[str]) -> Any:
        spawned.append(command)
    monkeypatch.setattr(stack, "_spawn", spawn)
    monkeypatch.setattr(stack, "_wait_until_up", lambda *_, **__: None)
    monkeypatch.setattr("bot.stack.write_endpoints", lambda *_: tmp_path / "endpoints.yml")
    stack.start_rasa_worker(0)
    # As `rasa run` declares it (rasa/cli/arguments/run.py).
    rasa_run = argparse.ArgumentParser(exit_on_error=False)
    rasa_run.add_argument("-t", "--auth-token", type=str)
    (command,) = spawned
    parsed, _ = rasa_run.parse_known_args(command[command.index("run") + 1:])
    assert parsed.auth_token == token
