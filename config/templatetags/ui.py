"""Template tags every app's pages share: the error summary above a form, amounts and grouped numbers."""

from __future__ import annotations

from typing import Any

from django import forms, template

from config.formatting import amount_cny, amount_cny_range, grouped

register = template.Library()


def _forms_of(*sources: Any) -> list[forms.BaseForm]:
    found: list[forms.BaseForm] = []
    for source in sources:
        if isinstance(source, forms.BaseForm):
            found.append(source)
        elif hasattr(source, "forms"):  # a group of forms, such as a demand's requirement rows
            found.extend(f for f in source.forms if isinstance(f, forms.BaseForm))
    return found


@register.inclusion_tag("includes/error_summary.html")
def error_summary(*sources: Any) -> dict[str, Any]:
    """Every error of the given forms in one list above them, in page order: the main form's fields first, then
    each requirement row's. Each entry links to the field it is about, where the same message stands."""
    items: list[dict[str, str]] = []
    for form in _forms_of(*sources):
        if not form.is_bound or not form.errors:
            continue
        prefix = str(getattr(form, "error_label", "") or "")
        anchor = str(getattr(form, "error_anchor", "") or "")
        items.extend({"label": prefix, "message": str(e), "anchor": anchor} for e in form.non_field_errors())
        for bound in form:
            for error in bound.errors:
                label = f"{prefix} · {bound.label}" if prefix else str(bound.label)
                items.append({"label": label, "message": str(error), "anchor": bound.id_for_label or anchor})
    return {"items": items}


@register.filter
def cny(value: Any) -> str:
    """A budget or price: 229.7 万元 in Chinese, CNY 2,297,000 in English."""
    return amount_cny(value)


@register.simple_tag
def cny_range(low: Any, high: Any) -> str:
    """A price range: 30–50 万元 in Chinese, CNY 300,000–500,000 in English."""
    return amount_cny_range(low, high)


@register.filter
def cny_exact(value: Any) -> str:
    """A quoted price to the fen: 1,234,567.80 元 / CNY 1,234,567.80."""
    return amount_cny(value, exact=True)


@register.filter(name="grouped")
def grouped_filter(value: Any, decimals: int = 0) -> str:
    """Digits grouped by thousands in every language."""
    return grouped(value, int(decimals))
