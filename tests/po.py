"""A reader for the project's gettext catalogs (.po files), for tests that check the translations themselves."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The project's own catalogs: the one of templates/ and config/ and one per app.
CATALOGS = sorted(
    path
    for path in ROOT.glob("**/locale/zh_Hans/LC_MESSAGES/django.po")
    if not {".venv", "node_modules", "staticfiles"} & set(path.relative_to(ROOT).parts)
)


@dataclass
class Entry:
    msgid: str
    msgstr: list[str]
    msgid_plural: str = ""
    msgctxt: str = ""
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def is_translated(self) -> bool:
        return all(self.msgstr) and bool(self.msgstr)


def _unquote(text: str) -> str:
    return ast.literal_eval(text)


def read_catalog(path: Path) -> list[Entry]:
    """Entries of a .po file; obsolete ones (#~) and the header (empty msgid) left out."""
    entries: list[Entry] = []
    parts: dict[str, list[str]] = {}
    flags: set[str] = set()
    keyword = ""
    start = 0

    def finish() -> None:
        nonlocal parts, flags
        msgid = "".join(parts.get("msgid", []))
        if msgid:
            entries.append(
                Entry(
                    msgid=msgid,
                    msgstr=["".join(v) for k, v in sorted(parts.items()) if k.startswith("msgstr")],
                    msgid_plural="".join(parts.get("msgid_plural", [])),
                    msgctxt="".join(parts.get("msgctxt", [])),
                    flags=flags,
                    line=start,
                )
            )
        parts, flags = {}, set()

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if line.startswith("#~"):
            continue
        # A comment or a new msgctxt/msgid after a msgstr starts the next entry.
        is_start = line.startswith(("#", "msgctxt ", "msgid "))
        if is_start and any(k.startswith("msgstr") for k in parts):
            finish()
        if line.startswith("#,"):
            flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith('"'):
            parts[keyword].append(_unquote(line))
        elif line and not line.startswith("#"):
            keyword, _space, rest = line.partition(" ")
            if not parts:
                start = number
            parts[keyword] = [_unquote(rest)]
    finish()
    return entries


def all_entries() -> list[tuple[Path, Entry]]:
    return [(path, entry) for path in CATALOGS for entry in read_catalog(path)]
