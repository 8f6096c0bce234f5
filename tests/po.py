"""A reader for the project's gettext catalogs (.po files), for tests that check the translations themselves."""

from __future__ import annotations

import ast
import re
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


# --- The messages the source uses ---------------------------------------------------------------------------

# Folders that are not apps but whose messages live in the project's catalog (locale/).
PROJECT_FOLDERS = ("config", "templates")
# The gettext functions, by the positions of their (context, singular, plural) arguments.
_GETTEXT_CALLS = {
    "_": (None, 0, None),
    "gettext": (None, 0, None),
    "gettext_lazy": (None, 0, None),
    "gettext_noop": (None, 0, None),
    "ngettext": (None, 0, 1),
    "ngettext_lazy": (None, 0, 1),
    "pgettext": (0, 1, None),
    "pgettext_lazy": (0, 1, None),
    "npgettext": (0, 1, 2),
    "npgettext_lazy": (0, 1, 2),
}


@dataclass(frozen=True)
class UsedMessage:
    msgid: str
    msgid_plural: str = ""
    msgctxt: str = ""
    path: str = ""
    line: int = 0


def _literal(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _messages_in_python(source: str, path: str) -> list[UsedMessage]:
    """Calls of gettext functions with literal texts in Python source, as xgettext reads them."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name not in _GETTEXT_CALLS:
            continue
        context_at, singular_at, plural_at = _GETTEXT_CALLS[name]
        args = node.args
        if len(args) <= max(i for i in (context_at, singular_at, plural_at) if i is not None):
            continue
        singular = _literal(args[singular_at])
        context = "" if context_at is None else _literal(args[context_at])
        plural = "" if plural_at is None else _literal(args[plural_at])
        if singular and context is not None and plural is not None:
            found.append(UsedMessage(singular, plural, context, path, node.lineno))
    return found


def _messages_in_template(source: str, path: str) -> list[UsedMessage]:
    """The messages of a template's {% translate %} and {% blocktranslate %} tags (and their old names), read
    through Django's own templatize, which is what makemessages hands to xgettext."""
    from django.utils.translation.template import templatize

    code = templatize(source)
    found = []
    # templatize writes each tag as one call with literal arguments amid filler letters.
    for match in re.finditer(r"\b(n?p?gettext)\(((?:u'(?:[^'\\]|\\.)*'|\s*,\s*|[\w.]+)*)\)", code, re.DOTALL):
        name, arguments = match.groups()
        literals = [ast.literal_eval(text) for text in re.findall(r"u'(?:[^'\\]|\\.)*'", arguments)]
        context_at, singular_at, plural_at = _GETTEXT_CALLS[name]
        needed = max(i for i in (context_at, singular_at, plural_at) if i is not None)
        if len(literals) <= needed:
            continue
        line = code.count("\n", 0, match.start()) + 1
        found.append(
            UsedMessage(
                literals[singular_at],
                "" if plural_at is None else literals[plural_at],
                "" if context_at is None else literals[context_at],
                path,
                line,
            )
        )
    return found


def _source_files(folder: Path) -> list[Path]:
    skipped = {".venv", "node_modules", "staticfiles", "migrations", "locale", "__pycache__"}
    return sorted(
        path
        for path in folder.rglob("*")
        if path.suffix in (".py", ".html", ".txt") and path.is_file() and not skipped & set(path.parts)
    )


def messages_used_in(folder: Path) -> list[UsedMessage]:
    """Every message a folder's Python files and templates mark for translation."""
    found: list[UsedMessage] = []
    for path in _source_files(folder):
        source = path.read_text(encoding="utf-8")
        shown = str(path.relative_to(ROOT))
        if path.suffix == ".py":
            found += _messages_in_python(source, shown)
        elif "templates" in path.relative_to(ROOT).parts:
            found += _messages_in_template(source, shown)
    return found


def source_folders() -> list[tuple[Path, list[Path]]]:
    """Each app (a folder with an apps.py) and the project's folders, with the catalogs its messages may be in:
    its own, then the project's."""
    project = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    folders = []
    for folder in sorted(ROOT.iterdir()):
        if not folder.is_dir() or folder.name in {"tests", "benchmarks", "locale", "static", "platform"}:
            continue
        if folder.name.startswith(".") or not ((folder / "apps.py").exists() or folder.name in PROJECT_FOLDERS):
            continue
        own = folder / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
        folders.append((folder, [path for path in (own, project) if path.exists()]))
    return folders
