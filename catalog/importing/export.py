"""Files in the import format: a category's empty template, or products exported with formula text quoted."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django_countries import countries

from catalog.importing.rows import PRODUCT_COLUMNS
from catalog.models import Category, Parameter, Product
from catalog.selectors import category_parameters, category_subtree_q
from catalog.tabular import ColumnRule, csv_bytes, xlsx_bytes
from catalog.values import ENTERED_DIGITS, format_number


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
            low, high = spec.value_min, spec.value_max
            # Written out in full (a file exported to be imported again keeps its values).
            cells.append(
                ""
                if low is None or high is None
                else f"{format_number(low, digits=ENTERED_DIGITS)}-{format_number(high, digits=ENTERED_DIGITS)}"
            )
        elif parameter.value_type == Parameter.ValueType.CHOICE:
            cells.append(spec.value_text)
        else:
            cells.append("yes" if spec.value_bool else "no")
    # Text a spreadsheet would run as a formula gets a leading quote (csv_bytes, xlsx_bytes); the import takes
    # it off again.
    return cells


def _example_value(parameter: Parameter) -> Any:
    """A plausible value inside the parameter's sane bounds, as a person would type it."""
    low = parameter.min_value if parameter.min_value is not None else 0.0
    high = parameter.max_value if parameter.max_value is not None else max(low * 10, 100.0)
    if parameter.value_type == Parameter.ValueType.NUMBER:
        value = low + (high - low) / 4
        return float(f"{value:.2g}") if value else 1
    if parameter.value_type == Parameter.ValueType.RANGE:
        return f"{format_number(low + (high - low) / 10, digits=2)}-{format_number(low + (high - low) / 2, digits=2)}"
    if parameter.value_type == Parameter.ValueType.CHOICE:
        return (parameter.choices or [""])[0]
    return "yes"


def _example_cells(category: Category, parameters: list[Parameter]) -> list[Any]:
    """The template's example row: its model number starts with # so the import skips it."""
    example: dict[str, Any] = {
        "model_number": "#EXAMPLE-100",
        "name_zh": f"{category.name_zh}（示例行，以 # 开头的行不会导入）",
        "name_en": f"{category.name_en} (example row: rows starting with # are not imported)",
        "category": category.code,
        "country_of_origin": "CN",
        "domestic_content": 0.85,
        "price_min": 300000,
        "price_max": 450000,
        "lead_time_days": 60,
        "warranty_months": 24,
        "provinces_served": "北京; 上海; Guangdong",
        "key_components": "高压泵:CN; 检测器:DE",
        "key_processes": "整机装配:CN",
        "certifications": "CMC; CE",
        "description_zh": "每行一个产品；单位可写在数值后，如 “40 MPa”。",
        "description_en": "One product a line; a unit may follow a value, e.g. “40 MPa”.",
    }
    return [
        *(example.get(name, "") for name, _required in PRODUCT_COLUMNS),
        *(_example_value(parameter) for parameter in parameters),
    ]


def _rows(
    category: Category, parameters: list[Parameter], products: Iterable[Product], *, example: bool
) -> Iterator[list[Any]]:
    yield _header(parameters)
    if example:
        yield _example_cells(category, parameters)
    for product in products:
        yield _export_cells(product, parameters)


def _column_rules(category: Category, parameters: list[Parameter]) -> list[ColumnRule]:
    """Drop-down lists and bounds of the template's columns, from the same rules the import applies."""
    names = [name for name, _required in PRODUCT_COLUMNS]
    codes = [c.code for c in Category.objects.filter(category_subtree_q(category, prefix="")).order_by("path")]
    rules = [
        ColumnRule(names.index("category"), choices=codes),
        ColumnRule(names.index("country_of_origin"), choices=sorted(str(code) for code, _name in countries)),
        ColumnRule(names.index("domestic_content"), decimal=(0, 1), message="0 – 1"),
        ColumnRule(names.index("lead_time_days"), whole=(0, 3650), message="0 – 3650"),
        ColumnRule(names.index("warranty_months"), whole=(0, 3650), message="0 – 3650"),
    ]
    for index, parameter in enumerate(parameters, start=len(names)):
        if parameter.value_type == Parameter.ValueType.CHOICE and parameter.choices:
            rules.append(ColumnRule(index, choices=list(parameter.choices)))
        elif parameter.value_type == Parameter.ValueType.BOOLEAN:
            rules.append(ColumnRule(index, choices=["yes", "no"]))
    return rules


def products_export(*, category: Category, products: Iterable[Product], fmt: str, example: bool = False) -> bytes:
    """A file in the import format; the category's template is one without products and with ``example``.

    ``products`` should prefetch specifications and provinces_served.
    """
    parameters = category_parameters(category)
    rows = _rows(category, parameters, products, example=example)
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
    return xlsx_bytes(
        [("products", rows), ("parameters", reference)], rules={"products": _column_rules(category, parameters)}
    )
