"""How a requirement as a person writes it becomes a stored requirement (pure; no ORM access).

A requirement names a dictionary parameter, an operator that fits the parameter's value type, and value(s) in
any unit convertible to the parameter's canonical unit. Values are stored canonically so the matcher compares
plain numbers, and what the person wrote is kept for display.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.utils.translation import gettext as _

from catalog import units
from config.exceptions import ApplicationError

NUMBER = "number"
RANGE = "range"
CHOICE = "choice"
BOOLEAN = "boolean"

# Operators each value type accepts; the first is the default when the parameter has no better direction.
OPERATORS_BY_TYPE: dict[str, tuple[str, ...]] = {
    NUMBER: (">=", "<=", "="),
    RANGE: ("covers",),
    CHOICE: ("in", "="),
    BOOLEAN: ("=",),
}

# A number where lower is better (RSD, noise, detection limit) is asked for as "at most"; defaulting it to
# "at least" would make a researcher who types "0.1 %" ask for RSD >= 0.1 % and get the wrong matches.
_OPERATOR_BY_BETTER: dict[str, str] = {"lower": "<=", "higher": ">=", "wider": "covers"}

MAX_WEIGHT = 100.0

# Units people write for instruments; the form offers those convertible to a parameter's canonical unit.
COMMON_UNITS: tuple[str, ...] = (
    "pm",
    "Å",
    "nm",
    "µm",
    "mm",
    "cm",
    "m",
    "µL",
    "mL",
    "L",
    "µL/min",
    "mL/min",
    "L/min",
    "Pa",
    "kPa",
    "MPa",
    "bar",
    "psi",
    "°C",
    "K",
    "µs",
    "ms",
    "s",
    "min",
    "h",
    "Hz",
    "kHz",
    "MHz",
    "GHz",
    "T",
    "mT",
    "µg",
    "mg",
    "g",
    "kg",
    "mW",
    "W",
    "kW",
    "mV",
    "V",
    "kV",
    "eV",
    "keV",
    "ppb",
    "ppm",
    "%",
    "m/z",
)

# Dimensionless ratios convert among themselves only; a plain count or a fold is never offered as a percentage.
_RATIO_UNITS = ("%", "percent", "ppm", "ppb")
# Canonical units the dictionary spells the way pint does, and how people write them.
_SAME_UNIT: dict[str, set[str]] = {"degC": {"°C", "℃"}, "percent": {"%"}}


class ParameterLike(Protocol):
    key: str
    unit: str
    value_type: str
    better: str
    choices: Any
    min_value: float | None
    max_value: float | None


@dataclass(frozen=True)
class RequirementInput:
    """One requirement as written on a form or sent to the API."""

    parameter_key: str
    operator: str
    value: Any = None
    value_min: Any = None
    value_max: Any = None
    choices: Sequence[str] = ()
    unit: str = ""
    is_mandatory: bool = True
    weight: Any = 1.0


@dataclass
class CleanRequirement:
    """A requirement ready to store: values in the parameter's canonical unit."""

    parameter_key: str
    operator: str
    value: float | None = None
    value_min: float | None = None
    value_max: float | None = None
    value_choices: list[str] = field(default_factory=list)
    entered_value: str = ""
    unit: str = ""
    is_mandatory: bool = True
    weight: float = 1.0


def default_operator(parameter: ParameterLike) -> str:
    """The operator a requirement on this parameter means when none is given: from the better direction."""
    allowed = OPERATORS_BY_TYPE.get(parameter.value_type, ())
    if not allowed:
        return ""
    preferred = _OPERATOR_BY_BETTER.get(parameter.better or "")
    return preferred if preferred in allowed else allowed[0]


def operators_for(parameter: ParameterLike) -> list[str]:
    """The operators a parameter accepts, its default first (a narrow select shows the default's label)."""
    default = default_operator(parameter)
    if not default:
        return []
    return [default, *(op for op in OPERATORS_BY_TYPE.get(parameter.value_type, ()) if op != default)]


def unit_choices(canonical: str) -> list[str]:
    """The canonical unit first, then the common units that convert to it."""
    if not canonical:
        return [""]
    if units.are_compatible(canonical, ""):
        if canonical not in _RATIO_UNITS:
            return [canonical]
        same = {canonical, "%", "percent"} if canonical in ("%", "percent") else {canonical}
        return [canonical, *(u for u in _RATIO_UNITS if u not in same)]
    spellings = _SAME_UNIT.get(canonical, set())
    others = [u for u in COMMON_UNITS if u != canonical and u not in spellings and units.are_compatible(u, canonical)]
    return [canonical, *others]


def _number(raw: Any, field_name: str) -> float:
    if isinstance(raw, bool):
        raise ApplicationError(_("Enter a number."), field=field_name)
    if isinstance(raw, str):
        raw = raw.strip().replace(",", "")
    try:
        number = float(raw)
    except (TypeError, ValueError):
        raise ApplicationError(_("Enter a number."), field=field_name) from None
    if not math.isfinite(number):
        raise ApplicationError(_("Enter a finite number."), field=field_name)
    return number


