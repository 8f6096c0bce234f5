from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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
