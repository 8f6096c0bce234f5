"""How a requirement as a person writes it becomes a stored requirement (pure; no ORM access).

A requirement names a dictionary parameter, an operator that fits the parameter's value type, and value(s) in
any unit convertible to the parameter's canonical unit. Values are stored canonically so the matcher compares
plain numbers, and what the person wrote is kept for display.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from catalog import values
from catalog.values import BOOLEAN, CHOICE, NUMBER, RANGE, InvalidValue, ParameterLike
from config.exceptions import ApplicationError

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
    preferred = _OPERATOR_BY_BETTER.get(getattr(parameter, "better", "") or "")
    return preferred if preferred in allowed else allowed[0]


def operators_for(parameter: ParameterLike) -> list[str]:
    """The operators a parameter accepts, its default first (a narrow select shows the default's label)."""
    default = default_operator(parameter)
    if not default:
        return []
    return [default, *(op for op in OPERATORS_BY_TYPE.get(parameter.value_type, ()) if op != default)]


def _number(raw: Any, field_name: str) -> float:
    try:
        return values.parse_number(raw)
    except InvalidValue as exc:
        raise ApplicationError(exc.reason, field=field_name) from None


def _canonical(number: float, unit: str, parameter: ParameterLike, field_name: str) -> float:
    try:
        return values.canonical_value(parameter, number, unit)
    except InvalidValue as exc:
        raise ApplicationError(exc.reason, field=exc.field or field_name) from None


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
    weight = _number(1.0 if values.is_blank(data.weight) else data.weight, "weight")
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
    if value_type == NUMBER:
        if values.is_blank(data.value):
            raise ApplicationError(_("Enter a value."), field="value")
        number = _number(data.value, "value")
        clean.value = _canonical(number, unit, parameter, "value")
        clean.entered_value = values.format_number(number, digits=values.ENTERED_DIGITS)
        clean.unit = unit or parameter.unit
    elif value_type == RANGE:
        if values.is_blank(data.value_min):
            raise ApplicationError(_("Enter the lower end of the range."), field="value_min")
        if values.is_blank(data.value_max):
            raise ApplicationError(_("Enter the upper end of the range."), field="value_max")
        low = _number(data.value_min, "value_min")
        high = _number(data.value_max, "value_max")
        if low > high:
            raise ApplicationError(_("The minimum of a range cannot exceed its maximum."), field="value_min")
        clean.value_min = _canonical(low, unit, parameter, "value_min")
        clean.value_max = _canonical(high, unit, parameter, "value_max")
        clean.entered_value = (
            f"{values.format_number(low, digits=values.ENTERED_DIGITS)}-"
            f"{values.format_number(high, digits=values.ENTERED_DIGITS)}"
        )
        clean.unit = unit or parameter.unit
    elif value_type == CHOICE:
        written = [c for c in data.choices if not values.is_blank(c)]
        if operator == "=" and not written and not values.is_blank(data.value):
            written = [data.value]
        if not written:
            raise ApplicationError(_("Choose at least one value."), field="choices")
        known = [str(c) for c in (parameter.choices or [])]
        picked: list[str] = []
        unknown: list[str] = []
        for raw in written:
            try:
                picked.append(values.match_choice(known, raw))
            except InvalidValue:
                unknown.append(values.half_width(str(raw)))
        if unknown:
            raise ApplicationError(
                _("Not a choice of this parameter: %(values)s. Choices: %(known)s.")
                % {"values": ", ".join(unknown), "known": ", ".join(known)},
                field="choices",
            )
        # Stored in the dictionary's spelling, so "dad" and "DAD" are one choice.
        picked = list(dict.fromkeys(picked))
        if operator == "=" and len(picked) != 1:
            raise ApplicationError(_("“=” takes exactly one value; use “in” for several."), field="choices")
        clean.value_choices = picked
        clean.entered_value = ", ".join(picked)[:100]
    elif value_type == BOOLEAN:
        raw = data.value
        if values.is_blank(raw) and data.choices:
            raw = data.choices[0]
        try:
            flag = values.parse_yes_no(raw)
        except InvalidValue:
            raise ApplicationError(_("Enter yes or no."), field="value") from None
        clean.value_choices = ["true" if flag else "false"]
        clean.entered_value = "true" if flag else "false"
    return clean
