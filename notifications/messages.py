"""The messages notifications carry, registered by the app that sends each kind (in its ``AppConfig.ready``).

A notification stores its kind and parameters; the text is rendered when it is read, in the reader's language.
A parameter that differs by language (a product's Chinese and English name) is stored as ``localized(...)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise


@dataclass(frozen=True)
class Message:
    kind: str
    label: str | Promise
    # %-format with the parameters and ``count`` (the items folded into the notification); may be an ngettext_lazy
    # keyed on "count".
    title: str | Promise
    body: str | Promise = ""
    # For grouped kinds: one line per item (its own parameters over the shared ones), after the body.
    item: str | Promise = ""


_MESSAGES: dict[str, Message] = {}
# Items kept on a grouped notification for display; ``count`` keeps the full number.
MAX_ITEMS = 20


def register(
    kind: str, *, label: str | Promise, title: str | Promise, body: str | Promise = "", item: str | Promise = ""
) -> str:
    """Declare a kind of notification and its message; returns the kind. Registering the same kind again replaces it."""
    if len(kind) > 32:
        raise ValueError(f"notification kind {kind!r} is longer than 32 characters")
    _MESSAGES[kind] = Message(kind=kind, label=label, title=title, body=body, item=item)
    return kind


def message(kind: str) -> Message | None:
    return _MESSAGES.get(kind)


def kinds() -> list[Message]:
    return sorted(_MESSAGES.values(), key=lambda m: m.kind)


def localized(zh: str, en: str = "") -> dict[str, str]:
    """A parameter in both languages; the English falls back to the Chinese where there is none."""
    return {"zh-hans": zh, "en": en or zh}


def _language_codes() -> set[str]:
    return {code for code, _name in settings.LANGUAGES}


def _pick(value: Any, language: str) -> Any:
    if isinstance(value, Mapping) and value and set(value) <= _language_codes():
        for code in (language, language.split("-")[0], settings.LANGUAGE_CODE):
            if value.get(code):
                return value[code]
        return next(iter(value.values()))
    return value


def _values(params: Mapping[str, Any], language: str) -> dict[str, Any]:
    return {name: _pick(value, language) for name, value in params.items() if name != "items"}


def render(*, kind: str, params: Mapping[str, Any] | None, count: int, language: str) -> tuple[str, str] | None:
    """Title and body of a message in ``language``; None when the kind or a parameter it needs is unknown."""
    found = _MESSAGES.get(kind)
    if found is None or params is None:
        return None
    with translation.override(language):
        shared = {**_values(params, language), "count": count}
        try:
            # ``%`` on the lazy string itself: an ngettext_lazy keyed on "count" picks its form from the values.
            title = str(found.title % shared)
            parts = [str(found.body % shared)] if found.body else []
            if found.item:
                parts += [str(found.item % {**shared, **_values(item, language)}) for item in params.get("items", [])]
                if count > len(params.get("items", [])):
                    parts.append("…")
        except (KeyError, TypeError, ValueError):
            return None
    return title, "\n".join(part for part in parts if part)


def reader_language(user: Any) -> str:
    """The language a person reads their email in: their preference, else the platform's default."""
    return getattr(user, "preferred_language", "") or settings.LANGUAGE_CODE
