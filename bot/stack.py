"""Starting, watching and stopping Lotse's processes: action servers, Rasa servers (one of each,
or LOTSE_ACTION_WORKERS and LOTSE_RASA_WORKERS of them, decision 16), Telegram gateway, staff
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

# Restart policy of `lotse run` (README, decision 11): a process that exits, or a gateway whose
# /health fails HEALTH_FAILURES checks in a row, is restarted; one that needs more than
# MAX_RESTARTS restarts within RESTART_WINDOW_SECONDS stops the whole stack.
MAX_RESTARTS = 3
RESTART_WINDOW_SECONDS = 600.0
HEALTH_EVERY_SECONDS = 5.0
HEALTH_FAILURES = 3


def _quiet(_: str) -> None:
    return None


@dataclass
class Service:
    name: str
    process: subprocess.Popen
    log_path: Path


class StartupFailed(RuntimeError):
    pass


def worker_name(kind: str, index: int) -> str:
    """`rasa`, `rasa-2`, `rasa-3` …: the first keeps the name it had when there was only one."""
    return kind if index == 0 else f"{kind}-{index + 1}"


def parse_worker_name(name: str) -> tuple[str, int]:
    kind, _, number = name.partition("-")
    return kind, int(number) - 1 if number else 0


def rasa_command(rasa_bin: Path) -> list[str]:
    """Rasa's command line through our launcher (nlu_data/launcher.py, decision 12) when the Rasa
    executable has its environment's Python beside it; else the executable itself."""
    python = rasa_bin.parent / "python"
    return [str(python), "-m", "nlu_data.launcher"] if python.exists() else [str(rasa_bin)]


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
            "RASA_URL": ",".join(self.rasa_urls),  # the gateway and the inbox spread over them
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
        # A restarted process keeps its place: stop() goes in reverse order of start.
        index = next((i for i, s in enumerate(self.services) if s.name == name), len(self.services))
        self.services[index:index + 1] = [service]
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

    @property
    def rasa_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.settings.rasa_worker_ports]

    def start_actions(self) -> None:
        for index in range(self.settings.action_workers):
            self.start_action_worker(index)

    def start_action_worker(self, index: int) -> None:
        url = self.settings.action_server_urls[index]
        port = url.rsplit(":", 1)[1]
        service = self._spawn(worker_name("actions", index), [sys.executable, "-m", "actions.server", "--port", port])
        # Up in seconds; minutes only if its answer classifiers must be trained first.
        self._wait_until_up(service, f"{url}/health", timeout=300)

    def start_rasa(self) -> None:
        """Every Rasa worker; they load their models one after the other (two cores)."""
        for index in range(self.settings.rasa_workers):
            self.start_rasa_worker(index)

    def start_rasa_worker(self, index: int) -> None:
        name = worker_name("rasa", index)
        port = self.settings.rasa_worker_ports[index]
        endpoints = write_endpoints(self.settings, self.settings.var_dir / "run" / f"endpoints-{name}.yml", index)
        command = [
            *rasa_command(self.settings.rasa_bin), "run",
            "--model", str(self.model),
            "--endpoints", str(endpoints),
            "--credentials", str(RASA_PROJECT / "credentials.yml"),
            "--interface", "127.0.0.1",
            "--port", str(port),
            "--enable-api",
            # One argument: a token starting with "-" (token_urlsafe makes one in 64) is no option.
            f"--auth-token={self.token}",
        ]
        service = self._spawn(name, command)
        # TensorFlow's import and the model load take most of a minute on two cores.
        self._wait_until_up(service, f"http://127.0.0.1:{port}/status?token={self.token}", timeout=300)

    def start_gateway(self) -> None:
        service = self._spawn("gateway", [sys.executable, "-m", "bot.telegram"])
        # Healthy once its loops run; first it loads (or, after new examples, trains) crisis detection.
        self._wait_until_up(service, self.settings.gateway_health_url, timeout=300)

    def start_web(self) -> None:
        service = self._spawn("web", [sys.executable, "-m", "bot.web"])
        self._wait_until_up(service, f"http://{self.settings.web_listen}:{self.settings.web_port}/health", timeout=60)

    def start_retention(self) -> None:
        """Deletes what is past its retention period: once at start, then daily (bot/privacy)."""
        service = self._spawn("retention", [sys.executable, "-m", "bot.privacy"])
        time.sleep(0.5)
        if service.process.poll() is not None:
            raise StartupFailed(f"retention exited with {service.process.returncode}; see {service.log_path}")

    def service(self, name: str) -> Service:
        return next(s for s in self.services if s.name == name)

    def end(self, name: str, sig: int = signal.SIGKILL) -> None:
        """End one process (the tests' crash: SIGKILL; an outage: SIGTERM); its start_… method
        starts it again."""
        service = self.service(name)
        os.killpg(service.process.pid, sig)
        service.process.wait(timeout=30)

    def check(self) -> Service | None:
        """The first service that has died, if any."""
        return next((s for s in self.services if s.process.poll() is not None), None)

    def gateway_healthy(self) -> bool:
        """Whether the gateway's loops go round (its /health); True when there is no gateway."""
        if not any(s.name == "gateway" for s in self.services):
            return True
        try:
            return httpx.get(self.settings.gateway_health_url, timeout=5.0).status_code == 200
        except httpx.HTTPError:
            return False

    def restart(self, service: Service) -> None:
        """Stop the service (if it still runs) and start it again the way it first started."""
        _terminate(service)
        kind, index = parse_worker_name(service.name)
        start = {"actions": lambda: self.start_action_worker(index), "rasa": lambda: self.start_rasa_worker(index),
                 "gateway": self.start_gateway, "web": self.start_web, "retention": self.start_retention}[kind]
        try:
            start()
        except StartupFailed:
            _terminate(next(s for s in self.services if s.name == service.name))  # the next look sees it dead
            raise

    def stop(self, timeout: float = 15.0) -> None:
        """Stop in reverse order: the gateway first, so no new turn starts."""
        for service in reversed(self.services):
            if service.process.poll() is None:
                os.killpg(service.process.pid, signal.SIGTERM)
        for service in reversed(self.services):
            _wait_or_kill(service, timeout)
        self.services.clear()


