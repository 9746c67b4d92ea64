"""Which answer classifier (bot/parsing/understanding.py) reads the answer to a slot's question.

Apart from understanding.py, whose source is part of the answer models' fingerprint: the gateway
asks this too (bot/safety), and a change here need not retrain them.
"""
from __future__ import annotations

from typing import Any


def question_of(slot: str, residence_status: Any = None) -> str:
    """The classifier of a slot's question (the kind of residence depends on the status); a slot
    without one (a date, a name) gives a name that is no key of QUESTIONS."""
    if slot == "residence_kind":
        return "residence_kind_duldung" if residence_status == "duldung" else "residence_kind_permit"
    return slot
