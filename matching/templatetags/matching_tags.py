"""Small helpers for match templates: links to other apps' pages and readable numbers."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from catalog.values import display_unit, format_entered, format_number

register = template.Library()


@register.simple_tag
def url_or_empty(name: str, pk: int) -> str:
    """A link to another app's page when that page exists; matching must render without it."""
    try:
        return reverse(name, kwargs={"pk": pk})
    except NoReverseMatch:
        return ""


@register.filter
def num(value: Any) -> str:
    """A number as a person writes it: 1000, 0.5, 0.0000125 (never in scientific notation)."""
    if value is None or value == "":
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return format_number(value)
    return format_entered(value)


@register.filter
def percent(value: Any) -> str:
    try:
        return f"{float(value) * 100:.0f}%"
    except (TypeError, ValueError):
        return ""


@register.filter
def localized(names: Any) -> str:
    """``{"name_zh", "name_en"}`` from a report snapshot, in the active language."""
    if not isinstance(names, dict):
        return str(names or "")
    if translation.get_language() == "en":
        return str(names.get("name_en") or names.get("name_zh") or "")
    return str(names.get("name_zh") or "")


@register.filter
def get(mapping: Any, key: str) -> Any:
    return mapping.get(key, "") if isinstance(mapping, dict) else ""


@register.filter
def unit_label(unit: str) -> str:
    """A stored unit as people write it: 'm_z' → 'm/z', 'degC' → '°C'."""
    return display_unit(unit or "")


@register.filter
def operator_symbol(op: str) -> str:
    return {">=": "≥", "<=": "≤", "=": "=", "covers": "⊇", "in": "∈"}.get(op, op)
