"""Explainable eligibility pre-screening: programmes as dated, sourced rules in YAML.

    from bot.eligibility import evaluate
    result = evaluate(profile)            # all programmes, today, default catalog

The result never rejects anyone: it says per programme `eligible`, `not_eligible` or
`needs_review`, with one reason per criterion. See docs/eligibility.md.
"""
from __future__ import annotations

from datetime import date
from threading import Lock

from .engine import Catalog
from .loader import DEFAULT_DIR, load_catalog
from .messages import localize_result
from .model import CatalogError, EligibilityResult, Problem
from .validate import validate_dir

__all__ = [
    "DEFAULT_DIR",
    "Catalog",
    "CatalogError",
    "Problem",
    "default_catalog",
    "evaluate",
    "load_catalog",
    "localize_result",
    "validate_dir",
]

_default: Catalog | None = None
_lock = Lock()


def default_catalog() -> Catalog:
    """The catalog from `programmes/`, loaded once per process."""
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                _default = load_catalog(DEFAULT_DIR)
    return _default


def evaluate(profile: dict, as_of: date | None = None, programme_ids: list[str] | None = None, *,
             referral_ids: list[str] | None = None, catalog: Catalog | None = None) -> EligibilityResult:
    """Pre-screen an intake record against programmes (default: all) on `as_of` (default: today).

    Unknown ids raise KeyError. A malformed profile never raises: facts that cannot be
    read become `unknown` reasons.
    """
    return (catalog or default_catalog()).evaluate(profile, as_of or date.today(), programme_ids,
                                                   referral_ids)
