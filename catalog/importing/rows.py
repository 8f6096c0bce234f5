"""Rows of an import file: the columns, the report types, and validation against the dictionary (no writes)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from accounts.models import Province
from accounts.regions import province_code
from catalog.domestic import RuleBook
from catalog.models import Category, Parameter, Product
from catalog.selectors import category_dictionary
from catalog.specvalues import CleanSpecification, clean_specification
from catalog.tabular import RowError, RowReport, cell_text, data_rows, is_formula
from catalog.values import InvalidValue, country_code, key_part_origin

# Product columns in template order; "required" ones must be filled for a new product.
PRODUCT_COLUMNS: list[tuple[str, bool]] = [
    ("model_number", True),
    ("name_zh", True),
    ("name_en", False),
    ("category", True),
    ("country_of_origin", False),
    ("domestic_content", False),
    ("price_min", False),
    ("price_max", False),
    ("lead_time_days", False),
    ("warranty_months", False),
    ("provinces_served", False),
    ("key_components", False),
    ("key_processes", False),
    ("certifications", False),
    ("description_zh", False),
    ("description_en", False),
]
_PRODUCT_COLUMN_NAMES = {name for name, _required in PRODUCT_COLUMNS}
_HEADER = re.compile(r"^\s*([^\[\]]+?)\s*(?:\[\s*([^\]]*?)\s*\])?\s*$")
_LIST_SPLIT = re.compile(r"[;；,，、\n]+")


@dataclass
class ImportReport(RowReport):
    """The framework's row report, with the ids of the products written."""

    product_ids: list[int] = field(default_factory=list)


@dataclass
class ValidRow:
    number: int
    model_number: str
    fields: dict[str, Any]
    category: Category | None
    provinces: list[str] | None
    specifications: list[tuple[Parameter, CleanSpecification]]
    product: Product | None = None

    @property
    def saved(self) -> Product:
        assert self.product is not None
        return self.product


ProgressCallback = Callable[[str, int, int], None]


class Dictionary:
    """Categories, provinces, each category's inherited dictionary and the domestic-product rules, read once per
    import.

    Validating 10,000 rows then runs a few queries per category used, never per row; the dictionary comes from
    its one selector (``catalog.selectors``), the rules from ``catalog.domestic``.
    """

    def __init__(self) -> None:
        self.categories = {c.code: c for c in Category.objects.all()}
        self.provinces = set(Province.objects.values_list("code", flat=True))
        self._parameters: dict[int, dict[str, Parameter]] = {}
        self.domestic_rules = RuleBook.load()

    def parameters(self, category: Category) -> dict[str, Parameter]:
        if category.pk not in self._parameters:
            self._parameters[category.pk] = category_dictionary(category)
        return self._parameters[category.pk]


def parse_header(cells: Iterable[Any]) -> list[tuple[str, str]]:
    columns = []
    for cell in cells:
        text = cell_text(cell)
        match = _HEADER.match(text) if text else None
        if match is None:
            columns.append(("", ""))
            continue
        columns.append((match.group(1).strip().lower(), (match.group(2) or "").strip()))
    return columns


def _decimal(text: str, *, percent_ok: bool = False) -> Decimal:
    raw = text.replace(",", "").replace("¥", "").replace("￥", "").strip()
    scale = Decimal(1)
    if percent_ok and raw.endswith("%"):
        raw, scale = raw[:-1].strip(), Decimal("0.01")
    try:
        value = Decimal(raw) * scale
    except InvalidOperation as exc:
        raise ValueError(_("'%(value)s' is not a number") % {"value": text}) from exc
    if not value.is_finite():
        raise ValueError(_("'%(value)s' is not a number") % {"value": text})
    return value


