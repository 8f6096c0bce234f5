from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accounts.selectors import user_memberships


def memberships(request: HttpRequest) -> dict[str, Any]:
    """The signed-in user's organizations, for the navigation (evaluated lazily, once per request)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"my_memberships": []}
    return {"my_memberships": user_memberships(user)}
