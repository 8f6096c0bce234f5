"""Reading notifications: only a person's own, rendered in the reader's language."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import translation

from notifications.messages import render
from notifications.models import Notification


def notification_list(*, user: Any, unread: bool | None = None) -> QuerySet[Notification]:
    """The person's notifications, newest news first; ``unread`` True or False filters on read state."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    qs = Notification.objects.filter(user=user)
    if unread is not None:
        qs = qs.filter(is_read=not unread)
    return qs.order_by("-updated_at", "-id")


def unread_notification_count(*, user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, is_read=False).count()


def notification_text(notification: Notification, *, language: str | None = None) -> tuple[str, str]:
    """Title and body in ``language`` (the active one by default); rows sent before rendering at read time, or of
    a kind no longer registered, show the text they were stored with."""
    rendered = render(
        kind=notification.kind,
        params=notification.params,
        count=notification.count,
        language=language or translation.get_language() or "",
    )
    return rendered if rendered is not None else (notification.title, notification.body)
