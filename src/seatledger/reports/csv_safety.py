"""Neutralising cells a spreadsheet would run as a formula (CSV injection).

Finance opens these reports in Excel or LibreOffice, and a login, name or email is chosen by
whoever owns the account. A cell that begins with one of the characters a spreadsheet treats
as the start of a formula (or that some of them strip before parsing: tab, carriage return)
gets a leading apostrophe, the OWASP recommendation; the value stays readable and is never
evaluated.
"""

from __future__ import annotations

# The characters OWASP lists for CSV injection: formula starters, plus tab and CR.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
NEUTRALISING_PREFIX = "'"


def neutralise(cell: str) -> str:
    """``cell`` with a leading ``'`` if a spreadsheet would read it as a formula."""
    if cell.startswith(FORMULA_TRIGGERS):
        return NEUTRALISING_PREFIX + cell
    return cell


def is_neutralised(cell: str) -> bool:
    """True if ``cell`` is what :func:`neutralise` makes of a hostile value."""
    return cell.startswith(NEUTRALISING_PREFIX) and cell[1:].startswith(FORMULA_TRIGGERS)
