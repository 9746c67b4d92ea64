"""Explainable eligibility pre-screening: programmes as dated, sourced rules in YAML.

    from bot.eligibility import evaluate
    result = evaluate(profile)            # all programmes, today, default rules

The result never rejects anyone: it says per programme `eligible`, `not_eligible` or
`needs_review`, with one reason per criterion. See docs/eligibility.md.
"""
from __future__ import annotations

from datetime import date
from threading import Lock

from .engine import ProgrammeRules
from .loader import DEFAULT_DIR, load_rules
from .messages import localize_result
from .model import EligibilityResult, Problem, RulesError
from .validate import validate_dir

__all__ = [
    "DEFAULT_DIR",
    "Problem",
    "ProgrammeRules",
    "RulesError",
    "default_rules",
    "evaluate",
    "load_rules",
    "localize_result",
    "validate_dir",
]

_default: ProgrammeRules | None = None
_lock = Lock()


def default_rules() -> ProgrammeRules:
    """The rules from `programmes/`, loaded once per process."""
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                _default = load_rules(DEFAULT_DIR)
    return _default


def evaluate(profile: dict, as_of: date | None = None, programme_ids: list[str] | None = None, *,
             referral_ids: list[str] | None = None, rules: ProgrammeRules | None = None) -> EligibilityResult:
    """Pre-screen an intake record against programmes (default: all) on `as_of` (default: today).

    Unknown ids raise KeyError. A malformed profile never raises: facts that cannot be
    read become `unknown` reasons.
    """
    return (rules or default_rules()).evaluate(profile, as_of or date.today(), programme_ids,
                                                   referral_ids)
