"""Cells written to downloads (CSV) that no spreadsheet program reads as a formula."""

from __future__ import annotations

# Spreadsheet programs read a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: object) -> object:
    """A text cell that cannot start a formula (a leading quote, as OWASP advises); numbers,
    negative ones included, are not text and stay as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
