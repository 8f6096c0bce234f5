"""Who may see and change saved searches and follows: only their owner, staff included (nobody reads another
person's standing interest)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from alerts.models import Follow, SavedSearch


def can_save_searches(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def owned_q(user: Any) -> Q:
    """Rows of the person's own; nothing for anonymous visitors."""
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    return Q(user_id=user.pk)


def can_manage_saved_search(user: Any, saved_search: SavedSearch) -> bool:
    return can_save_searches(user) and saved_search.user_id == user.pk


def can_manage_follow(user: Any, follow: Follow) -> bool:
    return can_save_searches(user) and follow.user_id == user.pk
