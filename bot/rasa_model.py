"""Training the Rasa model only when its inputs changed, and Rasa's runtime configuration."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlsplit

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
    """Rasa's SQL tracker store (ours: nlu_data/tracker_store.py) takes URL parts, not a URL; the
    host as `url` (Rasa passes that on as the host, and refuses a `host` besides).

    The dialect without the app's driver: `postgresql+psycopg://` (psycopg 3, for the app's
    SQLAlchemy 2) is `postgresql` in the Rasa environment, whose SQLAlchemy 1.4 uses psycopg2."""
    parsed = make_url(url)
    config: dict[str, object] = {"type": "nlu_data.tracker_store.LotseTrackerStore",
                                 "dialect": parsed.get_backend_name(), "db": parsed.database}
    for key, name in (("host", "url"), ("port", "port"), ("username", "username"), ("password", "password")):
        value = getattr(parsed, key)
        if value is not None:
            config[name] = value
    if parsed.query:  # e.g. sslmode=require
        config["query"] = dict(parsed.query)
    return config


def lock_store_config(url: str) -> dict[str, object]:
    """Rasa's Redis lock store (several Rasa servers keep each conversation's turns in order)
    from `redis://[user:password@]host[:port][/db]`; `rediss://` for TLS. Ours
    (nlu_data/lock_store.py) changes each lock in one Redis transaction, which Rasa's does not."""
    parsed = urlsplit(url)
    if parsed.scheme not in ("redis", "rediss") or not parsed.hostname:
        raise ValueError(f"LOTSE_LOCK_STORE_URL must be redis://host:port/db, not {parsed.scheme}://…")
    config: dict[str, object] = {"type": "nlu_data.lock_store.LotseLockStore", "url": parsed.hostname, "port": parsed.port or 6379,
                                 "db": int(parsed.path.strip("/") or 0), "use_ssl": parsed.scheme == "rediss"}
    if parsed.username:
        config["username"] = unquote(parsed.username)
    if parsed.password:
        config["password"] = unquote(parsed.password)
    return config


def write_endpoints(settings: Settings, path: Path, rasa_worker: int = 0) -> Path:
    """The endpoints of one Rasa server: Rasa worker i calls action server i mod M (decision 16);
    all share the tracker store and the lock store."""
    action_server = settings.action_server_urls[rasa_worker % settings.action_workers]
    endpoints = {
        "action_endpoint": {"url": f"{action_server}/webhook"},
        "nlg": {"url": f"{action_server}/nlg"},
        "tracker_store": tracker_store_config(settings.tracker_database_url),
    }
    if settings.lock_store_url:  # else Rasa's in-memory lock store: right for one Rasa server
        endpoints["lock_store"] = lock_store_config(settings.lock_store_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(endpoints, sort_keys=False), encoding="utf-8")
    path.chmod(0o600)  # may hold the database's and Redis's passwords
    return path
