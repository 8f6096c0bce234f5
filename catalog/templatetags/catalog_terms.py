"""Template filters that name the catalog's stored values for people: options, yes/no answers, countries."""

from __future__ import annotations

from typing import Any

from django import template
from django_countries import countries

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
