"""Cells that a spreadsheet program must show as text, never run as a formula.

People's free-text answers and labels reach CSV and XLSX exports as typed. A text that starts
with = + - @ (or a tab or carriage return, which some programs skip before them) is a formula to
Excel and LibreOffice: `=HYPERLINK("http://…", "click")` in a work-experience answer would be a
link in a staff member's spreadsheet (OWASP "CSV injection").
"""
from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_cell(value: Any) -> Any:
    """For CSV, which has no types: a leading apostrophe, which spreadsheet programs show as text."""
    return f"'{value}" if is_formula_like(value) else value
