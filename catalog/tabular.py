"""CSV and XLSX files the platform reads and writes (no ORM): the formula guard.

Every file the platform writes goes through ``guard_cells`` (or ``csv_bytes`` / ``xlsx_bytes``), so text a
spreadsheet would run as a formula (OWASP "CSV injection") is shown as text instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

# Characters a spreadsheet treats as the start of a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBERISH = re.compile(r"^[+-]?\s*\d[\d.,eE+\-~\s]*[^=@()]*$")


def is_formula(text: str) -> bool:
    """Whether a spreadsheet would evaluate ``text`` as a formula; plain signed numbers are not formulas."""
    if not text or not text.startswith(FORMULA_PREFIXES):
        return False
    return not (text[0] in "+-" and _PLAIN_NUMBERISH.match(text))


def neutralise_formula(value: Any) -> Any:
    """Prefix a quote so spreadsheet software shows the text instead of running it; numbers pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def guard_cells(cells: Iterable[Any]) -> list[Any]:
    return [neutralise_formula(cell) for cell in cells]
