"""Starting and stopping Lotse's processes: action server, Rasa server, Telegram gateway, staff
inbox, retention.

Used by `lotse run`, `lotse chat` and the end-to-end tests, so all three start the same way.
Each process logs to var/log/<name>.log; the console shows only progress.
"""
from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bot.config import PROJECT_ROOT, Settings
from bot.rasa_model import RASA_PROJECT, rasa_environment, write_endpoints

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


@dataclass
class Service:
    name: str
    process: subprocess.Popen
    log_path: Path


class StartupFailed(RuntimeError):
    pass


@dataclass
class Stack:
    settings: Settings
    model: Path
    progress: Progress = _quiet
    services: list[Service] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.token = self.settings.rasa_token or secrets.token_urlsafe(24)
        self.log_dir = self.settings.var_dir / "log"
        self.log_dir.mkdir(parents=True, exist_ok=True)

    def environment(self) -> dict[str, str]:
        env = rasa_environment()  # all our processes get it; only Rasa reads it
        env.update(self.settings.as_environment())
        env.update({
            "RASA_TOKEN": self.token,
            "RASA_URL": f"http://127.0.0.1:{self.settings.rasa_port}",
            "PYTHONUNBUFFERED": "1",
        })
        return env

    def _spawn(self, name: str, command: list[str]) -> Service:
        log_path = self.log_dir / f"{name}.log"
        log = log_path.open("ab")
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=self.environment(), stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
        service = Service(name, process, log_path)
        self.services.append(service)
        return service

    def _wait_until_up(self, service: Service, url: str, timeout: float) -> None:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if service.process.poll() is not None:
                raise StartupFailed(f"{service.name} exited with {service.process.returncode}; see {service.log_path}")
            try:
                if httpx.get(url, timeout=2.0).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            self.progress(f"waiting for {service.name} … {time.monotonic() - started:.0f} s")
            time.sleep(0.5)
        raise StartupFailed(f"{service.name} did not answer within {timeout:.0f} s; see {service.log_path}")

    def start_actions(self) -> None:
        service = self._spawn("actions", [sys.executable, "-m", "actions.server"])
        self._wait_until_up(service, f"{self.settings.action_server_url}/health", timeout=60)

    def start_rasa(self) -> None:
        endpoints = write_endpoints(self.settings, self.settings.var_dir / "run" / "endpoints.yml")
        command = [
            str(self.settings.rasa_bin), "run",
            "--model", str(self.model),
            "--endpoints", str(endpoints),
            "--credentials", str(RASA_PROJECT / "credentials.yml"),
            "--interface", "127.0.0.1",
            "--port", str(self.settings.rasa_port),
            "--enable-api",
            "--auth-token", self.token,
        ]
        service = self._spawn("rasa", command)
        # TensorFlow's import and the model load take most of a minute on two cores.
        self._wait_until_up(service, f"http://127.0.0.1:{self.settings.rasa_port}/status?token={self.token}", timeout=300)

    def start_gateway(self) -> None:
        service = self._spawn("gateway", [sys.executable, "-m", "bot.telegram"])
        time.sleep(0.5)
        if service.process.poll() is not None:
            raise StartupFailed(f"gateway exited with {service.process.returncode}; see {service.log_path}")

    def start_web(self) -> None:
        service = self._spawn("web", [sys.executable, "-m", "bot.web"])
        self._wait_until_up(service, f"http://{self.settings.web_listen}:{self.settings.web_port}/health", timeout=60)

    def start_retention(self) -> None:
        """Deletes what is past its retention period: once at start, then daily (bot/privacy)."""
        service = self._spawn("retention", [sys.executable, "-m", "bot.privacy"])
        time.sleep(0.5)
        if service.process.poll() is not None:
            raise StartupFailed(f"retention exited with {service.process.returncode}; see {service.log_path}")

    def check(self) -> Service | None:
        """The first service that has died, if any."""
        return next((s for s in self.services if s.process.poll() is not None), None)

    def stop(self, timeout: float = 15.0) -> None:
        """Stop in reverse order: the gateway first, so no new turn starts."""
        for service in reversed(self.services):
            if service.process.poll() is None:
                os.killpg(service.process.pid, signal.SIGTERM)
        for service in reversed(self.services):
            try:
                service.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(service.process.pid, signal.SIGKILL)
                service.process.wait()
        self.services.clear()
