"""Page forms. They collect input and show errors; the services decide what is allowed."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any, cast

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from accounts.forms import ProvinceChoiceField
from accounts.models import Organization, Province
from catalog.models import Category, Parameter, Product
from catalog.values import ENTERED_DIGITS, compatible_units, format_entered, format_number, unit_choice_label
from catalog.vocabulary import choice_label
from config.exceptions import ApplicationError
from config.forms import IsoDateInput, MarksInvalidFields
from procurement.models import Demand, SharedInstrument
from procurement.requirement_rules import (
    RequirementInput,
    default_operator,
    operators_for,
    requirement_clean,
)
from procurement.services.demands import demand_field_errors

# The symbol first: a select narrowed to a phone's width still shows which operator is chosen.
OPERATOR_LABELS = {
    ">=": format_lazy("≥ {}", _("at least")),
    "<=": format_lazy("≤ {}", _("at most")),
    "=": format_lazy("= {}", _("equal to")),
    "covers": format_lazy("↔ {}", _("covers the range")),
    "in": format_lazy("∈ {}", _("one of")),
}


def style(form: forms.BaseForm) -> None:
    """Bootstrap classes on every widget, so templates render fields without a form library."""
    for bound in form.visible_fields():
        widget = bound.field.widget
        if isinstance(widget, (forms.CheckboxInput, forms.CheckboxSelectMultiple, forms.RadioSelect)):
            css = "form-check-input" if isinstance(widget, forms.CheckboxInput) else ""
        elif isinstance(widget, forms.Select):
            css = "form-select form-select-sm" if form.prefix and form.prefix.startswith("req-") else "form-select"
        else:
            css = "form-control form-control-sm" if form.prefix and form.prefix.startswith("req-") else "form-control"
        if css:
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return f"{'— ' * obj.depth}{obj.code} {obj.name}"


def institution_queryset(org_ids: Iterable[int]) -> Any:
    return Organization.objects.filter(pk__in=list(org_ids), kind=Organization.Kind.INSTITUTION).order_by("name_zh")


class DemandForm(MarksInvalidFields, forms.Form):
    institution = forms.ModelChoiceField(queryset=Organization.objects.none(), label=_("Institution"))
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    category = CategoryChoiceField(queryset=Category.objects.order_by("path"), label=_("Category"))
    quantity = forms.IntegerField(label=_("Quantity"), initial=1)
    budget = forms.DecimalField(label=_("Budget (CNY)"), required=False, max_digits=14, decimal_places=2)
    deadline = forms.DateField(label=_("Deadline"), widget=IsoDateInput)
    delivery_province = ProvinceChoiceField(queryset=Province.objects.order_by("code"), label=_("Delivery province"))
    funding = forms.ChoiceField(label=_("Funding"), choices=Demand.Funding.choices, initial=Demand.Funding.FISCAL)
    is_sealed = forms.BooleanField(
        label=_("Seal the quotes until the deadline"),
        required=False,
        initial=True,
        help_text=_(
            "Nobody reads a sealed quote before they all open together after the deadline; the rule for fiscal funds."
        ),
    )
    accepts_imported = forms.BooleanField(label=_("An imported product would be accepted"), required=False)
    import_reason = forms.CharField(
        label=_("Why an imported product would be accepted"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    free_text_requirements = forms.CharField(
        label=_("Other requirements (free text)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Requirements no dictionary parameter covers; the matcher reads them as text."),
    )
    contact_name = forms.CharField(label=_("Contact name"), max_length=100, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=32, required=False)
    contact_email = forms.EmailField(label=_("Contact email"), required=False)

    def __init__(self, *args: Any, institutions: Any, lock_category: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions  # type: ignore[attr-defined]
        if institutions.count() == 1:
            self.fields["institution"].initial = institutions.first()
        self.fields["category"].widget.attrs.update(
            {
                "hx-get": reverse("procurement:requirement-rows"),
                "hx-trigger": "change",
                "hx-target": "#requirement-rows",
                "hx-swap": "innerHTML",
            }
        )
        if lock_category:
            self.fields["category"].disabled = True
            self.fields["institution"].disabled = True
            self.fields["is_sealed"].disabled = True
        style(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # The service's own field rules, checked now so every error shows on the first submit.
        probe = Demand(**{name: data.get(name) for name in DEMAND_RULE_FIELDS})
        for name, messages in demand_field_errors(probe, today=timezone.localdate()).items():
            if name in self.fields and name not in self.errors:
                for message in messages:
                    self.add_error(name, message)
        return data

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("institution", None)
        return data


# The demand fields the service's rules read (see demand_field_errors).
DEMAND_RULE_FIELDS = (
    "title",
    "description",
    "quantity",
    "budget",
    "deadline",
    "funding",
    "accepts_imported",
    "import_reason",
    "free_text_requirements",
    "contact_name",
    "contact_phone",
    "contact_email",
)


class RequirementRowForm(MarksInvalidFields, forms.Form):
    """One row of the requirements table: a parameter of the category's dictionary, left empty when not needed."""

    include = forms.BooleanField(label=_("Required"), required=False)
    operator = forms.ChoiceField(label=_("Operator"), choices=(), required=False)
    value = forms.CharField(label=_("Value"), required=False, max_length=50)
    value_min = forms.CharField(label=_("From"), required=False, max_length=50)
    value_max = forms.CharField(label=_("To"), required=False, max_length=50)
    choices = forms.MultipleChoiceField(
        label=_("Choices"),
        required=False,
        choices=(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    unit = forms.ChoiceField(label=_("Unit"), choices=(), required=False)
    is_mandatory = forms.BooleanField(label=_("Mandatory"), required=False, initial=True)
    weight = forms.FloatField(label=_("Weight"), required=False, initial=1.0, min_value=0)

    def __init__(self, *args: Any, parameter: Parameter, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.parameter = parameter
        self.fields["operator"].choices = [(op, OPERATOR_LABELS[op]) for op in operators_for(parameter)]  # type: ignore[attr-defined]
        self.fields["operator"].initial = default_operator(parameter)
        self.fields["unit"].choices = [(u, unit_choice_label(u)) for u in compatible_units(parameter.unit)]  # type: ignore[attr-defined]
        if parameter.value_type == Parameter.ValueType.CHOICE:
            self.fields["choices"].choices = [(str(c), choice_label(c)) for c in parameter.choices or []]  # type: ignore[attr-defined]
        if parameter.value_type == Parameter.ValueType.BOOLEAN:
            self.fields["value"] = forms.ChoiceField(
                label=_("Value"), required=False, choices=[("true", _("Yes")), ("false", _("No"))]
            )
        style(self)

    @property
    def value_type(self) -> str:
        return self.parameter.value_type

    @property
    def error_label(self) -> str:
        return str(self.parameter.name)

    @property
    def error_anchor(self) -> str:
        return f"row-{self.parameter.key}"

    def to_input(self) -> RequirementInput | None:
        data = self.cleaned_data
        if not data.get("include"):
            return None
        weight = data.get("weight")
        return RequirementInput(
            parameter_key=self.parameter.key,
            operator=data.get("operator") or "",
            value=data.get("value"),
            value_min=data.get("value_min"),
            value_max=data.get("value_max"),
            choices=list(data.get("choices") or []),
            unit=data.get("unit") or "",
            is_mandatory=bool(data.get("is_mandatory")),
            weight=1.0 if weight is None else weight,
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        requirement = self.to_input()
        if requirement is not None:
            try:
                requirement_clean(self.parameter, requirement)
            except ApplicationError as exc:
                self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        return data


def _typed(value: Any) -> str:
    """A requirement's value back in its box as the person typed it, never in scientific notation."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return format_number(value, digits=ENTERED_DIGITS)
    return format_entered(value)


class RequirementRows:
    """The requirement rows that follow a category's dictionary (one form per parameter, prefixed by its key)."""

    def __init__(
        self,
        parameters: Sequence[Parameter],
        data: Any = None,
        initial: Sequence[RequirementInput] = (),
    ) -> None:
        given = {r.parameter_key: r for r in initial}
        self.forms: list[RequirementRowForm] = []
        for parameter in parameters:
            start = given.get(parameter.key)
            initial_row: dict[str, Any] = {"unit": parameter.unit}
            if start is not None:
                initial_row = {
                    "include": True,
                    "operator": start.operator,
                    "value": _typed(start.value),
                    "value_min": _typed(start.value_min),
                    "value_max": _typed(start.value_max),
                    "choices": list(start.choices),
                    "unit": start.unit or parameter.unit,
                    "is_mandatory": start.is_mandatory,
                    "weight": start.weight,
                }
            self.forms.append(
                RequirementRowForm(data, parameter=parameter, prefix=f"req-{parameter.key}", initial=initial_row)
            )

    def is_valid(self) -> bool:
        # Every row is validated (no short-circuit), so all their errors show at once.
        results = [form.is_valid() for form in self.forms]
        return all(results)

    def inputs(self) -> list[RequirementInput]:
        return [r for r in (form.to_input() for form in self.forms) if r is not None]

    def apply_service_errors(self, exc: ApplicationError) -> bool:
        """Put a service's per-row errors on the rows; False when the error is not about requirements."""
        rows = exc.extra.get("requirements")
        if not rows:
            return False
        included = [form for form in self.forms if form.cleaned_data.get("include")]
        for form, errors in zip(included, rows, strict=False):
            for name, messages in errors.items():
                for message in messages:
                    form.add_error(name if name in form.fields else None, message)
        return True


def apply_error(form: forms.BaseForm, exc: ApplicationError) -> None:
    """Show a service error on the field it names, or above the form; every field's when the service lists them."""
    by_field = exc.extra.get("fields")
    if isinstance(by_field, dict) and by_field:
        for name, messages in by_field.items():
            for message in messages:
                form.add_error(name if name in form.fields else None, message)
        return
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


class StyledForm(MarksInvalidFields, forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self)


class SharedCheckForm(StyledForm):
    answer = forms.ChoiceField(
        label=_("Your answer"),
        widget=forms.RadioSelect,
        choices=[
            (Demand.SharedCheck.NONE_FOUND, _("No listed instrument fits this need")),
            (Demand.SharedCheck.STILL_NEEDED, _("A listed instrument exists, but a new purchase is still needed")),
            (Demand.SharedCheck.WITHDRAWN, _("We will use a shared instrument instead (the demand is cancelled)")),
        ],
    )
    reason = forms.CharField(
        label=_("Why a new purchase is needed"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class RevisionForm(StyledForm):
    reason = forms.CharField(label=_("Reason for the change"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    free_text_requirements = forms.CharField(
        label=_("Other requirements (free text)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class DemandFilterForm(StyledForm):
    """The filters of the demand lists (pages and API)."""

    q = forms.CharField(label=_("Keywords"), required=False, max_length=200)
    category = CategoryChoiceField(queryset=Category.objects.order_by("path"), label=_("Category"), required=False)
    province = ProvinceChoiceField(
        queryset=Province.objects.order_by("code"), label=_("Delivery province"), required=False
    )
    budget_min = forms.DecimalField(label=_("Budget from (CNY)"), required=False, min_value=0)
    budget_max = forms.DecimalField(label=_("Budget up to (CNY)"), required=False, min_value=0)
    deadline_after = forms.DateField(label=_("Deadline from"), required=False, widget=IsoDateInput)
    deadline_before = forms.DateField(label=_("Deadline until"), required=False, widget=IsoDateInput)
    sort = forms.ChoiceField(label=_("Sort by"), required=False)

    # The orders a list offers: the public list pages through search, the manufacturer's list adds match score.
    SORT_LABELS = {
        "": _("Most relevant, newest first"),
        "newest": _("Newest"),
        "deadline": _("Deadline, soonest first"),
        "-budget": _("Budget, largest first"),
        "match": _("Best match for my products"),
    }

    def __init__(self, *args: Any, sorts: Iterable[str] = ("", "newest", "deadline", "-budget"), **kwargs: Any):
        super().__init__(*args, **kwargs)
        labels = dict(self.SORT_LABELS, **({"": _("Deadline, soonest first")} if "deadline" not in sorts else {}))
        cast(forms.ChoiceField, self.fields["sort"]).choices = [(key, labels[key]) for key in sorts]

    def sort_key(self) -> str:
        return (self.cleaned_data.get("sort") or "") if self.is_valid() else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("budget_min"), data.get("budget_max")
        if low is not None and high is not None and low > high:
            self.add_error("budget_max", _("The upper budget is below the lower one."))
        after, before = data.get("deadline_after"), data.get("deadline_before")
        if isinstance(after, datetime.date) and isinstance(before, datetime.date) and after > before:
            self.add_error("deadline_before", _("This date is before the start date."))
        return data

    def filters(self) -> dict[str, Any]:
        """SearchQuery filters (ids and codes, not rows)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        filters: dict[str, Any] = {}
        if data.get("category"):
            filters["category"] = data["category"].pk
        if data.get("province"):
            filters["province"] = data["province"].pk
        for key in ("budget_min", "budget_max", "deadline_after", "deadline_before"):
            if data.get(key) is not None:
                filters[key] = data[key]
        return filters

    def text(self) -> str:
        return (self.cleaned_data.get("q") or "").strip() if self.is_valid() else ""


class ProductChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Product) -> str:
        return f"{obj.manufacturer.name} {obj.model_number} {obj.name}"


class SharedInstrumentForm(forms.ModelForm):
    category = CategoryChoiceField(queryset=Category.objects.order_by("path"), label=_("Category"))
    product = ProductChoiceField(
        queryset=Product.objects.filter(status=Product.Status.PUBLISHED)
        .select_related("manufacturer")
        .order_by("manufacturer__name_zh", "model_number"),
        label=_("Catalog product"),
        required=False,
        help_text=_("If the instrument is listed in the catalog; otherwise write the manufacturer and model."),
    )
    booking_url = forms.URLField(label=_("Booking link"), required=False, assume_scheme="https")

    class Meta:
        model = SharedInstrument
        fields = [
            "institution",
            "name",
            "category",
            "product",
            "model_name",
            "manufacturer_name",
            "location",
            "province",
            "booking_contact",
            "booking_url",
            "is_open_to_external",
        ]

    def __init__(self, *args: Any, institutions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions  # type: ignore[attr-defined]
        self.fields["institution"].empty_label = None  # type: ignore[attr-defined]
        if self.instance.pk:
            self.fields["institution"].disabled = True
        style(self)

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("institution", None)
        return data


class SharedInstrumentImportForm(forms.Form):
    institution = forms.ModelChoiceField(queryset=Organization.objects.none(), label=_("Institution"), empty_label=None)
    file = forms.FileField(label=_("CSV or XLSX file"))

    def __init__(self, *args: Any, institutions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions  # type: ignore[attr-defined]
        style(self)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the service checks each of them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class QuoteForm(MarksInvalidFields, forms.Form):
    """A quote's terms; "save as draft" keeps them for later, "send" submits them (the service checks both)."""

    product = forms.ModelChoiceField(queryset=Product.objects.none(), label=_("Product"), empty_label=None)
    unit_price = forms.DecimalField(
        label=_("Unit price (CNY)"), max_digits=14, decimal_places=2, min_value=0, required=False
    )
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, required=False)
    lead_time_days = forms.IntegerField(label=_("Lead time (days)"), required=False, min_value=0)
    warranty_months = forms.IntegerField(label=_("Warranty (months)"), required=False, min_value=0)
    service_provinces = forms.ModelMultipleChoiceField(
        queryset=Province.objects.order_by("code"),
        label=_("Service network (provinces)"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    service_response_hours = forms.IntegerField(label=_("Service response time (hours)"), required=False, min_value=0)
    declared_origin = forms.ChoiceField(label=_("Declared country of origin"), required=False)
    component_cost_share = forms.DecimalField(
        label=_("China-made component cost share (0 to 1)"),
        max_digits=4,
        decimal_places=3,
        min_value=0,
        max_value=1,
        required=False,
    )
    documents = MultipleFileField(label=_("Documents (PDF)"), required=False)
    message = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args: Any, products: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products  # type: ignore[attr-defined]
        self.fields["declared_origin"].choices = [  # type: ignore[attr-defined]
            ("", _("As the product states")),
            *[(code, str(name)) for code, name in countries],
        ]
        style(self)

    def terms(self) -> dict[str, Any]:
        """The cleaned terms as ``quote_submit`` takes them (without the product)."""
        terms = {name: value for name, value in self.cleaned_data.items() if name != "product"}
        terms["service_provinces"] = list(terms.get("service_provinces") or [])
        terms["documents"] = terms.get("documents") or []
        return terms


class ImportJustificationForm(forms.Form):
    imported_product = ProductChoiceField(queryset=Product.objects.none(), label=_("Imported product"))
    reason = forms.CharField(
        label=_("Why no domestic product will do"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Name the specifications no domestic product meets and the evidence for it."),
    )
    domestic_products_considered = forms.ModelMultipleChoiceField(
        queryset=Product.objects.none(),
        label=_("Domestic products considered"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    document = forms.FileField(label=_("Evidence document (PDF)"), required=False)

    def __init__(self, *args: Any, imported: Any, domestic: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["imported_product"].queryset = imported  # type: ignore[attr-defined]
        self.fields["domestic_products_considered"].queryset = domestic  # type: ignore[attr-defined]
        self.fields["domestic_products_considered"].label_from_instance = (  # type: ignore[attr-defined]
            lambda p: f"{p.manufacturer.name} {p.model_number} {p.name}"
        )
        style(self)
