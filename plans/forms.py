from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from catalog.models import Category


class PlanUploadForm(forms.Form):
    institution = forms.ModelChoiceField(label=_("Institution"), queryset=Organization.objects.none())
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.order_by("path"))
    file = forms.FileField(label=_("Plan file (CSV or XLSX)"))

    def __init__(self, *args: Any, institutions: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if institutions is not None:
            self.fields["institution"].queryset = institutions  # type: ignore[attr-defined]
