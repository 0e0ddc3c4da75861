"""CSV for spreadsheets: every CSV the project writes goes through here (RISKS 24).

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula
for Excel and LibreOffice (OWASP "CSV Injection"): ``=HYPERLINK(...)`` in a porteur's name
would run on the instructor's machine. Such a cell is written with a leading apostrophe,
which spreadsheets show as text; what is stored, and the TOML and ICS files, keep the text
as typed.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TextIO

from roadmap.domain.validation import printable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def safe_cell(value: object) -> str:
    """The text of a cell, neutralised when a spreadsheet would read it as a formula."""
    text = "" if value is None else printable(str(value))  # no raw control character
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class SpreadsheetCsv:
    """Semicolons, CRLF and a BOM: what a French Excel or LibreOffice opens directly."""

    def __init__(self, out: TextIO, *, bom: bool = True) -> None:
        if bom:
            out.write(BOM)
        self._writer = csv.writer(out, delimiter=";", lineterminator="\r\n")

    def header(self, names: Iterable[str]) -> None:
        self._writer.writerow(list(names))

    def row(self, cells: Iterable[object]) -> None:
        # every cell: amounts and dates never start with a formula sign, so none is altered
        self._writer.writerow([safe_cell(c) for c in cells])