def _product_field(name: str, text: str, dictionary: Dictionary) -> Any:
    """Convert one product cell; raises ValueError with a translated reason."""
    if name in ("price_min", "price_max"):
        value = _decimal(text)
        if value < 0 or value >= Decimal("1e12"):
            raise ValueError(_("price out of range"))
        return value.quantize(Decimal("0.01"))
    if name == "domestic_content":
        value = _decimal(text, percent_ok=True)
        if not Decimal(0) <= value <= Decimal(1):
            raise ValueError(_("must be between 0 and 1 (or 0% and 100%)"))
        return value.quantize(Decimal("0.001"))
    if name in ("lead_time_days", "warranty_months"):
        value = _decimal(text)
        if value != value.to_integral_value() or not 0 <= value <= 3650:
            raise ValueError(_("must be a whole number from 0 to 3650"))
        return int(value)
    if name == "country_of_origin":
        code = country_code(text)
        if code is None:
            raise ValueError(_("'%(value)s' is not an ISO 3166 country code") % {"value": text})
        return code
    if name == "category":
        category = dictionary.categories.get(text)
        if category is None:
            raise ValueError(_("unknown category code '%(code)s'") % {"code": text})
        return category
    if name == "provinces_served":
        codes = []
        for part in _LIST_SPLIT.split(text):
            part = part.strip()
            if not part:
                continue
            code = province_code(part)
            if code not in dictionary.provinces:
                raise ValueError(_("unknown province '%(value)s'") % {"value": part})
            codes.append(code)
        return sorted(set(codes))
    if name in ("key_components", "key_processes"):
        components = []
        for part in re.split(r"[;；\n]+", text):
            if not part.strip():
                continue
            component, _sep, origin = part.replace("：", ":").partition(":")
            # InvalidValue is a ValueError: the row reports it in this column.
            origin = key_part_origin(component.strip(), origin, process=name == "key_processes")
            components.append({"name": component.strip()[:100], "origin": origin})
        return components
    if name == "certifications":
        return [part.strip()[:100] for part in _LIST_SPLIT.split(text) if part.strip()]
    limit = 100 if name == "model_number" else 200 if name in ("name_zh", "name_en") else 5000
    if len(text) > limit:
        raise ValueError(_("longer than %(limit)s characters") % {"limit": limit})
    return text


def validate_rows(
    rows: list[tuple[Any, ...]],
    *,
    columns: list[tuple[str, str]],
    dictionary: Dictionary,
    existing: dict[str, Product],
    default_category: Category | None,
    report: ImportReport,
    progress: ProgressCallback | None,
) -> list[ValidRow]:
    valid: list[ValidRow] = []
    seen_models: dict[str, int] = {}
    total = len(rows)
    for number, cells, texts in data_rows(rows):
        index = number - 2
        errors: list[RowError] = []
        report.total_rows += 1
        values: dict[str, Any] = {}
        raw_specs: list[tuple[str, str, Any, str]] = []
        for (name, unit), cell, text in zip(columns, cells, texts, strict=False):
            if not name or not text:
                continue
            if name in _PRODUCT_COLUMN_NAMES:
                try:
                    values[name] = _product_field(name, text, dictionary)
                except ValueError as exc:
                    errors.append(RowError(number, name, str(exc)))
            else:
                raw_specs.append((name, unit, cell, text))
        model_number = values.get("model_number", "")
        if not model_number:
            errors.append(RowError(number, "model_number", _("a model number is required")))
        elif model_number in seen_models:
            errors.append(
                RowError(
                    number,
                    "model_number",
                    _("the same model number is already on row %(row)s") % {"row": seen_models[model_number]},
                )
            )
        else:
            seen_models[model_number] = number
        current = existing.get(model_number)
        category = values.pop("category", None) or (current.category if current else default_category)
        if current is None:
            for name, required in PRODUCT_COLUMNS:
                if required and name not in ("model_number", "category") and not values.get(name):
                    errors.append(RowError(number, name, _("required for a new product")))
            if category is None:
                errors.append(RowError(number, "category", _("required for a new product")))
        low = values.get("price_min", current.price_min if current else None)
        high = values.get("price_max", current.price_max if current else None)
        if low is not None and high is not None and low > high:
            errors.append(RowError(number, "price_min", _("the lowest price exceeds the highest price")))
        specifications: list[tuple[Parameter, CleanSpecification]] = []
        if category is not None:
            allowed = dictionary.parameters(category)
            for key, unit, cell, text in raw_specs:
                parameter = allowed.get(key)
                if parameter is None:
                    errors.append(
                        RowError(
                            number,
                            key,
                            _("unknown parameter for category %(category)s") % {"category": category.code},
                        )
                    )
                    continue
                if isinstance(cell, str) and is_formula(text):
                    errors.append(RowError(number, key, _("formulas are not accepted; enter the value itself")))
                    continue
                try:
                    value = cell if isinstance(cell, (int, float)) and not isinstance(cell, bool) else text
                    specifications.append((parameter, clean_specification(parameter, value=value, unit=unit)))
                except InvalidValue as exc:
                    errors.append(RowError(number, key, exc.reason))
        if errors:
            report.errors.extend(errors)
        else:
            provinces = values.pop("provinces_served", None)
            valid.append(ValidRow(number, model_number, values, category, provinces, specifications))
        if progress is not None and (index + 1) % 500 == 0:
            progress("validate", index + 1, total)
    if progress is not None:
        progress("validate", total, total)
    return valid
