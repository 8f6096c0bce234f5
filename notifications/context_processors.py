from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from notifications.selectors import unread_notification_count


def unread_notifications(request: HttpRequest) -> dict[str, Any]:
    """``unread_notifications`` for the navigation badge; counted only when a template shows it."""
    user = getattr(request, "user", None)
    return {"unread_notifications": SimpleLazyObject(lambda: unread_notification_count(user=user))}
