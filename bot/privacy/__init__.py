"""A person's data obeys their word: deletion (/delete, admins, retention) and access (/mydata)."""
from __future__ import annotations

from bot.privacy.deletion import DeletionReport, Eraser, forget_person

__all__ = ["DeletionReport", "Eraser", "forget_person"]
