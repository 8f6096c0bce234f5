"""Page forms of the catalog; they collect input, the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from accounts.forms import ProvinceChoiceField, ProvinceMultipleChoiceField
from accounts.models import Organization, Province
from catalog.models import Category, Evaluation, Parameter, Product, ProductDocument, Specification
from catalog.selectors import ProductFilters
from catalog.values import (
    ENTERED_DIGITS,
    InvalidValue,
    compatible_units,
    format_number,
    key_part_origin,
    unit_choice_label,
)
from catalog.vocabulary import choice_label
from search.backends.base import SORTS
from search.params import SORT_CHOICES


def country_choices() -> list[tuple[str, str]]:
    """Countries named and sorted in the reader's language: read when a form is shown, not once at start-up."""
    return [(code, str(name)) for code, name in countries]


def style_fields(form: forms.Form, *, small: bool = False) -> None:
    """Bootstrap classes on every widget, so templates can render fields as they are."""
    size = " form-control-sm" if small else ""
    select_size = " form-select-sm" if small else ""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, (forms.CheckboxInput,)):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
            widget.attrs.setdefault("class", "form-select" + select_size)
        else:
            widget.attrs.setdefault("class", "form-control" + size)


class ProductFilterForm(forms.Form):
    q = forms.CharField(label=_("Keywords"), required=False, max_length=200)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.order_by("path"), required=False, empty_label=_("All")
    )
    origin = forms.ChoiceField(
        label=_("Origin"),
        required=False,
        choices=[("", _("All")), ("domestic", _("Domestic")), ("imported", _("Imported"))],
    )
    province = ProvinceChoiceField(
        label=_("Province served"), queryset=Province.objects.all(), required=False, empty_label=_("All")
    )
    manufacturer = forms.ModelChoiceField(
        label=_("Manufacturer"),
        queryset=Organization.objects.filter(kind=Organization.Kind.MANUFACTURER).order_by("name_zh"),
        required=False,
        empty_label=_("All"),
    )
    price_min = forms.DecimalField(label=_("Price from (CNY)"), required=False, min_value=0, max_digits=14)
    price_max = forms.DecimalField(label=_("Price up to (CNY)"), required=False, min_value=0, max_digits=14)
    sort = forms.ChoiceField(
        label=_("Sort by"), required=False, choices=[(k, v) for k, v in SORT_CHOICES if k in SORTS["products"]]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].label_from_instance = lambda c: f"{'— ' * c.depth}{c.code} {c.name}"  # type: ignore[attr-defined]
        style_fields(self, small=True)

    def sort_key(self) -> str:
        return (self.cleaned_data.get("sort") or "") if self.is_valid() else ""

    def product_filters(self) -> ProductFilters:
        data = self.cleaned_data if self.is_valid() else {}
        origin = data.get("origin")
        manufacturer = data.get("manufacturer")
        province = data.get("province")
        return ProductFilters(
            category=data.get("category"),
            is_domestic=True if origin == "domestic" else False if origin == "imported" else None,
            province=province.code if province else None,
            manufacturer=manufacturer.pk if manufacturer else None,
            price_min=data.get("price_min"),
            price_max=data.get("price_max"),
        )


