"""Models we fit ourselves (crisis detection, answer classifiers), cached in models/ by a
fingerprint of their inputs like the Rasa model: trained once, loaded by every process after."""
from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

import joblib

from bot.config import PROJECT_ROOT

logger = logging.getLogger(__name__)

MODEL_DIR = PROJECT_ROOT / "models"


def runtime() -> str:
    """What a pickled model depends on besides its inputs, for every fingerprint: a model is
    unpickled only by the Python, NumPy, SciPy and scikit-learn that pickled it (a models/ folder
    kept across a change of environment, or shared by two, is retrained, never misread)."""
    python = ".".join(map(str, sys.version_info[:2]))
    return "|".join([f"python {python}", *(f"{name} {version(name)}" for name in ("numpy", "scipy", "scikit-learn"))])


def cached_file(prefix: str, fingerprint: str) -> Path:
    return MODEL_DIR / f"{prefix}-{fingerprint}.joblib"


def load_or_train[T](prefix: str, fingerprint: str, train: Callable[[], T], stored: Callable[[T], Any],
                  restore: Callable[[Any], T]) -> T:
    """The model from models/ when its inputs have not changed; else trained now and stored
    (atomically: processes starting together never read half a file), older ones removed."""
    path = cached_file(prefix, fingerprint)
    if path.exists():
        return restore(joblib.load(path))
    logger.info("training %s (cached in %s)", prefix, path.name)
    model = train()
    MODEL_DIR.mkdir(parents=True, exist_ok=True)
    for old in MODEL_DIR.glob(f"{prefix}-*.joblib"):
        old.unlink(missing_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    joblib.dump(stored(model), temporary)
    temporary.replace(path)
    return model
