from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from accounts.selectors import user_memberships


def memberships(request: HttpRequest) -> dict[str, Any]:
    """The signed-in user's organizations, for the navigation (evaluated lazily, once per request).

    ``my_org_kinds`` holds the kinds of organization the user belongs to, so a researcher is not offered the
    manufacturers' pages and a manufacturer is not offered to post a demand (which would end in a 403).
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"my_memberships": [], "my_org_kinds": frozenset()}
    found = user_memberships(user)
    return {
        "my_memberships": found,
        "my_org_kinds": SimpleLazyObject(lambda: frozenset(m.organization.kind for m in found)),
    }
