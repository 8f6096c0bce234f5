"""Rendering search results: highlighted fields, facet titles, links to rows whose pages may not exist yet."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from search.params import FACET_TITLES

register = template.Library()

_DETAIL_URLS = {"products": "catalog:product-detail", "demands": "procurement:demand-detail"}


@register.simple_tag
def highlighted(
    highlights: dict[int, dict[str, list[str]]] | None, row_id: int, field: str, fallback: Any
) -> SafeString:
    """The highlighted fragments of ``field`` for row ``row_id``, or ``fallback`` escaped.

    Fragments are safe: backends escape the text before wrapping matches in ``<mark>``.
    """
    fragments = (highlights or {}).get(row_id, {}).get(field)
    if fragments:
        return mark_safe(" … ".join(fragments))
    return conditional_escape(fallback if fallback is not None else "")


@register.filter
def facet_title(name: str) -> str:
    return str(FACET_TITLES.get(name, name))


@register.simple_tag
def row_url(kind: str, row_id: int) -> str:
    try:
        return reverse(_DETAIL_URLS[kind], args=[row_id])
    except (NoReverseMatch, KeyError):
        return ""


# Query-string parameter each facet filters by.
FACET_PARAMS = {
    "category": "category",
    "domestic": "is_domestic",
    "province": "province",
    "manufacturer": "manufacturer",
}


@register.simple_tag(takes_context=True)
def facet_url(context: template.Context, name: str, value: str) -> str:
    """The current query string with facet ``name`` set to ``value`` (or cleared when already set), page reset."""
    request = context.get("request")
    params = request.GET.copy() if request is not None else {}
    param = FACET_PARAMS.get(name, name)
    if params.get(param) == str(value):
        params.pop(param, None)
    else:
        params[param] = str(value)
    params.pop("page", None)
    encoded = params.urlencode() if hasattr(params, "urlencode") else ""
    return "?" + encoded


@register.simple_tag(takes_context=True)
def facet_active(context: template.Context, name: str, value: str) -> bool:
    request = context.get("request")
    return request is not None and request.GET.get(FACET_PARAMS.get(name, name)) == str(value)


@register.simple_tag(takes_context=True)
def page_url(context: template.Context, page: int) -> str:
    request = context.get("request")
    params = request.GET.copy() if request is not None else None
    if params is None:
        return f"?page={page}"
    params["page"] = str(page)
    return "?" + params.urlencode()
