"""Template filters that name the catalog's stored values for people: options, yes/no answers, countries."""

from __future__ import annotations

from typing import Any

from django import template
from django_countries import countries

from catalog.specvalues import display_value
from catalog.values import format_entered, format_number
from catalog.vocabulary import choices_label

register = template.Library()


@register.filter
def value_label(value: Any) -> Any:
    """A stored option, yes/no answer or set of options by its name ('isocratic' → 等度泵); numbers as they are."""
    if isinstance(value, str):
        return choices_label(value)
    return value


@register.filter
def country_name(code: Any) -> str:
    """An ISO 3166 code by the country's name in the reader's language; an unknown or empty code as '?'."""
    name = countries.name(str(code or "").upper())
    return str(name) if name else "?"


@register.filter
def number(value: Any) -> str:
    """A stored float as a person writes it: 0.01, not 0.0100 or 1e-02."""
    if value is None or value == "":
        return ""
    try:
        return format_number(float(value))
    except (TypeError, ValueError):
        return str(value)


@register.filter
def entered(value: Any) -> str:
    """An as-entered value as the person typed it, numbers in scientific notation written out (1e-05 → 0.00001)."""
    return format_entered(value)


@register.filter
def specification(spec: Any) -> str:
    """A stored specification (its parameter loaded) in the parameter's canonical unit: 60 MPa, 190–900 nm."""
    return display_value(spec.parameter, spec)
