"""Reading saved searches and follows: a person's own only."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from alerts.models import Follow, SavedSearch
from alerts.policies import owned_q


def saved_search_list(*, user: Any) -> QuerySet[SavedSearch]:
    return SavedSearch.objects.filter(owned_q(user)).order_by("-created_at", "-id")


def follow_list(*, user: Any) -> QuerySet[Follow]:
    return (
        Follow.objects.filter(owned_q(user))
        .select_related("category", "organization", "product")
        .order_by("-created_at", "-id")
    )
