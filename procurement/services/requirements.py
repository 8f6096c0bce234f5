"""Validating and storing a demand's requirements against its category's dictionary."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from catalog import values
from catalog.models import Category, Parameter
from catalog.selectors import category_dictionary
from config.audit import audit_bulk_created
from config.exceptions import ApplicationError
from procurement.models import Demand, Requirement
from procurement.requirement_rules import CleanRequirement, RequirementInput, requirement_clean

MAX_REQUIREMENTS = 50


def requirements_validate(
    *, category: Category, items: Sequence[RequirementInput], dictionary: dict[str, Parameter] | None = None
) -> list[tuple[Parameter, CleanRequirement]]:
    """Check every row against the category's dictionary; raise one ApplicationError listing every bad row.

    The error's field names the first bad row (``requirements.<index>.<field>``); ``extra["requirements"]``
    holds per-row field errors in row order (an empty dict for a good row). ``dictionary``: the category's,
    when the caller validates many demands of one category (read once, not once per demand).
    """
    if len(items) > MAX_REQUIREMENTS:
        raise ApplicationError(
            _("A demand may have at most %(max)d requirements.") % {"max": MAX_REQUIREMENTS}, field="requirements"
        )
    if dictionary is None:
        dictionary = category_dictionary(category)
    errors: list[dict[str, list[str]]] = []
    cleaned: list[tuple[Parameter, CleanRequirement]] = []
    seen: set[str] = set()
    first: tuple[str, str] | None = None
    for index, item in enumerate(items):
        row_errors: dict[str, list[str]] = {}
        parameter = dictionary.get(item.parameter_key)
        if parameter is None:
            row_errors["parameter"] = [
                _("“%(key)s” is not a parameter of the category %(category)s.")
                % {"key": item.parameter_key, "category": category}
            ]
        elif parameter.key in seen:
            row_errors["parameter"] = [_("This parameter is already required above.")]
        else:
            seen.add(parameter.key)
            try:
                cleaned.append((parameter, requirement_clean(parameter, item)))
            except ApplicationError as exc:
                row_errors[exc.field or "non_field_errors"] = [exc.message]
        if row_errors and first is None:
            name, messages = next(iter(row_errors.items()))
            first = (f"requirements.{index}.{name}", messages[0])
        errors.append(row_errors)
    if first is not None:
        raise ApplicationError(first[1], field=first[0], extra={"requirements": errors})
    return cleaned


def requirements_replace(*, demand: Demand, cleaned: list[tuple[Parameter, CleanRequirement]]) -> list[Requirement]:
    """Replace the demand's requirements with validated rows (the caller holds the transaction)."""
    demand.requirements.all().delete()
    return requirements_create_bulk(cleaned_by_demand=[(demand, cleaned)])


def requirements_create_bulk(
    *, cleaned_by_demand: Sequence[tuple[Demand, list[tuple[Parameter, CleanRequirement]]]]
) -> list[Requirement]:
    """Write the validated requirements of new demands in one INSERT, with their audit entries."""
    rows = [
        Requirement(
            demand=demand,
            parameter=parameter,
            operator=clean.operator,
            value=clean.value,
            value_min=clean.value_min,
            value_max=clean.value_max,
            value_choices=clean.value_choices,
            entered_value=clean.entered_value,
            unit=clean.unit,
            is_mandatory=clean.is_mandatory,
            weight=clean.weight,
            sort_order=index,
        )
        for demand, cleaned in cleaned_by_demand
        for index, (parameter, clean) in enumerate(cleaned)
    ]
    created = Requirement.objects.bulk_create(rows, batch_size=2000)
    # bulk_create sends no signals: the audit history gets one entry per new requirement here.
    audit_bulk_created(created)
    return created


def requirements_merged(
    *, demand: Demand, cleaned: list[tuple[Parameter, CleanRequirement]]
) -> list[tuple[Parameter, CleanRequirement]]:
    """The demand's requirements with these validated rows merged in: a row replaces the one on its parameter
    (in its place), a new parameter's row comes last, and the demand's other requirements stay as they are."""
    given = {parameter.pk: (parameter, clean) for parameter, clean in cleaned}
    merged = []
    for row in demand.requirements.select_related("parameter").order_by("sort_order", "id"):
        if row.parameter_id in given:
            merged.append(given.pop(row.parameter_id))
            continue
        merged.append(
            (
                row.parameter,
                CleanRequirement(
                    parameter_key=row.parameter.key,
                    operator=row.operator,
                    value=row.value,
                    value_min=row.value_min,
                    value_max=row.value_max,
                    value_choices=list(row.value_choices or []),
                    entered_value=row.entered_value,
                    unit=row.unit,
                    is_mandatory=row.is_mandatory,
                    weight=row.weight,
                ),
            )
        )
    merged += given.values()
    if len(merged) > MAX_REQUIREMENTS:
        raise ApplicationError(
            _("A demand may have at most %(max)d requirements.") % {"max": MAX_REQUIREMENTS}, field="requirements"
        )
    return merged


def requirements_snapshot(*, demand: Demand) -> list[dict[str, Any]]:
    """The requirements as plain data, for a revision that outlives them."""
    return [
        {
            "parameter": r.parameter.key,
            "parameter_name": r.parameter.name_zh,
            "parameter_name_en": r.parameter.name_en,
            "canonical_unit": r.parameter.unit,
            "operator": r.operator,
            "value": r.value,
            "value_min": r.value_min,
            "value_max": r.value_max,
            "value_choices": r.value_choices,
            "entered_value": r.entered_value,
            "unit": r.unit,
            "is_mandatory": r.is_mandatory,
            "weight": r.weight,
        }
        for r in demand.requirements.select_related("parameter").order_by("sort_order", "id")
    ]


def requirement_inputs_from_demand(demand: Demand) -> list[RequirementInput]:
    """The demand's stored requirements as inputs (what a revision form starts from)."""
    inputs = []
    for r in demand.requirements.select_related("parameter").order_by("sort_order", "id"):
        value: Any = None
        low: Any = None
        high: Any = None
        if r.parameter.value_type == Parameter.ValueType.NUMBER and r.value is not None:
            value = _tidy(values.from_canonical(r.value, r.parameter.unit, r.unit))
        elif (
            r.parameter.value_type == Parameter.ValueType.RANGE and r.value_min is not None and r.value_max is not None
        ):
            low = _tidy(values.from_canonical(r.value_min, r.parameter.unit, r.unit))
            high = _tidy(values.from_canonical(r.value_max, r.parameter.unit, r.unit))
        elif r.parameter.value_type == Parameter.ValueType.BOOLEAN:
            value = (r.value_choices or ["true"])[0]
        inputs.append(
            RequirementInput(
                parameter_key=r.parameter.key,
                operator=r.operator,
                value=value,
                value_min=low,
                value_max=high,
                choices=list(r.value_choices) if r.parameter.value_type == Parameter.ValueType.CHOICE else [],
                unit=r.unit,
                is_mandatory=r.is_mandatory,
                weight=r.weight,
            )
        )
    return inputs


def _tidy(value: float) -> float:
    return float(f"{value:.12g}")
