"""Files in the import format: a category's empty template, or products exported with formula text quoted."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from catalog.importing.rows import PRODUCT_COLUMNS
from catalog.models import Category, Parameter, Product
from catalog.selectors import category_parameters
from catalog.tabular import csv_bytes, xlsx_bytes


def _header(parameters: list[Parameter]) -> list[str]:
    return [
        *(name for name, _required in PRODUCT_COLUMNS),
        *(f"{p.key} [{p.unit}]" if p.unit else p.key for p in parameters),
    ]


def template_columns(category: Category) -> list[str]:
    return _header(category_parameters(category))


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
        "; ".join(f"{c.get('name', '')}:{c.get('origin', '')}" for c in product.key_processes or []),
        "; ".join(str(c) for c in product.certifications or []),
        product.description_zh,
        product.description_en,
    ]
    for parameter in parameters:
        spec = specs.get(parameter.pk)
        if spec is None:
            cells.append("")
        elif parameter.value_type == Parameter.ValueType.NUMBER:
            cells.append(spec.value)
        elif parameter.value_type == Parameter.ValueType.RANGE:
            cells.append(f"{spec.value_min:g}-{spec.value_max:g}")
        elif parameter.value_type == Parameter.ValueType.CHOICE:
            cells.append(spec.value_text)
        else:
            cells.append("yes" if spec.value_bool else "no")
    # Text a spreadsheet would run as a formula gets a leading quote (csv_bytes, xlsx_bytes); the import takes
    # it off again.
    return cells


def _rows(parameters: list[Parameter], products: Iterable[Product]) -> Iterator[list[Any]]:
    yield _header(parameters)
    for product in products:
        yield _export_cells(product, parameters)


def products_export(*, category: Category, products: Iterable[Product], fmt: str) -> bytes:
    """A file in the import format (an empty one is the category's template).

    ``products`` should prefetch specifications and provinces_served.
    """
    parameters = category_parameters(category)
    rows = _rows(parameters, products)
    if fmt == "csv":
        return csv_bytes(rows)
    # A second sheet documents the columns: names in both languages, units, types, sane bounds, choices.
    reference: list[list[Any]] = [
        ["key", "名称", "name", "unit", "type", "better", "min", "max", "choices"],
        *(
            [
                parameter.key,
                parameter.name_zh,
                parameter.name_en,
                parameter.unit,
                parameter.value_type,
                parameter.better,
                parameter.min_value,
                parameter.max_value,
                " | ".join(parameter.choices or []),
            ]
            for parameter in parameters
        ),
    ]
    return xlsx_bytes([("products", rows), ("parameters", reference)])
