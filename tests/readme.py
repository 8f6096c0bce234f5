"""Reading the README's documented layouts, so tests hold the code to what the README promises."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def documented_columns(heading: str) -> list[str]:
    """The column keys of the first table under the README heading ``heading`` (its text after ``#### ``)."""
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n#### {heading}\n")
    keys: list[str] = []
    for line in text[start:].splitlines()[2:]:
        if keys and not line.startswith("|"):
            break
        match = re.match(r"^\| `([a-z0-9_]+)` \|", line)
        if match:
            keys.append(match.group(1))
    return keys
