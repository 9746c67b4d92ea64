"""Settings from the environment, with defaults that work on a developer's machine.

Every setting is listed in the README's settings table; keep the two in step.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TELEGRAM_DEFAULT_RATE = 30.0  # messages per second: Telegram's limit for a bot, python-telegram-bot's default


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def _rate_limit() -> float | None:
    """TELEGRAM_RATE_LIMIT: messages per second over all chats; `off` or 0: no limiter."""
    value = _env("TELEGRAM_RATE_LIMIT", str(TELEGRAM_DEFAULT_RATE))
    try:
        rate = None if value.lower() == "off" else float(value)
    except ValueError:
        rate = -1.0
    if rate is not None and rate < 0:
        raise ValueError(f"TELEGRAM_RATE_LIMIT must be messages per second, or 'off', not {value!r}")
    return rate or None  # 0 means no limit, as `off`


def _workers(name: str) -> int:
    """LOTSE_RASA_WORKERS / LOTSE_ACTION_WORKERS: how many servers of the kind (decision 16)."""
    value = _env(name, "1")
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{name} must be a number of servers, 1 or more, not {value!r}")
    return int(value)


def _reminder_hours() -> tuple[float, ...]:
    """LOTSE_REMINDER_AFTER_HOURS: hours after the person's last message, one per reminder; `off`: none."""
    value = _env("LOTSE_REMINDER_AFTER_HOURS", "24,72")
    if value.lower() == "off":
        return ()
    try:
        hours = tuple(sorted(float(part) for part in value.split(",") if part.strip()))
    except ValueError:
        hours = (-1.0,)
    if any(hour <= 0 for hour in hours):
        raise ValueError(f"LOTSE_REMINDER_AFTER_HOURS must be hours after the last message (e.g. 24,72), not {value!r}")
    return hours


