"""Turning what a person typed for a specification into canonical stored values (pure; no ORM).

The same rules serve the product forms, the API and the bulk import, so a value accepted by one is accepted by
all. Errors carry a translated reason; callers attach the field or spreadsheet column.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from django.utils.translation import gettext as _

from catalog import units
from catalog.vocabulary import choice_label

NUMBER = "number"
RANGE = "range"
CHOICE = "choice"
BOOLEAN = "boolean"

_TRUE = {"1", "true", "yes", "y", "t", "on", "是", "有", "支持", "✓"}
_FALSE = {"0", "false", "no", "n", "f", "off", "否", "无", "不支持", "✗"}
# Characters a spreadsheet treats as the start of a formula (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBERISH = re.compile(r"^[+-]?\s*\d[\d.,eE+\-~\s]*[^=@()]*$")


class ParameterLike(Protocol):
    key: str
    unit: str
    value_type: str
    choices: Any
    min_value: float | None
    max_value: float | None


class SpecificationError(ValueError):
    """A value that cannot be stored for a parameter; ``reason`` is the translated explanation."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


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


def is_formula(text: str) -> bool:
    """Whether a spreadsheet would evaluate ``text`` as a formula; plain signed numbers are not formulas."""
    if not text or not text.startswith(FORMULA_PREFIXES):
        return False
    return not (text[0] in "+-" and _PLAIN_NUMBERISH.match(text))


def neutralise_formula(value: Any) -> Any:
    """Prefix a quote so spreadsheet software shows the text instead of running it."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _number(raw: Any) -> float:
    if isinstance(raw, bool):
        raise SpecificationError(_("expected a number, got yes/no"))
    if isinstance(raw, (int, float, Decimal)):
        number = float(raw)
    else:
        try:
            number = float(Decimal(str(raw).strip().replace(",", "")))
        except (InvalidOperation, ValueError) as exc:
            raise SpecificationError(_("'%(value)s' is not a number") % {"value": raw}) from exc
    if math.isnan(number) or math.isinf(number):
        raise SpecificationError(_("'%(value)s' is not a number") % {"value": raw})
    return number


def _convert(parameter: ParameterLike, number: float, unit: str) -> float:
    try:
        return units.to_canonical(number, unit, parameter.unit)
    except units.UnitError as exc:
        if not units.is_known_unit(unit):
            raise SpecificationError(_("unknown unit '%(unit)s'") % {"unit": unit}) from exc
        raise SpecificationError(
            _("unit '%(unit)s' cannot be converted to '%(canonical)s'")
            % {"unit": unit, "canonical": parameter.unit or "1"}
        ) from exc


def _check_sane(parameter: ParameterLike, canonical: float) -> None:
    low, high = parameter.min_value, parameter.max_value
    if (low is not None and canonical < low) or (high is not None and canonical > high):
        raise SpecificationError(
            _("%(value)s %(unit)s is outside the plausible range %(low)s to %(high)s %(unit)s")
            % {
                "value": f"{canonical:g}",
                "unit": parameter.unit,
                "low": "-∞" if low is None else f"{low:g}",
                "high": "∞" if high is None else f"{high:g}",
            }
        )


def _parse_text(text: str) -> units.ParsedValue:
    try:
        return units.parse_cell(text)
    except ValueError as exc:
        raise SpecificationError(_("'%(value)s' is not a number") % {"value": text}) from exc


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
        if value is None or value == "":
            raise SpecificationError(_("a value is required"))
        text_unit = ""
        if isinstance(value, str):
            parsed = _parse_text(value)
            if parsed.number is None:
                raise SpecificationError(_("expected a single value, not a range"))
            number, text_unit = parsed.number, parsed.unit
        else:
            number = _number(value)
        entered_unit = text_unit or unit or parameter.unit
        canonical = _convert(parameter, number, entered_unit)
        _check_sane(parameter, canonical)
        return CleanSpecification(value=canonical, entered_value=f"{number:g}", entered_unit=entered_unit)
    if kind == RANGE:
        text_unit = ""
        if value_min is None and value_max is None:
            if isinstance(value, (list, tuple)) and len(value) == 2:
                value_min, value_max = value
            elif isinstance(value, str) and value.strip():
                parsed = _parse_text(value)
                if parsed.number is not None:
                    raise SpecificationError(_("expected a range such as '190-900'"))
                value_min, value_max, text_unit = parsed.low, parsed.high, parsed.unit
            else:
                raise SpecificationError(_("a range needs a minimum and a maximum"))
        if value_min is None or value_max is None or value_min == "" or value_max == "":
            raise SpecificationError(_("a range needs a minimum and a maximum"))
        low, high = _number(value_min), _number(value_max)
        entered_unit = text_unit or unit or parameter.unit
        canonical_low = _convert(parameter, low, entered_unit)
        canonical_high = _convert(parameter, high, entered_unit)
        if canonical_low > canonical_high:
            raise SpecificationError(
                _("the minimum %(low)s is greater than the maximum %(high)s") % {"low": f"{low:g}", "high": f"{high:g}"}
            )
        _check_sane(parameter, canonical_low)
        _check_sane(parameter, canonical_high)
        return CleanSpecification(
            value_min=canonical_low,
            value_max=canonical_high,
            entered_value=f"{low:g}-{high:g}",
            entered_unit=entered_unit,
        )
    if kind == CHOICE:
        raw = choice if choice not in (None, "") else value
        text = "" if raw is None else str(raw).strip()
        if not text:
            raise SpecificationError(_("a choice is required"))
        options = [str(option) for option in (parameter.choices or [])]
        for option in options:
            if option.casefold() == text.casefold():
                return CleanSpecification(value_text=option, entered_value=text)
        raise SpecificationError(
            _("'%(value)s' is not one of: %(choices)s") % {"value": text, "choices": ", ".join(options)}
        )
    if kind == BOOLEAN:
        raw = flag if flag is not None else value
        if isinstance(raw, bool):
            answer = raw
        else:
            text = "" if raw is None else str(raw).strip().casefold()
            if text in _TRUE:
                answer = True
            elif text in _FALSE:
                answer = False
            else:
                raise SpecificationError(_("'%(value)s' is not yes or no") % {"value": raw})
        return CleanSpecification(value_bool=answer, entered_value="yes" if answer else "no")
    raise SpecificationError(_("unsupported value type '%(type)s'") % {"type": kind})


def display_value(parameter: ParameterLike, spec: Any) -> str:
    """A specification in the parameter's canonical unit, for tables."""
    kind = parameter.value_type
    shown = units.display_unit(parameter.unit)
    unit = "" if not shown else shown if shown in ("%", "°", "×") else f" {shown}"
    if kind == NUMBER and spec.value is not None:
        return f"{spec.value:g}{unit}"
    if kind == RANGE and spec.value_min is not None and spec.value_max is not None:
        return f"{spec.value_min:g}–{spec.value_max:g}{unit}"
    if kind == CHOICE:
        return choice_label(spec.value_text)
    if kind == BOOLEAN and spec.value_bool is not None:
        return _("Yes") if spec.value_bool else _("No")
    return ""
