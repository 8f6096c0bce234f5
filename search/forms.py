from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from config.forms import IsoDateInput
from search.backends.base import FILTERS, SORTS
from search.params import MAX_PAGE_SIZE, SORT_CHOICES, filter_errors, query_from
from search.selectors import SearchQuery


class SearchForm(forms.Form):
    """The search page's parameters (the same names as the API's query string)."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    kind = forms.ChoiceField(
        label=_("Search in"),
        choices=[("products", _("Products")), ("demands", _("Demands"))],
        required=False,
    )
    category = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    is_domestic = forms.NullBooleanField(required=False, widget=forms.HiddenInput)
    province = forms.RegexField(r"^\d{6}$", required=False, widget=forms.HiddenInput)
    manufacturer = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    price_min = forms.DecimalField(label=_("Lowest price"), required=False, min_value=0, max_digits=14)
    price_max = forms.DecimalField(label=_("Highest price"), required=False, min_value=0, max_digits=14)
    budget_min = forms.DecimalField(label=_("Lowest budget"), required=False, min_value=0, max_digits=14)
    budget_max = forms.DecimalField(label=_("Highest budget"), required=False, min_value=0, max_digits=14)
    deadline_after = forms.DateField(label=_("Deadline from"), required=False, widget=IsoDateInput)
    deadline_before = forms.DateField(label=_("Deadline until"), required=False, widget=IsoDateInput)
    sort = forms.ChoiceField(label=_("Sort by"), choices=SORT_CHOICES, required=False)
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    page_size = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE, widget=forms.HiddenInput)

    def clean_is_domestic(self) -> bool | None:
        # NullBooleanField reads "true"/"false" as well as "1"/"0"; an absent value means no filter.
        value = self.cleaned_data.get("is_domestic")
        return value if self.data.get("is_domestic") not in (None, "") else None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind = cleaned["kind"] = cleaned.get("kind") or "products"
        # Switching between products and demands keeps the facet filters in the page's hidden fields; the
        # ones that do not apply to the new kind are dropped rather than reported.
        for name in {n for names in FILTERS.values() for n in names} - set(FILTERS[kind]):
            cleaned[name] = None
        if (cleaned.get("sort") or "") not in SORTS[kind]:
            cleaned["sort"] = ""
        for name, message in filter_errors(cleaned).items():
            self.add_error(name if name in self.fields else None, message)
        return cleaned

    def sort_choices(self) -> list[tuple[str, str]]:
        """The orders of the kind being searched, for the page's select."""
        kind = (self.cleaned_data.get("kind") if self.is_bound and self.is_valid() else None) or "products"
        return [(key, str(label)) for key, label in SORT_CHOICES if key in SORTS[kind]]

    def to_query(self) -> SearchQuery:
        return query_from(self.cleaned_data)
