from __future__ import annotations

from django import forms, template
from django.forms.boundfield import BoundField

register = template.Library()


@register.filter
def fields_named(form: forms.Form, names: str) -> list[BoundField]:
    """The form's bound fields named in a space-separated list, in that order (to split a form into parts)."""
    return [form[name] for name in names.split() if name in form.fields]
