"""Unit conversion for specification values (pure; no ORM).

Every parameter has a canonical unit; values arrive in any unit pint can convert to it and are stored as plain
floats in the canonical unit, so matching compares numbers without touching pint.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pint

from catalog.vocabulary import unit_label

_registry: pint.UnitRegistry = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
# Units instrument makers write that pint does not know, or knows under another name.
_registry.define("m_z = [mass_to_charge] = Th = thomson")
_registry.define("ppm_ratio = 1e-6 = ppm_rel")
_registry.define("ppb = 1e-9 = parts_per_billion")
_registry.define("times = [] = x = fold")
_registry.define("percent_ratio = 0.01 = pct")
_registry.define("samples = [] = sample")
_registry.define("channels = [] = channel")


class UnitError(ValueError):
    """A unit that is unknown or cannot be converted to the parameter's canonical unit."""


# Spellings from catalogs mapped to names pint understands.
_ALIASES = {
    "": "",
    "µl": "microliter",
    "μl": "microliter",
    "ul": "microliter",
    "µL": "microliter",
    "μL": "microliter",
    "uL": "microliter",
    "ml/min": "milliliter/minute",
    "mL/min": "milliliter/minute",
    "µL/min": "microliter/minute",
    "μL/min": "microliter/minute",
    "uL/min": "microliter/minute",
    "m/z": "m_z",
    "Th": "m_z",
    "℃": "degC",
    "°C": "degC",
    "°c": "degC",
    "C": "degC",
    "K": "kelvin",
    "%": "percent",
    "ppm": "ppm",
    "ppb": "ppb",
    "Å": "angstrom",
    "A": "angstrom",
    "x": "times",
    "×": "times",
    "X": "times",
    "T": "tesla",
    "bar": "bar",
    "psi": "psi",
    "MPa": "megapascal",
    "kPa": "kilopascal",
    "Pa": "pascal",
    "min": "minute",
    "s": "second",
    "h": "hour",
    "d": "day",
}


@lru_cache(maxsize=512)
def _unit(symbol: str) -> pint.Unit:
    name = _ALIASES.get(symbol.strip(), symbol.strip())
    if name == "":
        return _registry.dimensionless
    try:
        return _registry.Unit(name)
    except (
        pint.errors.UndefinedUnitError,
        pint.errors.DefinitionSyntaxError,
        AttributeError,
        TypeError,
        ValueError,
        AssertionError,
    ) as exc:
        raise UnitError(f"unknown unit '{symbol}'") from exc


def is_known_unit(symbol: str) -> bool:
    try:
        _unit(symbol)
    except UnitError:
        return False
    return True


def are_compatible(unit: str, canonical: str) -> bool:
    try:
        return _unit(unit).dimensionality == _unit(canonical).dimensionality
    except UnitError:
        return False


@lru_cache(maxsize=4096)
def _factor_and_offset(unit: str, canonical: str) -> tuple[float, float]:
    """Linear conversion coefficients so that canonical = value * factor + offset."""
    src, dst = _unit(unit), _unit(canonical)
    if src.dimensionality != dst.dimensionality:
        raise UnitError(f"'{unit}' cannot be converted to '{canonical}'")
    zero = _registry.Quantity(0.0, src).to(dst).magnitude
    one = _registry.Quantity(1.0, src).to(dst).magnitude
    return float(one - zero), float(zero)


def to_canonical(value: float, unit: str, canonical: str) -> float:
    """Convert ``value`` given in ``unit`` into ``canonical``; an empty unit means the value is canonical."""
    if not unit or unit.strip() == canonical.strip():
        return float(value)
    factor, offset = _factor_and_offset(unit, canonical)
    return _tidy(float(value) * factor + offset)


def from_canonical(value: float, canonical: str, unit: str) -> float:
    """Convert a canonical value back into ``unit`` (to show a gap in the unit the person wrote)."""
    if not unit or unit.strip() == canonical.strip():
        return float(value)
    factor, offset = _factor_and_offset(unit, canonical)
    return (float(value) - offset) / factor


