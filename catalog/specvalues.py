"""Turning what a person typed for a specification into canonical stored values (pure; no ORM).

The same rules serve the product forms, the API and the bulk import, so a value accepted by one is accepted by
all; the value rules themselves (numbers, units, choices, yes/no) are ``catalog.values``. Errors carry a
translated reason; callers attach the field or spreadsheet column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from catalog import values
from catalog.values import BOOLEAN, CHOICE, NUMBER, RANGE, InvalidValue, ParameterLike
from catalog.vocabulary import choice_label


@dataclass(frozen=True)
class CleanSpecification:
    value: float | None = None
    value_min: float | None = None
    value_max: float | None = None
    value_text: str = ""
    value_bool: bool | None = None
    entered_value: str = ""
    entered_unit: str = ""

    def as_fields(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "value_min": self.value_min,
            "value_max": self.value_max,
            "value_text": self.value_text,
            "value_bool": self.value_bool,
            "entered_value": self.entered_value,
            "entered_unit": self.entered_unit,
        }


def clean_specification(
    parameter: ParameterLike,
    *,
    value: Any = None,
    value_min: Any = None,
    value_max: Any = None,
    choice: Any = None,
    flag: Any = None,
    unit: str | None = None,
) -> CleanSpecification:
    """Validate one specification and convert it to the parameter's canonical unit.

    ``value`` may be a number or text such as "40 MPa" or "190-900 nm" (unit in the text); an explicit ``unit``
    wins over a unit in the text only when the text has none.
    """
    unit = (unit or "").strip()
    kind = parameter.value_type
    if kind == NUMBER:
        if values.is_blank(value):
            raise InvalidValue(_("a value is required"))
        text_unit = ""
        if isinstance(value, str):
            parsed = values.parse_cell(value)
            if parsed.number is None:
                raise InvalidValue(_("expected a single value, not a range"))
            number, text_unit = parsed.number, parsed.unit
        else:
            number = values.parse_number(value)
        entered_unit = text_unit or unit or parameter.unit
        canonical = values.canonical_value(parameter, number, entered_unit)
        return CleanSpecification(
            value=canonical,
            entered_value=values.format_number(number, digits=values.ENTERED_DIGITS),
            entered_unit=entered_unit,
        )
    if kind == RANGE:
        text_unit = ""
        if value_min is None and value_max is None:
            if isinstance(value, (list, tuple)) and len(value) == 2:
                value_min, value_max = value
            elif isinstance(value, str) and not values.is_blank(value):
                parsed = values.parse_cell(value)
                if parsed.number is not None:
                    raise InvalidValue(_("expected a range such as '190-900'"))
                value_min, value_max, text_unit = parsed.low, parsed.high, parsed.unit
            else:
                raise InvalidValue(_("a range needs a minimum and a maximum"))
        if values.is_blank(value_min) or values.is_blank(value_max):
            raise InvalidValue(_("a range needs a minimum and a maximum"))
        low, high = values.parse_number(value_min), values.parse_number(value_max)
        if low > high:
            raise InvalidValue(
                _("the minimum %(low)s is greater than the maximum %(high)s")
                % {"low": values.format_number(low), "high": values.format_number(high)}
            )
        entered_unit = text_unit or unit or parameter.unit
        return CleanSpecification(
            value_min=values.canonical_value(parameter, low, entered_unit),
            value_max=values.canonical_value(parameter, high, entered_unit),
            entered_value=(
                f"{values.format_number(low, digits=values.ENTERED_DIGITS)}-"
                f"{values.format_number(high, digits=values.ENTERED_DIGITS)}"
            ),
            entered_unit=entered_unit,
        )
    if kind == CHOICE:
        raw = value if values.is_blank(choice) else choice
        option = values.match_choice(parameter.choices, raw)
        return CleanSpecification(value_text=option, entered_value=values.half_width(str(raw)))
    if kind == BOOLEAN:
        answer = values.parse_yes_no(flag if flag is not None else value)
        return CleanSpecification(value_bool=answer, entered_value="yes" if answer else "no")
    raise InvalidValue(_("unsupported value type '%(type)s'") % {"type": kind})


def display_value(parameter: ParameterLike, spec: Any) -> str:
    """A specification in the parameter's canonical unit, for tables."""
    kind = parameter.value_type
    shown = values.display_unit(parameter.unit)
    unit = "" if not shown else shown if shown in ("%", "°", "×") else f" {shown}"
    if kind == NUMBER and spec.value is not None:
        return f"{values.format_number(spec.value)}{unit}"
    if kind == RANGE and spec.value_min is not None and spec.value_max is not None:
        return f"{values.format_number(spec.value_min)}–{values.format_number(spec.value_max)}{unit}"
    if kind == CHOICE:
        return choice_label(spec.value_text)
    if kind == BOOLEAN and spec.value_bool is not None:
        return _("Yes") if spec.value_bool else _("No")
    return ""
