"""Helpers the demand pages share."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from procurement import policies
from procurement.forms import institution_queryset

PAGE_SIZE = 20


def page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


def query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def my_institutions(request: HttpRequest) -> Any:
    return institution_queryset(policies.demand_access(request.user).org_ids)
