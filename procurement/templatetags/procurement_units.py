"""Template filters for showing units the way people write them."""

from __future__ import annotations

from django import template

from catalog.values import display_unit

register = template.Library()


@register.filter
def unit_label(unit: str) -> str:
    """'degC' → '°C', 'percent' → '%'; other units as they are."""
    if not unit:
        return ""
    return display_unit(unit)