def difference_from_canonical(delta: float, canonical: str, unit: str) -> float:
    """Convert a difference (a gap or margin) from canonical into ``unit``: offsets cancel out."""
    if not unit or unit.strip() == canonical.strip():
        return float(delta)
    factor, _offset = _factor_and_offset(unit, canonical)
    return float(delta) / factor


def _tidy(value: float) -> float:
    """Drop binary noise from a conversion (0.49999999999999994 nm is 0.5 nm) so stored values compare."""
    return float(f"{value:.12g}")


@dataclass(frozen=True)
class ParsedValue:
    number: float | None
    low: float | None
    high: float | None
    unit: str


def parse_cell(text: str) -> ParsedValue:
    """Parse '5 MPa', '190-900 nm', '0.001~10 mL/min', '≥ 40' (a spreadsheet cell) into numbers and a unit.

    Raises ValueError when the text holds no number.
    """
    import re

    raw = text.strip().replace("～", "~").replace("—", "-").replace("–", "-").replace("，", ",")
    raw = raw.lstrip("≥≤<>= ")
    number = r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"
    range_match = re.fullmatch(rf"({number})\s*(?:-|~|to|至|\.\.)\s*({number})\s*(.*)", raw)
    if range_match:
        low, high, unit = range_match.groups()
        return ParsedValue(None, float(low), float(high), unit.strip())
    single = re.fullmatch(rf"({number})\s*(.*)", raw)
    if single:
        value, unit = single.groups()
        return ParsedValue(float(value), None, None, unit.strip())
    raise ValueError(f"no number in '{text}'")


# Units offered in forms, filtered per parameter to those convertible to its canonical unit.
COMMON_UNITS = (
    "nm",
    "µm",
    "mm",
    "cm",
    "m",
    "Å",
    "pm",
    "mL/min",
    "µL/min",
    "L/min",
    "µL",
    "mL",
    "nL",
    "MPa",
    "kPa",
    "Pa",
    "bar",
    "psi",
    "mbar",
    "degC",
    "K",
    "degF",
    "K/min",
    "degC/min",
    "kV",
    "V",
    "mV",
    "mA",
    "µA",
    "nA",
    "pA",
    "fA",
    "W",
    "kW",
    "mW",
    "µW",
    "Hz",
    "kHz",
    "MHz",
    "GHz",
    "T",
    "mT",
    "gauss",
    "s",
    "ms",
    "µs",
    "ns",
    "ps",
    "fs",
    "min",
    "h",
    "mg",
    "µg",
    "ng",
    "g",
    "kg",
    "mg/L",
    "µg/L",
    "ng/L",
    "pg/s",
    "fg/s",
    "ng/s",
    "J",
    "mJ",
    "µJ",
    "nJ",
    "eV",
    "keV",
    "degree",
    "mrad",
    "arcsec",
    "1/cm",
    "m_z",
    "m_z/s",
    "cps",
    "nS/cm",
    "µS/cm",
    "percent",
    "ppm",
    "ppb",
    "times",
)


def compatible_units(canonical: str) -> list[str]:
    """The canonical unit first, then the common units that convert to it."""
    if not canonical:
        return [""]
    angles = {"degree", "mrad", "arcsec"}
    # pint counts angles as dimensionless; offering degrees for a ratio would only invite mistakes.
    ratios = {"percent", "ppm", "ppb"}
    if canonical in angles:
        skip = ratios | {"times"}
    elif canonical == "times":  # a magnification is not a ratio either, though both are dimensionless
        skip = angles | ratios
    else:
        skip = angles | {"times"}
    others = [u for u in COMMON_UNITS if u != canonical and u not in skip and are_compatible(u, canonical)]
    return [canonical, *others]


def display_unit(symbol: str) -> str:
    """How a unit is printed for people ('degC' is °C); stored and API values keep the symbols above."""
    return unit_label(symbol)