class ProductForm(forms.Form):
    manufacturer = forms.ModelChoiceField(label=_("Manufacturer"), queryset=Organization.objects.none())
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.order_by("path"))
    model_number = forms.CharField(label=_("Model number"), max_length=100)
    name_zh = forms.CharField(label=_("Chinese name"), max_length=200)
    name_en = forms.CharField(label=_("English name"), max_length=200, required=False)
    description_zh = forms.CharField(
        label=_("Chinese description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    description_en = forms.CharField(
        label=_("English description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    country_of_origin = forms.ChoiceField(label=_("Country where made"), choices=country_choices, initial="CN")
    domestic_content = forms.DecimalField(
        label=_("China-produced component cost share"),
        min_value=0,
        max_value=1,
        max_digits=4,
        decimal_places=3,
        initial=0,
        help_text=_("Share of the component cost produced in China, from 0 to 1."),
    )
    key_components = forms.CharField(
        label=_("Key components"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line as 'component: country code', e.g. 'detector: CN'."),
    )
    key_processes = forms.CharField(
        label=_("Key processes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line as 'process: country code where it is done', e.g. 'final assembly: CN'."),
    )
    price_min = forms.DecimalField(label=_("Lowest price (CNY)"), required=False, min_value=0, max_digits=14)
    price_max = forms.DecimalField(label=_("Highest price (CNY)"), required=False, min_value=0, max_digits=14)
    lead_time_days = forms.IntegerField(label=_("Lead time (days)"), required=False, min_value=0, max_value=3650)
    warranty_months = forms.IntegerField(label=_("Warranty (months)"), required=False, min_value=0, max_value=600)
    provinces_served = ProvinceMultipleChoiceField(
        label=_("Provinces served"),
        queryset=Province.objects.all(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    certifications = forms.CharField(
        label=_("Certifications"), required=False, help_text=_("Separated by semicolons, e.g. 'CMC; CE'.")
    )

    def __init__(self, *args: Any, manufacturers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["manufacturer"].queryset = manufacturers  # type: ignore[attr-defined]
        self.fields["category"].label_from_instance = lambda c: f"{'— ' * c.depth}{c.code} {c.name}"  # type: ignore[attr-defined]
        style_fields(self)

    @staticmethod
    def initial_for(product: Product) -> dict[str, Any]:
        return {
            "manufacturer": product.manufacturer_id,
            "category": product.category_id,
            "model_number": product.model_number,
            "name_zh": product.name_zh,
            "name_en": product.name_en,
            "description_zh": product.description_zh,
            "description_en": product.description_en,
            "country_of_origin": str(product.country_of_origin),
            "domestic_content": product.domestic_content,
            "key_components": "\n".join(
                f"{c.get('name', '')}: {c.get('origin', '')}" for c in product.key_components or []
            ),
            "key_processes": "\n".join(
                f"{c.get('name', '')}: {c.get('origin', '')}" for c in product.key_processes or []
            ),
            "price_min": product.price_min,
            "price_max": product.price_max,
            "lead_time_days": product.lead_time_days,
            "warranty_months": product.warranty_months,
            "provinces_served": list(product.provinces_served.all()),
            "certifications": "; ".join(product.certifications or []),
        }

    @staticmethod
    def _key_parts(text: str, *, process: bool = False) -> list[dict[str, str]]:
        parts, errors = [], []
        for line in text.splitlines():
            if not line.strip():
                continue
            name, _sep, origin = line.replace("：", ":").partition(":")
            try:
                parts.append({"name": name.strip(), "origin": key_part_origin(name.strip(), origin, process=process)})
            except InvalidValue as exc:
                errors.append(str(exc))
        if errors:
            raise forms.ValidationError(errors)
        return parts

    def clean_key_components(self) -> list[dict[str, str]]:
        return self._key_parts(self.cleaned_data["key_components"])

    def clean_key_processes(self) -> list[dict[str, str]]:
        return self._key_parts(self.cleaned_data["key_processes"], process=True)

    def clean_certifications(self) -> list[str]:
        text = self.cleaned_data["certifications"].replace("；", ";")
        return [part.strip() for part in text.split(";") if part.strip()]

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for name in ("manufacturer", "provinces_served"):
            data.pop(name, None)
        return data


class SpecificationForm(forms.Form):
    """One group of fields per parameter of the category's dictionary (inherited ones included).

    Numbers and ranges get a unit choice limited to units convertible to the canonical one.
    """

    def __init__(
        self,
        *args: Any,
        parameters: list[Parameter],
        specifications: list[Specification] | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("prefix", "spec")
        super().__init__(*args, **kwargs)
        self.parameters = parameters
        existing = {spec.parameter.key: spec for spec in specifications or []}
        for parameter in parameters:
            self._add_fields(parameter, existing.get(parameter.key))
        style_fields(self, small=True)

    def _add_fields(self, parameter: Parameter, spec: Specification | None) -> None:
        key = parameter.key
        label = parameter.name
        if parameter.value_type == Parameter.ValueType.NUMBER:
            self.fields[f"{key}__value"] = forms.CharField(
                label=label,
                required=False,
                initial=format_number(spec.value, digits=ENTERED_DIGITS) if spec and spec.value is not None else "",
            )
        elif parameter.value_type == Parameter.ValueType.RANGE:
            self.fields[f"{key}__min"] = forms.CharField(
                label=label,
                required=False,
                initial=format_number(spec.value_min, digits=ENTERED_DIGITS)
                if spec and spec.value_min is not None
                else "",
            )
            self.fields[f"{key}__max"] = forms.CharField(
                label=label,
                required=False,
                initial=format_number(spec.value_max, digits=ENTERED_DIGITS)
                if spec and spec.value_max is not None
                else "",
            )
        elif parameter.value_type == Parameter.ValueType.CHOICE:
            choices = [("", "—")] + [(c, choice_label(c)) for c in parameter.choices or []]
            self.fields[f"{key}__choice"] = forms.ChoiceField(
                label=label, required=False, choices=choices, initial=spec.value_text if spec else ""
            )
        else:
            initial = "" if spec is None or spec.value_bool is None else ("yes" if spec.value_bool else "no")
            self.fields[f"{key}__bool"] = forms.ChoiceField(
                label=label,
                required=False,
                choices=[("", "—"), ("yes", _("Yes")), ("no", _("No"))],
                initial=initial,
            )
        if parameter.value_type in (Parameter.ValueType.NUMBER, Parameter.ValueType.RANGE) and parameter.unit:
            # Stored values are canonical, so an existing value is shown in the canonical unit.
            self.fields[f"{key}__unit"] = forms.ChoiceField(
                label=_("Unit"),
                required=False,
                choices=[(u, unit_choice_label(u)) for u in compatible_units(parameter.unit)],
                initial=parameter.unit,
            )

    def rows(self) -> list[dict[str, Any]]:
        """Bound fields grouped per parameter, for the template."""
        rows = []
        for parameter in self.parameters:
            key = parameter.key
            rows.append(
                {
                    "parameter": parameter,
                    "fields": [
                        self[name]
                        for name in (f"{key}__value", f"{key}__min", f"{key}__max", f"{key}__choice", f"{key}__bool")
                        if name in self.fields
                    ],
                    "unit": self[f"{key}__unit"] if f"{key}__unit" in self.fields else None,
                    "errors": self.errors.get(f"{key}__value") or self.errors.get(f"{key}__min") or [],
                }
            )
        return rows

    def specifications(self) -> list[dict[str, Any]]:
        """The filled-in values in the service's input shape; empty parameters are left out."""
        data = self.cleaned_data
        result = []
        for parameter in self.parameters:
            key = parameter.key
            unit = data.get(f"{key}__unit", "")
            if parameter.value_type == Parameter.ValueType.NUMBER and data.get(f"{key}__value"):
                result.append({"parameter": key, "value": data[f"{key}__value"], "unit": unit})
            elif parameter.value_type == Parameter.ValueType.RANGE and (
                data.get(f"{key}__min") or data.get(f"{key}__max")
            ):
                result.append(
                    {"parameter": key, "min": data.get(f"{key}__min"), "max": data.get(f"{key}__max"), "unit": unit}
                )
            elif parameter.value_type == Parameter.ValueType.CHOICE and data.get(f"{key}__choice"):
                result.append({"parameter": key, "choice": data[f"{key}__choice"]})
            elif parameter.value_type == Parameter.ValueType.BOOLEAN and data.get(f"{key}__bool"):
                result.append({"parameter": key, "bool": data[f"{key}__bool"] == "yes"})
        return result

    def add_service_errors(self, errors: dict[str, str]) -> None:
        for key, reason in errors.items():
            parameter = next((p for p in self.parameters if p.key == key), None)
            if parameter is None:
                self.add_error(None, f"{key}: {reason}")
                continue
            field = {
                Parameter.ValueType.NUMBER: "__value",
                Parameter.ValueType.RANGE: "__min",
                Parameter.ValueType.CHOICE: "__choice",
                Parameter.ValueType.BOOLEAN: "__bool",
            }[Parameter.ValueType(parameter.value_type)]
            self.add_error(f"{key}{field}", reason)


class DocumentForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_fields(self)

    # Left as it comes, the file says what it is: an image is the product's image, a PDF its brochure.
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("", _("From the file (an image, or a PDF brochure)")), *ProductDocument.Kind.choices],
        required=False,
    )
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    file = forms.FileField(label=_("File"), help_text=_("PDF up to 20 MB, or an image (PNG, JPEG, WebP) up to 5 MB."))


class DocumentReplaceForm(forms.Form):
    file = forms.FileField(label=_("New file"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_fields(self, small=True)


class ImportForm(forms.Form):
    manufacturer = forms.ModelChoiceField(label=_("Manufacturer"), queryset=Organization.objects.none())
    file = forms.FileField(label=_("CSV or XLSX file"))
    atomic = forms.BooleanField(
        label=_("All or nothing"),
        required=False,
        initial=True,
        help_text=_("Write nothing if any row is bad."),
    )
    publish = forms.BooleanField(label=_("Publish the imported products"), required=False)

    def __init__(self, *args: Any, manufacturers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["manufacturer"].queryset = manufacturers  # type: ignore[attr-defined]
        if manufacturers.count() == 1:
            self.fields["manufacturer"].initial = manufacturers.first()
        style_fields(self)


class EvaluationForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("On behalf of"), queryset=Organization.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=Evaluation.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    document = forms.FileField(label=_("Report document"), required=False, help_text=_("Required for test reports."))
    accuracy = forms.TypedChoiceField(label=_("Accuracy"), choices=[(i, i) for i in range(1, 6)], coerce=int)
    stability = forms.TypedChoiceField(label=_("Stability"), choices=[(i, i) for i in range(1, 6)], coerce=int)
    reliability = forms.TypedChoiceField(label=_("Reliability"), choices=[(i, i) for i in range(1, 6)], coerce=int)
    service = forms.TypedChoiceField(label=_("Service"), choices=[(i, i) for i in range(1, 6)], coerce=int)

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]
        style_fields(self)
