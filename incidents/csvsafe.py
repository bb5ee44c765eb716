"""Spreadsheet-formula protection for every CSV the app writes (OWASP "CSV injection").

A spreadsheet runs a cell that starts with =, +, -, @ (or a tab or carriage return before one):
`=HYPERLINK(…)` in a title would reach every researcher who opens an export. Such a cell is
written with a leading apostrophe, which spreadsheets show as text and hide. A cell that
itself starts with an apostrophe gets one too, so that the importer can undo exactly this and
nothing else: `unprotect(protect(x)) == x` for every string, and the CSV round trip stays
byte-identical (docs/data-format.md).
"""

from __future__ import annotations

ACTIVE = ("=", "+", "-", "@", "\t", "\r")
MARK = "'"
_PROTECTED = frozenset((*ACTIVE, MARK))  # built once: protect() runs for every cell


def protect(value) -> object:
    """The cell as written to CSV. Non-strings (numbers) pass unchanged."""
    if isinstance(value, str) and value[:1] in _PROTECTED:
        return MARK + value
    return value


def unprotect(cell: str) -> str:
    """The value a protected cell stands for: one leading apostrophe is dropped when what
    follows it is an active character or another apostrophe (a cell we protected)."""
    if cell[:1] == MARK and cell[1:2] in _PROTECTED:
        return cell[1:]
    return cell


def protect_row(row):
    """protect() for every cell, inlined: a full export protects millions of cells."""
    return [MARK + c if isinstance(c, str) and c[:1] in _PROTECTED else c for c in row]