@dataclass(frozen=True)
class Settings:
    var_dir: Path = field(default_factory=lambda: Path(_env("LOTSE_VAR_DIR", str(PROJECT_ROOT / "var"))))
    database_url: str = field(default_factory=lambda: os.environ.get("DATABASE_URL", "").strip())
    tracker_store_url: str = field(default_factory=lambda: os.environ.get("LOTSE_TRACKER_STORE_URL", "").strip())
    # Redis for Rasa's lock store, when several Rasa servers serve the same conversations.
    lock_store_url: str = field(default_factory=lambda: os.environ.get("LOTSE_LOCK_STORE_URL", "").strip())
    deployment_file: Path = field(
        default_factory=lambda: Path(_env("LOTSE_DEPLOYMENT", str(PROJECT_ROOT / "config" / "deployment.yml")))
    )
    telegram_token: str = field(default_factory=lambda: os.environ.get("TELEGRAM_BOT_TOKEN", "").strip())
    telegram_api_url: str = field(default_factory=lambda: _env("TELEGRAM_API_URL", "https://api.telegram.org"))
    webhook_url: str = field(default_factory=lambda: os.environ.get("TELEGRAM_WEBHOOK_URL", "").strip())
    webhook_secret: str = field(default_factory=lambda: os.environ.get("TELEGRAM_WEBHOOK_SECRET", "").strip())
    webhook_listen: str = field(default_factory=lambda: _env("TELEGRAM_WEBHOOK_LISTEN", "127.0.0.1"))
    webhook_port: int = field(default_factory=lambda: int(_env("TELEGRAM_WEBHOOK_PORT", "8443")))
    # None: no rate limiter (a higher limit granted by Telegram, a self-hosted Bot API, benchmarks).
    telegram_rate_limit: float | None = field(default_factory=_rate_limit)
    # The gateway's /health (its loops alive?), on loopback for `lotse run`.
    gateway_health_port: int = field(default_factory=lambda: int(_env("LOTSE_GATEWAY_HEALTH_PORT", "8081")))
    # Several Rasa servers' addresses comma-separated (`lotse run` sets it for its workers).
    rasa_url: str = field(default_factory=lambda: _env("RASA_URL", "http://127.0.0.1:5005"))
    rasa_token: str = field(default_factory=lambda: os.environ.get("RASA_TOKEN", "").strip())
    rasa_port: int = field(default_factory=lambda: int(_env("RASA_PORT", "5005")))
    action_port: int = field(default_factory=lambda: int(_env("ACTION_SERVER_PORT", "5055")))
    # How many Rasa servers and action servers `lotse run` starts, on ports from RASA_PORT and
    # ACTION_SERVER_PORT on (decision 16).
    rasa_workers: int = field(default_factory=lambda: _workers("LOTSE_RASA_WORKERS"))
    action_workers: int = field(default_factory=lambda: _workers("LOTSE_ACTION_WORKERS"))
    # Where an action server listens: loopback, unless Rasa servers on other machines call it.
    action_listen: str = field(default_factory=lambda: _env("LOTSE_ACTION_LISTEN", "127.0.0.1"))
    # Action servers on other machines (comma-separated URLs), for deployments that start each
    # process themselves (docs/deployment.md): Rasa's endpoints and the gateway's check use them.
    action_urls: str = field(default_factory=lambda: os.environ.get("LOTSE_ACTION_URLS", "").strip())
    rasa_bin: Path = field(
        default_factory=lambda: Path(_env("LOTSE_RASA_BIN", str(PROJECT_ROOT / ".venvs" / "rasa" / "bin" / "rasa")))
    )
    log_level: str = field(default_factory=lambda: _env("LOTSE_LOG_LEVEL", "INFO").upper())
    web_listen: str = field(default_factory=lambda: _env("LOTSE_WEB_LISTEN", "127.0.0.1"))
    web_port: int = field(default_factory=lambda: int(_env("LOTSE_WEB_PORT", "8080")))
    # The inbox's address as staff reach it (links in the staff chat); https makes cookies Secure.
    web_public_url: str = field(default_factory=lambda: os.environ.get("LOTSE_WEB_URL", "").strip())
    # Signs session cookies. Empty: a random key kept in var/web-secret (never in the repository).
    web_secret: str = field(default_factory=lambda: os.environ.get("LOTSE_WEB_SECRET", "").strip())
    session_minutes: int = field(default_factory=lambda: int(_env("LOTSE_SESSION_MINUTES", "30")))
    # The reverse proxies in front of the inbox (addresses or networks, comma-separated): only
    # their X-Forwarded-For names the client; anyone else's is ignored.
    trusted_proxies: str = field(default_factory=lambda: os.environ.get("LOTSE_TRUSTED_PROXIES", "").strip())
    # A bearer token for the inbox's /metrics; empty: only from this machine, not through a proxy.
    metrics_token: str = field(default_factory=lambda: os.environ.get("LOTSE_METRICS_TOKEN", "").strip())
    # A person who writes again after this long is welcomed back before the intake goes on.
    welcome_back_after_hours: float = field(default_factory=lambda: float(_env("LOTSE_WELCOME_BACK_HOURS", "12")))
    # A person who stopped in the middle of the intake is reminded this many hours after their
    # last message, once per entry; never at night in this time zone (bot/reminders/).
    reminder_after_hours: tuple[float, ...] = field(default_factory=_reminder_hours)
    timezone: str = field(default_factory=lambda: _env("LOTSE_TIMEZONE", "Europe/Berlin"))
    # The largest voice message taken for the team (Telegram lets bots download up to 20 MB);
    # a larger one is refused kindly and the team is told that one came.
    voice_max_bytes: int = field(default_factory=lambda: int(float(_env("LOTSE_VOICE_MAX_MB", "10")) * 1024 * 1024))
    # Questions read aloud (decision 20): synthesised prompts are kept here, each made once;
    # a district's recordings are looked for in <recordings>/<lang>/audio/.
    audio_cache: str = field(default_factory=lambda: os.environ.get("LOTSE_AUDIO_CACHE", "").strip())
    recordings_dir: Path = field(default_factory=lambda: Path(_env("LOTSE_RECORDINGS", str(PROJECT_ROOT / "locales"))))
    # Tests only: a file holding the time (ISO 8601) the reminders take as now.
    clock_file: str = field(default_factory=lambda: os.environ.get("LOTSE_CLOCK_FILE", "").strip())

    @property
    def app_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.var_dir / 'lotse.db'}"

    @property
    def tracker_database_url(self) -> str:
        return self.tracker_store_url or f"sqlite:///{self.var_dir / 'rasa-tracker.db'}"

    @property
    def audio_cache_dir(self) -> Path:
        return Path(self.audio_cache) if self.audio_cache else self.var_dir / "audio-cache"

    @property
    def web_url(self) -> str:
        return self.web_public_url or f"http://{self.web_listen}:{self.web_port}"

    @property
    def rasa_worker_ports(self) -> list[int]:
        return [self.rasa_port + index for index in range(self.rasa_workers)]

    @property
    def action_server_urls(self) -> list[str]:
        if self.action_urls:
            return [url.strip().rstrip("/") for url in self.action_urls.split(",") if url.strip()]
        return [f"http://127.0.0.1:{self.action_port + index}" for index in range(self.action_workers)]

    @property
    def gateway_health_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_health_port}/health"

    def as_environment(self) -> dict[str, str]:
        """These settings as the environment variables that produce them, for child processes."""
        return {
            "LOTSE_VAR_DIR": str(self.var_dir),
            "DATABASE_URL": self.app_database_url,
            "LOTSE_TRACKER_STORE_URL": self.tracker_database_url,
            "LOTSE_LOCK_STORE_URL": self.lock_store_url,
            "LOTSE_DEPLOYMENT": str(self.deployment_file),
            "TELEGRAM_BOT_TOKEN": self.telegram_token,
            "TELEGRAM_API_URL": self.telegram_api_url,
            "TELEGRAM_WEBHOOK_URL": self.webhook_url,
            "TELEGRAM_WEBHOOK_SECRET": self.webhook_secret,
            "TELEGRAM_WEBHOOK_LISTEN": self.webhook_listen,
            "TELEGRAM_WEBHOOK_PORT": str(self.webhook_port),
            "TELEGRAM_RATE_LIMIT": str(self.telegram_rate_limit or "off"),
            "LOTSE_GATEWAY_HEALTH_PORT": str(self.gateway_health_port),
            "RASA_URL": self.rasa_url,
            "RASA_TOKEN": self.rasa_token,
            "RASA_PORT": str(self.rasa_port),
            "ACTION_SERVER_PORT": str(self.action_port),
            "LOTSE_RASA_WORKERS": str(self.rasa_workers),
            "LOTSE_ACTION_WORKERS": str(self.action_workers),
            "LOTSE_ACTION_LISTEN": self.action_listen,
            "LOTSE_ACTION_URLS": self.action_urls,
            "LOTSE_RASA_BIN": str(self.rasa_bin),
            "LOTSE_LOG_LEVEL": self.log_level,
            "LOTSE_WELCOME_BACK_HOURS": str(self.welcome_back_after_hours),
            "LOTSE_REMINDER_AFTER_HOURS": ",".join(map(str, self.reminder_after_hours)) or "off",
            "LOTSE_TIMEZONE": self.timezone,
            "LOTSE_CLOCK_FILE": self.clock_file,
            "LOTSE_AUDIO_CACHE": self.audio_cache,
            "LOTSE_RECORDINGS": str(self.recordings_dir),
            "LOTSE_WEB_LISTEN": self.web_listen,
            "LOTSE_WEB_PORT": str(self.web_port),
            "LOTSE_WEB_URL": self.web_public_url,
            "LOTSE_WEB_SECRET": self.web_secret,
            "LOTSE_SESSION_MINUTES": str(self.session_minutes),
            "LOTSE_TRUSTED_PROXIES": self.trusted_proxies,
            "LOTSE_METRICS_TOKEN": self.metrics_token,
        }


def load_settings() -> Settings:
    settings = Settings()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    return settings
