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


# Query-string parameters each facet value sets. The domestic facet sets both spellings in use, so the same
# include filters on the search page (is_domestic) and on the catalog list (origin).
_ORIGIN = {"true": "domestic", "false": "imported"}


def _facet_params(name: str, value: str) -> dict[str, str]:
    if name == "domestic":
        return {"is_domestic": value, "origin": _ORIGIN.get(value, value)}
    return {name: value}


def _is_active(params: Any, name: str, value: str) -> bool:
    return any(params.get(key) == wanted for key, wanted in _facet_params(name, str(value)).items())


@register.simple_tag(takes_context=True)
def facet_url(context: template.Context, name: str, value: str) -> str:
    """The current query string with facet ``name`` set to ``value`` (or cleared when already set), page reset."""
    request = context.get("request")
    if request is None:
        return "?" + "&".join(f"{k}={v}" for k, v in _facet_params(name, str(value)).items())
    params = request.GET.copy()
    active = _is_active(params, name, value)
    for key, wanted in _facet_params(name, str(value)).items():
        params.pop(key, None)
        if not active:
            params[key] = wanted
    params.pop("page", None)
    return "?" + params.urlencode()


@register.simple_tag(takes_context=True)
def facet_active(context: template.Context, name: str, value: str) -> bool:
    request = context.get("request")
    return request is not None and _is_active(request.GET, name, value)


@register.simple_tag(takes_context=True)
def page_url(context: template.Context, page: int) -> str:
    request = context.get("request")
    params = request.GET.copy() if request is not None else None
    if params is None:
        return f"?page={page}"
    params["page"] = str(page)
    return "?" + params.urlencode()