def _present(raw: Any) -> bool:
    return raw is not None and not (isinstance(raw, str) and raw.strip() == "")


def _boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in {"true", "yes", "1", "是", "y"}:
        return True
    if text in {"false", "no", "0", "否", "n"}:
        return False
    raise ApplicationError(_("Enter yes or no."), field="value")


def _canonical(number: float, unit: str, parameter: ParameterLike, field_name: str) -> float:
    try:
        value = units.to_canonical(number, unit, parameter.unit)
    except units.UnitError:
        raise ApplicationError(
            _("The unit “%(unit)s” cannot be converted to %(canonical)s.")
            % {"unit": unit, "canonical": parameter.unit or _("a plain number")},
            field="unit",
        ) from None
    if parameter.min_value is not None and value < parameter.min_value:
        raise ApplicationError(
            _("The value is below the smallest sane value (%(limit)g %(unit)s).")
            % {"limit": parameter.min_value, "unit": parameter.unit},
            field=field_name,
        )
    if parameter.max_value is not None and value > parameter.max_value:
        raise ApplicationError(
            _("The value is above the largest sane value (%(limit)g %(unit)s).")
            % {"limit": parameter.max_value, "unit": parameter.unit},
            field=field_name,
        )
    return value


def _format(number: float) -> str:
    return f"{number:g}"


def requirement_clean(parameter: ParameterLike, data: RequirementInput) -> CleanRequirement:
    """Validate one requirement against its parameter; raise ApplicationError naming the offending field."""
    value_type = parameter.value_type
    allowed = OPERATORS_BY_TYPE.get(value_type, ())
    operator = (data.operator or "").strip() or default_operator(parameter)
    if operator not in allowed:
        raise ApplicationError(
            _("The operator “%(operator)s” does not fit this parameter; use one of: %(allowed)s.")
            % {"operator": operator, "allowed": ", ".join(allowed)},
            field="operator",
        )
    weight = _number(data.weight if _present(data.weight) else 1.0, "weight")
    if weight < 0 or weight > MAX_WEIGHT:
        raise ApplicationError(
            _("The weight must be between 0 and %(max)g.") % {"max": MAX_WEIGHT},
            field="weight",
        )
    unit = (data.unit or "").strip()
    clean = CleanRequirement(
        parameter_key=parameter.key,
        operator=operator,
        is_mandatory=bool(data.is_mandatory),
        weight=weight,
    )
    if value_type in (NUMBER, RANGE) and unit and parameter.unit and not units.is_known_unit(unit):
        raise ApplicationError(_("Unknown unit “%(unit)s”.") % {"unit": unit}, field="unit")

    if value_type == NUMBER:
        if not _present(data.value):
            raise ApplicationError(_("Enter a value."), field="value")
        number = _number(data.value, "value")
        clean.value = _canonical(number, unit, parameter, "value")
        clean.entered_value = _format(number)
        clean.unit = unit or parameter.unit
    elif value_type == RANGE:
        if not _present(data.value_min):
            raise ApplicationError(_("Enter the lower end of the range."), field="value_min")
        if not _present(data.value_max):
            raise ApplicationError(_("Enter the upper end of the range."), field="value_max")
        low = _number(data.value_min, "value_min")
        high = _number(data.value_max, "value_max")
        if low > high:
            raise ApplicationError(_("The minimum of a range cannot exceed its maximum."), field="value_min")
        clean.value_min = _canonical(low, unit, parameter, "value_min")
        clean.value_max = _canonical(high, unit, parameter, "value_max")
        clean.entered_value = f"{_format(low)}-{_format(high)}"
        clean.unit = unit or parameter.unit
    elif value_type == CHOICE:
        known = [str(c) for c in (parameter.choices or [])]
        picked = [str(c).strip() for c in data.choices if str(c).strip()]
        if operator == "=" and not picked and _present(data.value):
            picked = [str(data.value).strip()]
        picked = list(dict.fromkeys(picked))
        if not picked:
            raise ApplicationError(_("Choose at least one value."), field="choices")
        if operator == "=" and len(picked) != 1:
            raise ApplicationError(_("“=” takes exactly one value; use “in” for several."), field="choices")
        unknown = [c for c in picked if c not in known]
        if unknown:
            raise ApplicationError(
                _("Not a choice of this parameter: %(values)s. Choices: %(known)s.")
                % {"values": ", ".join(unknown), "known": ", ".join(known)},
                field="choices",
            )
        clean.value_choices = picked
        clean.entered_value = ", ".join(picked)[:100]
    elif value_type == BOOLEAN:
        raw = data.value
        if not _present(raw) and data.choices:
            raw = data.choices[0]
        if not _present(raw):
            raise ApplicationError(_("Enter yes or no."), field="value")
        flag = _boolean(raw)
        clean.value_choices = ["true" if flag else "false"]
        clean.entered_value = "true" if flag else "false"
    return clean
