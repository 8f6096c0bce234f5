"""Telling people about account events, each in the language they chose."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.conf import settings
from django.utils import translation

from accounts.models import User


def notify_in_their_language(
    *,
    users: Iterable[User],
    kind: str,
    title: Callable[[], str],
    body: Callable[[], str] = str,
    url: str = "",
    dedupe_key: str,
) -> None:
    """Send one notification per person; ``title`` and ``body`` are rendered once per preferred language."""
    from matching.notifications import notification_send

    by_language: dict[str, list[User]] = {}
    for user in users:
        by_language.setdefault(user.preferred_language or settings.LANGUAGE_CODE, []).append(user)
    for language, group in sorted(by_language.items()):
        with translation.override(language):
            notification_send(users=group, kind=kind, title=title(), body=body(), url=url, dedupe_key=dedupe_key)
