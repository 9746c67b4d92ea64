"""Training the Rasa model only when its inputs changed, and Rasa's runtime configuration."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import yaml
from sqlalchemy.engine import make_url

from bot.config import PROJECT_ROOT, Settings

RASA_PROJECT = PROJECT_ROOT / "nlu_data"
MODELS_DIR = PROJECT_ROOT / "models"
_RASA_LOCK = PROJECT_ROOT / "requirements" / "rasa.lock"


def rasa_environment() -> dict[str, str]:
    """The environment for every Rasa command: no telemetry (it would send usage data to Rasa
    and wait on a network we do not have) and less noise from its dependencies."""
    return {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}


def training_fingerprint(config: Path, data: Iterable[Path]) -> str:
    """What a trained model depends on: its config and data, our own Rasa components, and the
    Rasa version (the lock file: a new Rasa may train differently)."""
    digest = hashlib.sha256()
    components = sorted((RASA_PROJECT / "components").rglob("*.py"))
    for path in [config, *data, *components, _RASA_LOCK]:
        label = path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path.name
        digest.update(str(label).encode())
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()


def model_fingerprint() -> str:
    data = sorted(path for folder in ("domain", "data") for path in (RASA_PROJECT / folder).rglob("*.yml"))
    return training_fingerprint(RASA_PROJECT / "config.yml", data)[:16]


def model_path() -> Path:
    return MODELS_DIR / f"lotse-{model_fingerprint()}.tar.gz"


def train_model(settings: Settings, force: bool = False) -> Path:
    """Train unless a model for exactly these inputs exists; returns the model's path."""
    target = model_path()
    if target.exists() and not force:
        return target
    MODELS_DIR.mkdir(exist_ok=True)
    command = [
        str(settings.rasa_bin), "train",
        "--config", str(RASA_PROJECT / "config.yml"),
        "--domain", str(RASA_PROJECT / "domain"),
        "--data", str(RASA_PROJECT / "data"),
        "--out", str(MODELS_DIR),
        "--fixed-model-name", target.name.removesuffix(".tar.gz"),
    ]
    subprocess.run(command, check=True, cwd=PROJECT_ROOT, env=rasa_environment(),
                   stdout=sys.stdout, stderr=sys.stderr)
    for stale in MODELS_DIR.glob("lotse-*.tar.gz"):  # only the current one is used
        if stale != target:
            stale.unlink()
    return target


def tracker_store_config(url: str) -> dict[str, object]:
    """Rasa's SQL tracker store (ours sets SQLite up for many conversations at once) takes URL
    parts, not a URL."""
    parsed = make_url(url)
    config: dict[str, object] = {"type": "nlu_data.tracker_store.LotseTrackerStore",
                                 "dialect": parsed.drivername, "db": parsed.database}
    for key in ("host", "port", "username", "password"):
        value = getattr(parsed, key)
        if value is not None:
            config[key] = value
    return config


def write_endpoints(settings: Settings, path: Path) -> Path:
    endpoints = {
        "action_endpoint": {"url": f"{settings.action_server_url}/webhook"},
        "nlg": {"url": f"{settings.action_server_url}/nlg"},
        "tracker_store": tracker_store_config(settings.tracker_database_url),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(endpoints, sort_keys=False), encoding="utf-8")
    path.chmod(0o600)  # may hold the database password
    return path
