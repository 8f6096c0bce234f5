"""Links from API resources to their pages and downloads (``html_url``, ``csv_url``, ...), absolute."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import reverse


def absolute_link(context: dict[str, Any], name: str, *args: Any) -> str:
    """The URL of a named route, absolute when the serializer has the request (it does in every view)."""
    path = reverse(name, args=args)
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


_PLACEHOLDER = 987654321987


def detail_link(base_url: str, route: str) -> Callable[[int], str]:
    """``pk -> URL`` of a detail route (``pk`` its only argument), reversed once: a download links every row."""
    head, _sep, tail = reverse(route, kwargs={"pk": _PLACEHOLDER}).partition(str(_PLACEHOLDER))
    base = base_url.rstrip("/")
    return lambda pk: f"{base}{head}{pk}{tail}"
