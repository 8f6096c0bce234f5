"""Turning validated request parameters (page form or API query string) into a SearchQuery."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from search.backends.base import FACETS, FILTERS, SORTS
from search.selectors import SearchQuery

MAX_PAGE_SIZE = 100
# Deep paging is refused: the Elasticsearch window ends at 10,000 hits and nobody reads that far.
MAX_RESULT_WINDOW = 10_000
KIND_LABELS = {"products": _("products"), "demands": _("demands")}
# The lower bound an upper bound is compared with, as the error message names it (never the parameter's key).
LOWER_BOUNDS = {
    "price_min": _("the lowest price"),
    "budget_min": _("the lowest budget"),
    "deadline_after": _("the earliest deadline"),
}
# What each order is called on pages (the API takes the keys).
SORT_LABELS = {
    "": _("Recommended: domestic first"),
    "newest": _("Newest"),
    "price": _("Price, lowest first"),
    "-price": _("Price, highest first"),
    "deadline": _("Deadline, soonest first"),
    "-budget": _("Budget, largest first"),
}
SORT_CHOICES = [(key, SORT_LABELS[key]) for key in dict.fromkeys(k for keys in SORTS.values() for k in keys)]
FACET_TITLES = {
    "category": _("Category"),
    "domestic": _("Origin"),
    "province": _("Province"),
    "manufacturer": _("Manufacturer"),
}


def filter_errors(data: dict[str, Any]) -> dict[str, str]:
    """Rule errors in cleaned parameters, by field: filters of the other kind, inverted ranges, deep pages."""
    kind = data.get("kind") or "products"
    errors: dict[str, str] = {}
    all_filters = {name for names in FILTERS.values() for name in names}
    for name in sorted(all_filters - set(FILTERS[kind])):
        if data.get(name) not in (None, ""):
            errors[name] = str(_("This filter does not apply to %(kind)s.") % {"kind": KIND_LABELS[kind]})
    for low, high in (("price_min", "price_max"), ("budget_min", "budget_max"), ("deadline_after", "deadline_before")):
        if data.get(low) is not None and data.get(high) is not None and data[low] > data[high]:
            errors[high] = str(_("Must not be less than %(field)s.") % {"field": LOWER_BOUNDS[low]})
    if (data.get("sort") or "") not in SORTS[kind]:
        errors["sort"] = str(
            _("%(kind)s cannot be sorted by “%(sort)s”; choose one of: %(choices)s.")
            % {
                "kind": KIND_LABELS[kind],
                "sort": data["sort"],
                "choices": ", ".join(key for key in SORTS[kind] if key),
            }
        )
    page, page_size = data.get("page") or 1, data.get("page_size") or 20
    if page * page_size > MAX_RESULT_WINDOW:
        errors["page"] = str(_("Results beyond the first %(n)s cannot be paged to.") % {"n": MAX_RESULT_WINDOW})
    return errors


def query_from(data: dict[str, Any]) -> SearchQuery:
    kind = data.get("kind") or "products"
    filters = {name: data[name] for name in FILTERS[kind] if data.get(name) not in (None, "")}
    return SearchQuery(
        kind=kind,
        text=(data.get("q") or "").strip(),
        filters=filters,
        facets=FACETS[kind],
        page=data.get("page") or 1,
        page_size=data.get("page_size") or 20,
        sort=data.get("sort") or "",
    )