def _terminate(service: Service, timeout: float = 15.0) -> None:
    """SIGTERM to the service's process group, SIGKILL if it has not ended after `timeout`."""
    if service.process.poll() is None:
        os.killpg(service.process.pid, signal.SIGTERM)
    _wait_or_kill(service, timeout)


def _wait_or_kill(service: Service, timeout: float) -> None:
    try:
        service.process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(service.process.pid, signal.SIGKILL)
        service.process.wait()


class GaveUp(RuntimeError):
    """A process keeps failing: restarting it does not help; the stack is to stop."""


@dataclass
class Supervisor:
    """`lotse run`'s watch over the stack: restarts what died or hangs, gives up loudly."""

    stack: Stack
    report: Progress = _quiet
    clock: Callable[[], float] = time.monotonic
    restarts: dict[str, list[float]] = field(default_factory=dict)
    health_failures: int = 0
    last_health_check: float = 0.0

    def tick(self) -> None:
        """One look at the processes (call it every half second); GaveUp when restarting is no use."""
        dead = self.stack.check()
        if dead is not None:
            self._restart(dead, f"{dead.name} stopped unexpectedly (exit code {dead.process.returncode})")
            return
        if self.clock() - self.last_health_check < HEALTH_EVERY_SECONDS:
            return
        self.last_health_check = self.clock()
        self.health_failures = 0 if self.stack.gateway_healthy() else self.health_failures + 1
        if self.health_failures >= HEALTH_FAILURES:
            self.health_failures = 0
            gateway = next(s for s in self.stack.services if s.name == "gateway")
            self._restart(gateway, "the gateway's loops are not alive (/health)")

    def _restart(self, service: Service, why: str) -> None:
        now = self.clock()
        recent = [at for at in self.restarts.get(service.name, []) if now - at < RESTART_WINDOW_SECONDS]
        if len(recent) >= MAX_RESTARTS:
            raise GaveUp(f"{why}; restarted {len(recent)} times within {RESTART_WINDOW_SECONDS / 60:.0f} minutes, "
                         f"giving up. See {service.log_path}")
        self.restarts[service.name] = [*recent, now]
        self.report(f"{why}; restarting it. See {service.log_path}")
        try:
            self.stack.restart(service)
        except StartupFailed as error:
            self.report(str(error))
