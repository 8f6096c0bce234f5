from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Province
from catalog.models import Category
from config.forms import IsoDateInput


class ReportGenerateForm(forms.Form):
    period_start = forms.DateField(label=_("Period start"), widget=IsoDateInput)
    period_end = forms.DateField(label=_("Period end"), widget=IsoDateInput)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["period_start"].initial = today - timedelta(days=7)
        self.fields["period_end"].initial = today
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"


class ReportNoteForm(forms.Form):
    note = forms.CharField(label=_("Reviewer's note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note"].widget.attrs["class"] = "form-control"


class StatsFilterForm(forms.Form):
    """The statistics page's filters (the same query parameters as its downloads and the API)."""

    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.order_by("path"), required=False, empty_label=_("All")
    )
    province = forms.ModelChoiceField(
        label=_("Delivery province"), queryset=Province.objects.order_by("code"), required=False, empty_label=_("All")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].label_from_instance = lambda c: f"{'— ' * c.depth}{c.code} {c.name}"  # type: ignore[attr-defined]
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"

    def filters(self) -> dict[str, Any]:
        """``category`` (a Category) and ``province`` (a GB/T 2260 code), or nothing when the input is invalid."""
        if not self.is_bound or not self.is_valid():
            return {"category": None, "province": None}
        province = self.cleaned_data.get("province")
        return {"category": self.cleaned_data.get("category"), "province": province.code if province else None}
