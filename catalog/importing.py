"""Bulk import and export of products as CSV or XLSX (one row a product, one column a field or parameter).

Headers name product fields or parameter keys; a parameter column may carry its unit in brackets
(``pressure_max [MPa]``), otherwise each cell may carry its own (``40 MPa``) or the canonical unit applies.
Rows are validated first, all of them, so a report lists every bad row; writing then happens in chunks with bulk
operations (a handful of queries per chunk, never per row). Rows are matched to existing products by model
number (upsert).
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries

from accounts.models import Organization, Province, User
from accounts.selectors import user_is_member
from catalog.models import Category, Parameter, Product, Specification
from catalog.specvalues import (
    CleanSpecification,
    SpecificationError,
    clean_specification,
    is_formula,
    neutralise_formula,
)
from config.exceptions import ApplicationError
from matching.services import product_schedule_matching
from search.services import index_mark

IMPORT_MAX_BYTES: int = getattr(settings, "CATALOG_IMPORT_MAX_BYTES", 20 * 1024 * 1024)
IMPORT_MAX_ROWS: int = getattr(settings, "CATALOG_IMPORT_MAX_ROWS", 20000)
CHUNK_SIZE = 1000

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
    ("certifications", False),
    ("description_zh", False),
    ("description_en", False),
]
_PRODUCT_COLUMN_NAMES = {name for name, _required in PRODUCT_COLUMNS}
_HEADER = re.compile(r"^\s*([^\[\]]+?)\s*(?:\[\s*([^\]]*?)\s*\])?\s*$")
_LIST_SPLIT = re.compile(r"[;；,，、\n]+")
_COUNTRY_CODES = {code for code, _name in countries}


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    reason: str


@dataclass
class ImportReport:
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    written: bool = False
    product_ids: list[int] = field(default_factory=list)

    @property
    def bad_rows(self) -> int:
        return len({error.row for error in self.errors})


@dataclass
class _Row:
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


# --- Reading files ------------------------------------------------------------------------------------------


def _check_upload(name: str, data: bytes) -> str:
    """Refuse anything but a CSV or XLSX file of sensible size; return "csv" or "xlsx"."""
    extension = os.path.splitext(name or "")[1].lower()
    if extension not in (".csv", ".xlsx"):
        raise ApplicationError(_("Upload a CSV or XLSX file."), field="file")
    if len(data) > IMPORT_MAX_BYTES:
        raise ApplicationError(
            _("The file is too large (limit %(mb)s MB).") % {"mb": IMPORT_MAX_BYTES // (1024 * 1024)}, field="file"
        )
    if not data:
        raise ApplicationError(_("The file is empty."), field="file")
    if extension == ".xlsx":
        if not data.startswith(b"PK\x03\x04"):
            raise ApplicationError(_("The file is not a valid XLSX workbook."), field="file")
        return "xlsx"
    if b"\x00" in data[:8192] or data.startswith(b"PK\x03\x04"):
        raise ApplicationError(_("The file is not a CSV text file."), field="file")
    return "csv"


def _decode(data: bytes) -> str:
    # Excel in China saves CSV as GB18030 unless told otherwise.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ApplicationError(_("The CSV file is neither UTF-8 nor GB18030 text."), field="file")


def _read_rows(kind: str, data: bytes) -> list[tuple[Any, ...]]:
    if kind == "csv":
        return [tuple(row) for row in csv.reader(io.StringIO(_decode(data)))]
    from openpyxl import load_workbook

    try:
        # data_only=False: a formula arrives as its text ("=..."), never as a value someone else computed.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many unrelated types for a broken archive
        raise ApplicationError(_("The file is not a valid XLSX workbook."), field="file") from exc
    try:
        sheet = workbook["products"] if "products" in workbook.sheetnames else workbook.worksheets[0]
        return [tuple(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value).strip()
    # A leading quote is how our exports neutralise formulas; take it off again on the way back in.
    if text.startswith("'") and text[1:2] in ("=", "+", "-", "@"):
        return text[1:]
    return text


# --- Validating rows ----------------------------------------------------------------------------------------


class _Dictionary:
    """Every category and parameter in memory, so validating 10,000 rows runs no queries."""

    def __init__(self) -> None:
        self.categories = {c.code: c for c in Category.objects.all()}
        self.by_category: dict[int, dict[str, Parameter]] = {}
        parameters_by_code: dict[str, list[Parameter]] = {}
        for parameter in Parameter.objects.select_related("category"):
            parameters_by_code.setdefault(parameter.category.code, []).append(parameter)
        self._parameters_by_code = parameters_by_code
        self.provinces = {p.code: p.code for p in Province.objects.all()}
        for province in Province.objects.all():
            self.provinces[province.name_zh] = province.code
            self.provinces[province.name_en.casefold()] = province.code
        self._thresholds: dict[int, Decimal] = {}

    def parameters(self, category: Category) -> dict[str, Parameter]:
        if category.pk not in self.by_category:
            merged: dict[str, Parameter] = {}
            for code in category.path.split("/"):
                for parameter in self._parameters_by_code.get(code, []):
                    merged[parameter.key] = parameter
            self.by_category[category.pk] = merged
        return self.by_category[category.pk]

    def threshold(self, category: Category) -> Decimal:
        if category.pk not in self._thresholds:
            value = Decimal(str(settings.DOMESTIC_CONTENT_THRESHOLD))
            for code in category.path.split("/"):
                node = self.categories.get(code)
                if node is not None and node.domestic_threshold is not None:
                    value = Decimal(node.domestic_threshold)
            self._thresholds[category.pk] = value
        return self._thresholds[category.pk]


def _parse_header(cells: Iterable[Any]) -> list[tuple[str, str]]:
    columns = []
    for cell in cells:
        text = _cell_text(cell)
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


def _product_field(name: str, text: str, dictionary: _Dictionary) -> Any:
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
        code = text.upper()
        if code not in _COUNTRY_CODES:
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
            code = dictionary.provinces.get(part) or dictionary.provinces.get(part.casefold()) or ""
            if not code:
                raise ValueError(_("unknown province '%(value)s'") % {"value": part})
            codes.append(code)
        return sorted(set(codes))
    if name == "key_components":
        components = []
        for part in re.split(r"[;；\n]+", text):
            if not part.strip():
                continue
            component, _sep, origin = part.partition(":")
            components.append({"name": component.strip()[:100], "origin": origin.strip().upper()[:2]})
        return components
    if name == "certifications":
        return [part.strip()[:100] for part in _LIST_SPLIT.split(text) if part.strip()]
    limit = 100 if name == "model_number" else 200 if name in ("name_zh", "name_en") else 5000
    if len(text) > limit:
        raise ValueError(_("longer than %(limit)s characters") % {"limit": limit})
    return text


def _validate_rows(
    rows: list[tuple[Any, ...]],
    *,
    columns: list[tuple[str, str]],
    dictionary: _Dictionary,
    existing: dict[str, Product],
    default_category: Category | None,
    report: ImportReport,
    progress: ProgressCallback | None,
) -> list[_Row]:
    valid: list[_Row] = []
    seen_models: dict[str, int] = {}
    total = len(rows)
    for index, cells in enumerate(rows):
        number = index + 2  # the header is row 1
        errors: list[RowError] = []
        texts = [_cell_text(cell) for cell in cells]
        if not any(texts):
            continue
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
                except SpecificationError as exc:
                    errors.append(RowError(number, key, exc.reason))
        if errors:
            report.errors.extend(errors)
        else:
            provinces = values.pop("provinces_served", None)
            valid.append(_Row(number, model_number, values, category, provinces, specifications))
        if progress is not None and (index + 1) % 500 == 0:
            progress("validate", index + 1, total)
    if progress is not None:
        progress("validate", total, total)
    return valid


# --- Writing ------------------------------------------------------------------------------------------------

_PRODUCT_UPSERT_FIELDS = [
    *(name for name, _required in PRODUCT_COLUMNS if name not in ("model_number", "provinces_served", "category")),
    "category",
    "is_domestic",
    "status",
    "published_at",
    "withdrawn_at",
    "updated_at",
]
_SPEC_FIELDS = ["value", "value_min", "value_max", "value_text", "value_bool", "entered_value", "entered_unit"]


def _write_chunk(
    chunk: list[_Row],
    *,
    manufacturer: Organization,
    user: User | None,
    dictionary: _Dictionary,
    publish: bool,
    report: ImportReport,
) -> list[int]:
    """Upsert one chunk: a few queries whatever its size. Returns the ids of published products touched."""
    now = timezone.now()
    existing = {
        p.model_number: p
        for p in Product.objects.filter(manufacturer=manufacturer, model_number__in=[r.model_number for r in chunk])
    }
    new: list[Product] = []
    changed: list[Product] = []
    matching_ids: list[int] = []
    moved: list[Product] = []
    for row in chunk:
        product = existing.get(row.model_number)
        is_new = product is None
        if product is None:
            product = Product(manufacturer=manufacturer, created_by=user, status=Product.Status.DRAFT)
        was_published = product.status == Product.Status.PUBLISHED
        for name, value in row.fields.items():
            setattr(product, name, value)
        if row.category is not None:
            if not is_new and product.category_id != row.category.pk:
                moved.append(product)
            product.category = row.category
        product.is_domestic = str(product.country_of_origin) == "CN" and Decimal(
            str(product.domestic_content)
        ) >= dictionary.threshold(product.category)
        if publish and not was_published:
            product.status = Product.Status.PUBLISHED
            product.published_at = now
            product.withdrawn_at = None
        product.updated_at = now
        (new if is_new else changed).append(product)
        row.product = product
        if not is_new and (was_published or publish):
            matching_ids.append(product.pk)
    # One INSERT ... ON CONFLICT for new and existing rows alike: far cheaper than bulk_update's CASE chains.
    # The existing rows were loaded whole above, so every written column carries its current or new value.
    Product.objects.bulk_create(
        new + changed,
        update_conflicts=True,
        unique_fields=["manufacturer", "model_number"],
        update_fields=_PRODUCT_UPSERT_FIELDS,
    )
    report.created += len(new)
    report.updated += len(changed)
    if publish:
        matching_ids.extend(p.pk for p in new)
    specifications = [
        Specification(product_id=row.saved.pk, parameter_id=parameter.pk, **clean.as_fields())
        for row in chunk
        for parameter, clean in row.specifications
    ]
    if specifications:
        Specification.objects.bulk_create(
            specifications,
            update_conflicts=True,
            unique_fields=["product", "parameter"],
            update_fields=_SPEC_FIELDS,
        )
    for product in moved:
        # Values of parameters the new category does not have would be meaningless.
        allowed = [parameter.pk for parameter in dictionary.parameters(product.category).values()]
        Specification.objects.filter(product_id=product.pk).exclude(parameter_id__in=allowed).delete()
    with_provinces = [row for row in chunk if row.provinces is not None]
    if with_provinces:
        through = Product.provinces_served.through
        through.objects.filter(product_id__in=[row.saved.pk for row in with_provinces]).delete()
        through.objects.bulk_create(
            [
                through(product_id=row.saved.pk, province_id=code)
                for row in with_provinces
                for code in row.provinces or []
            ]
        )
    ids = [row.saved.pk for row in chunk]
    report.product_ids.extend(ids)
    index_mark(kind="products", ids=ids)
    return matching_ids


def products_import(
    *,
    manufacturer: Organization,
    user: User | None,
    filename: str,
    data: bytes,
    atomic: bool = True,
    publish: bool = False,
    default_category: Category | None = None,
    progress: ProgressCallback | None = None,
) -> ImportReport:
    """Import products from a CSV or XLSX file for ``manufacturer``.

    ``user`` None means a trusted caller (the management command); otherwise the user must belong to the
    manufacturer. With ``atomic`` nothing is written when any row is bad; without it the good rows are written
    and the bad ones reported.
    """
    if user is not None and not (user.is_authenticated and user_is_member(user, manufacturer)):
        raise PermissionDenied(_("Only members of the manufacturer can import its products."))
    if manufacturer.kind != Organization.Kind.MANUFACTURER:
        raise ApplicationError(_("Products belong to manufacturers."), field="manufacturer")
    if publish and not manufacturer.is_verified:
        raise ApplicationError(_("Only verified manufacturers can publish products."), field="publish")
    kind = _check_upload(filename, data)
    rows = _read_rows(kind, data)
    if not rows:
        raise ApplicationError(_("The file has no header row."), field="file")
    columns = _parse_header(rows[0])
    names = [name for name, _unit in columns if name]
    if "model_number" not in names:
        raise ApplicationError(_("The header row has no model_number column."), field="file")
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ApplicationError(
            _("Columns appear more than once: %(names)s") % {"names": ", ".join(duplicates)}, field="file"
        )
    body = rows[1:]
    if len(body) > IMPORT_MAX_ROWS:
        raise ApplicationError(
            _("The file has more than %(limit)s rows; split it.") % {"limit": IMPORT_MAX_ROWS}, field="file"
        )
    dictionary = _Dictionary()
    existing = {p.model_number: p for p in Product.objects.filter(manufacturer=manufacturer).select_related("category")}
    report = ImportReport()
    valid = _validate_rows(
        body,
        columns=columns,
        dictionary=dictionary,
        existing=existing,
        default_category=default_category,
        report=report,
        progress=progress,
    )
    if report.errors and atomic:
        return report
    matching_ids: list[int] = []
    with transaction.atomic():
        for start in range(0, len(valid), CHUNK_SIZE):
            matching_ids += _write_chunk(
                valid[start : start + CHUNK_SIZE],
                manufacturer=manufacturer,
                user=user,
                dictionary=dictionary,
                publish=publish,
                report=report,
            )
            if progress is not None:
                progress("write", min(start + CHUNK_SIZE, len(valid)), len(valid))
        for product_id in matching_ids:
            product_schedule_matching(product_id=product_id)
    report.written = True
    return report


# --- Templates and export -----------------------------------------------------------------------------------


def template_columns(category: Category) -> list[str]:
    dictionary = _Dictionary()
    parameter_columns = [f"{p.key} [{p.unit}]" if p.unit else p.key for p in dictionary.parameters(category).values()]
    return [name for name, _required in PRODUCT_COLUMNS] + parameter_columns


def _export_cells(product: Product, parameters: list[Parameter]) -> list[Any]:
    specs = {spec.parameter_id: spec for spec in product.specifications.all()}
    cells: list[Any] = [
        product.model_number,
        product.name_zh,
        product.name_en,
        product.category.code,
        str(product.country_of_origin),
        float(product.domestic_content),
        float(product.price_min) if product.price_min is not None else "",
        float(product.price_max) if product.price_max is not None else "",
        product.lead_time_days if product.lead_time_days is not None else "",
        product.warranty_months if product.warranty_months is not None else "",
        "; ".join(p.code for p in product.provinces_served.all()),
        "; ".join(f"{c.get('name', '')}:{c.get('origin', '')}" for c in product.key_components or []),
        "; ".join(str(c) for c in product.certifications or []),
        product.description_zh,
        product.description_en,
    ]
    for parameter in parameters:
        spec = specs.get(parameter.pk)
        if spec is None:
            cells.append("")
        elif parameter.value_type == "number":
            cells.append(spec.value)
        elif parameter.value_type == "range":
            cells.append(f"{spec.value_min:g}-{spec.value_max:g}")
        elif parameter.value_type == "choice":
            cells.append(spec.value_text)
        else:
            cells.append("yes" if spec.value_bool else "no")
    return [neutralise_formula(cell) for cell in cells]


def _export_rows(category: Category, products: Iterable[Product]) -> Iterator[list[Any]]:
    parameters = list(_Dictionary().parameters(category).values())
    yield [
        *(name for name, _required in PRODUCT_COLUMNS),
        *(f"{p.key} [{p.unit}]" if p.unit else p.key for p in parameters),
    ]
    for product in products:
        yield _export_cells(product, parameters)


def products_export(*, category: Category, products: Iterable[Product], fmt: str) -> bytes:
    """A file in the import format (an empty one is the category's template); formula-like text is quoted."""
    rows = _export_rows(category, products)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in rows:
            writer.writerow(row)
        # A BOM so Excel opens the UTF-8 file with the Chinese intact.
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("products")
    for row in rows:
        sheet.append(row)
    reference = workbook.create_sheet("parameters")
    reference.append(["key", "名称", "name", "unit", "type", "better", "min", "max", "choices"])
    for parameter in _Dictionary().parameters(category).values():
        reference.append(
            [
                neutralise_formula(value)
                for value in (
                    parameter.key,
                    parameter.name_zh,
                    parameter.name_en,
                    parameter.unit,
                    parameter.value_type,
                    parameter.better,
                    parameter.min_value,
                    parameter.max_value,
                    " | ".join(parameter.choices or []),
                )
            ]
        )
    buffer_bytes = io.BytesIO()
    workbook.save(buffer_bytes)
    return buffer_bytes.getvalue()
