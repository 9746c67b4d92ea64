"""Consent per purpose, as the intake record keeps it (intake-record.md `consent`).

Three purposes, each with its own yes or no: processing (the pre-screening and the handoff to
the district's team; required), statistics (counting the intake without name; optional) and
sharing (passing the summary to a partner organisation; optional). Why they are asked where
they are: docs/decisions/0008-consent-per-purpose.md.
"""
from __future__ import annotations

import datetime
from typing import Any

# Bump when the texts of ask_consent, ask_consent_statistics or ask_consent_sharing change:
# the record says which texts the person agreed to (with the language they read them in).
CONSENT_VERSION = "2026-12-v2"

# Record key of each optional purpose → the slot that holds the person's answer.
OPTIONAL_PURPOSES = {"statistics": "consent_statistics", "sharing": "consent_sharing"}


def choice(value: Any) -> bool | None:
    """A slot's answer as the record's boolean; None while it has not been asked."""
    return {"yes": True, "no": False}.get(value) if isinstance(value, str) else None


def consent_record(slots: dict[str, Any], language: str, given_at: datetime.datetime) -> dict[str, Any] | None:
    """The consent the slots express; None without consent to processing (nothing is stored)."""
    if slots.get("consent") != "yes":
        return None
    return {
        "processing": True,
        **{purpose: choice(slots.get(slot)) for purpose, slot in OPTIONAL_PURPOSES.items()},
        "version": f"{CONSENT_VERSION}:{language}",
        "given_at": given_at.isoformat(),
    }


def merged(stored: dict[str, Any] | None, current: dict[str, Any]) -> dict[str, Any]:
    """The stored consent with the optional choices of `current`; when and in which words the
    person consented to processing stays as first recorded."""
    if not stored:
        return current
    return {**stored, **{purpose: current[purpose] for purpose in OPTIONAL_PURPOSES}}


def counted_in_statistics(consent: dict[str, Any] | None) -> bool:
    return bool(consent and consent.get("statistics") is True)
