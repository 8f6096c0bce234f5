"""Values of the specification dictionary (pure; no ORM): numbers, ranges, choices, yes/no and units.

Specifications (``catalog.specvalues``), requirements (``procurement.requirement_rules``), the bulk imports and
the shared-instrument file all read values through these functions, so a value one of them accepts the others
accept too, and every comparison of choices or yes/no answers is made the same way. Every parameter has a
canonical unit; values arrive in any unit pint can convert to it and are stored as plain floats in that unit,
so matching compares numbers without touching pint.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple, Protocol

import pint
from django.utils import translation
from django.utils.translation import gettext as _
from django_countries import countries

# ISO 3166-1 alpha-2 codes django-countries knows.
_COUNTRY_CODES = {str(code) for code, _name in countries}

NUMBER = "number"
RANGE = "range"
CHOICE = "choice"
BOOLEAN = "boolean"
VALUE_TYPES = (NUMBER, RANGE, CHOICE, BOOLEAN)


class ParameterLike(Protocol):
    """What the value rules read of a dictionary parameter (a ``catalog.models.Parameter`` or a test double)."""

    key: str
    unit: str
    value_type: str
    choices: Any
    min_value: float | None
    max_value: float | None


class InvalidValue(ValueError):
    """A value that cannot be stored for a parameter.

    ``reason`` is the translated explanation; ``field`` is ``"unit"`` when the unit is at fault, else None (the
    value itself). Callers attach the form field, API field or spreadsheet column.
    """

    def __init__(self, reason: str, *, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


# --- Numbers ------------------------------------------------------------------------------------------------

# Full-width forms (what a Chinese input method types: "４０", "－５", "，") read as their ASCII twins; the
# ideographic space as a space; the minus sign as a hyphen. Nothing else is folded, so "µm" stays "µm".
_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20, 0x2212: ord("-")}
# ASCII digits only: "٣" or "²" are digits to str.isdigit() but not numbers anyone here writes.
_NUMBER = r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
_NUMBER_RE = re.compile(rf"^{_NUMBER}$", re.ASCII)
# A thousands separator between digits ("1,000", "12,500.5").
_THOUSANDS = re.compile(r"(?<=[0-9]),(?=[0-9]{3}(?![0-9]))", re.ASCII)


def half_width(text: str) -> str:
    """``text`` with full-width letters, digits and punctuation as ASCII, and surrounding space removed."""
    return text.translate(_HALF_WIDTH).strip()


def parse_number(raw: Any) -> float:
    """A finite number from a number or from text such as "40", "４０", "1,000.5" or "-2e3"."""
    if isinstance(raw, bool):
        raise InvalidValue(_("expected a number, got yes/no"))
    if isinstance(raw, (int, float, Decimal)):
        number = float(raw)
    else:
        text = _THOUSANDS.sub("", half_width("" if raw is None else str(raw)))
        if not _NUMBER_RE.match(text):
            raise InvalidValue(_("'%(value)s' is not a number") % {"value": raw})
        number = float(text)
    if not math.isfinite(number):
        raise InvalidValue(_("'%(value)s' is not a number") % {"value": raw})
    return number


def is_blank(raw: Any) -> bool:
    """Nothing entered: None, or text that is empty once trimmed."""
    return raw is None or (isinstance(raw, str) and half_width(raw) == "")


def format_number(number: float, *, digits: int = 6) -> str:
    """A number as a person writes it, at most ``digits`` significant digits and never in scientific notation:
    0.00001, not 1e-05; 2500000, not 2.5e+06; 0.1, not 0.100000. Every page, export and message that shows a
    specification or requirement value writes it through here (or through ``format_entered``)."""
    number = float(number)
    if not math.isfinite(number):
        return "∞" if number > 0 else "-∞" if number < 0 else "?"
    if number == 0:
        return "0"
    text = format(Decimal(f"{number:.{digits}g}").normalize(), "f")
    return text


# A number written in scientific notation inside a text (1e-05, 2.5E+06), not inside a word.
_SCIENTIFIC = re.compile(r"(?<![\w.])[-+]?(?:\d+\.?\d*|\.\d+)[eE][-+]?\d+(?![\w.])")


def format_entered(text: Any) -> str:
    """An as-entered value for a page: numbers in scientific notation written out (1e-05-2e-05 →
    0.00001-0.00002), everything else as the person typed it."""
    if text is None:
        return ""
    return _SCIENTIFIC.sub(lambda found: format_number(float(found.group()), digits=ENTERED_DIGITS), str(text))


# Significant digits kept of what a person typed (the stored as-entered value): all a float holds reliably.
ENTERED_DIGITS = 12


@dataclass(frozen=True)
class ParsedValue:
    number: float | None
    low: float | None
    high: float | None
    unit: str


_RANGE_CELL = re.compile(rf"({_NUMBER})\s*(?:-|~|to|至|\.\.)\s*({_NUMBER})\s*(.*)", re.ASCII | re.DOTALL)
_SINGLE_CELL = re.compile(rf"({_NUMBER})\s*(.*)", re.ASCII | re.DOTALL)


def parse_cell(text: str) -> ParsedValue:
    """Parse '5 MPa', '190-900 nm', '0.001~10 mL/min', '≥ 40', '４０ MPa' into numbers and a unit."""
    raw = half_width(text).replace("—", "-").replace("–", "-")
    raw = _THOUSANDS.sub("", raw).lstrip("≥≤<>= ")
    range_match = _RANGE_CELL.fullmatch(raw)
    if range_match:
        low, high, unit = range_match.groups()
        return ParsedValue(None, float(low), float(high), unit.strip())
    single = _SINGLE_CELL.fullmatch(raw)
    if single:
        value, unit = single.groups()
        return ParsedValue(float(value), None, None, unit.strip())
    raise InvalidValue(_("'%(value)s' is not a number") % {"value": text})


# --- Choices and yes/no ---------------------------------------------------------------------------------------


def choice_key(text: Any) -> str:
    """How choices compare everywhere: trimmed, full-width folded, case-insensitive."""
    return half_width("" if text is None else str(text)).casefold()


def match_choice(options: Iterable[Any], raw: Any) -> str:
    """The dictionary's spelling of the option ``raw`` names ("dad" → "DAD"); InvalidValue when none does."""
    known = [str(option) for option in options or []]
    wanted = choice_key(raw)
    if not wanted:
        raise InvalidValue(_("a choice is required"))
    for option in known:
        if choice_key(option) == wanted:
            return option
    raise InvalidValue(
        _("'%(value)s' is not one of: %(choices)s") % {"value": half_width(str(raw)), "choices": ", ".join(known)}
    )


# The one yes/no vocabulary, in Chinese and English (compared through ``choice_key``).
YES_WORDS = frozenset({"1", "true", "yes", "y", "t", "on", "是", "有", "支持", "开放", "✓", "√"})
NO_WORDS = frozenset({"0", "false", "no", "n", "f", "off", "否", "无", "没有", "不支持", "不开放", "✗"})


def parse_yes_no(raw: Any) -> bool:
    """True or False from a bool or a word of the vocabulary above; InvalidValue for anything else or nothing."""
    if isinstance(raw, bool):
        return raw
    word = choice_key(raw)
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    if not word:
        raise InvalidValue(_("a yes or no is required"))
    raise InvalidValue(_("'%(value)s' is not yes or no") % {"value": raw})


# --- Units ----------------------------------------------------------------------------------------------------

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


# Spellings from catalogs and forms mapped to names pint understands.
UNIT_ALIASES: dict[str, str] = {
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
    name = UNIT_ALIASES.get(symbol.strip(), symbol.strip())
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


def canonical_value(parameter: ParameterLike, number: float, unit: str) -> float:
    """``number`` in ``unit`` converted to the parameter's canonical unit, refused when not sane for it.

    The unit's faults carry ``field="unit"``; a value outside the parameter's sane interval has no field.
    """
    try:
        canonical = to_canonical(number, unit, parameter.unit)
    except UnitError as exc:
        if not is_known_unit(unit):
            raise InvalidValue(_("unknown unit '%(unit)s'") % {"unit": unit}, field="unit") from exc
        raise InvalidValue(
            _("unit '%(unit)s' cannot be converted to '%(canonical)s'")
            % {"unit": unit, "canonical": parameter.unit or "1"},
            field="unit",
        ) from exc
    low, high = parameter.min_value, parameter.max_value
    if (low is not None and canonical < low) or (high is not None and canonical > high):
        raise InvalidValue(
            _("%(value)s %(unit)s is outside the plausible range %(low)s to %(high)s %(unit)s")
            % {
                "value": format_number(canonical),
                "unit": parameter.unit,
                "low": "-∞" if low is None else format_number(low),
                "high": "∞" if high is None else format_number(high),
            }
        )
    return canonical


class OfferedUnit(NamedTuple):
    symbol: str  # as stored and sent through the API (pint's spelling)
    shown: str  # as printed for people
    name_zh: str
    name_en: str


# Units offered in forms, filtered per parameter to those convertible to its canonical unit.
OFFERED_UNITS: tuple[OfferedUnit, ...] = (
    OfferedUnit("nm", "nm", "纳米", "nanometre"),
    OfferedUnit("µm", "µm", "微米", "micrometre"),
    OfferedUnit("mm", "mm", "毫米", "millimetre"),
    OfferedUnit("cm", "cm", "厘米", "centimetre"),
    OfferedUnit("m", "m", "米", "metre"),
    OfferedUnit("Å", "Å", "埃", "ångström"),
    OfferedUnit("pm", "pm", "皮米", "picometre"),
    OfferedUnit("mL/min", "mL/min", "毫升每分钟", "millilitres per minute"),
    OfferedUnit("µL/min", "µL/min", "微升每分钟", "microlitres per minute"),
    OfferedUnit("L/min", "L/min", "升每分钟", "litres per minute"),
    OfferedUnit("nL", "nL", "纳升", "nanolitre"),
    OfferedUnit("µL", "µL", "微升", "microlitre"),
    OfferedUnit("mL", "mL", "毫升", "millilitre"),
    OfferedUnit("L", "L", "升", "litre"),
    OfferedUnit("MPa", "MPa", "兆帕", "megapascal"),
    OfferedUnit("kPa", "kPa", "千帕", "kilopascal"),
    OfferedUnit("Pa", "Pa", "帕", "pascal"),
    OfferedUnit("bar", "bar", "巴", "bar"),
    OfferedUnit("mbar", "mbar", "毫巴", "millibar"),
    OfferedUnit("psi", "psi", "磅力每平方英寸", "pounds per square inch"),
    OfferedUnit("degC", "°C", "摄氏度", "degrees Celsius"),
    OfferedUnit("K", "K", "开尔文", "kelvin"),
    OfferedUnit("degF", "°F", "华氏度", "degrees Fahrenheit"),
    OfferedUnit("K/min", "K/min", "开尔文每分钟", "kelvin per minute"),
    OfferedUnit("degC/min", "°C/min", "摄氏度每分钟", "degrees Celsius per minute"),
    OfferedUnit("kV", "kV", "千伏", "kilovolt"),
    OfferedUnit("V", "V", "伏", "volt"),
    OfferedUnit("mV", "mV", "毫伏", "millivolt"),
    OfferedUnit("mA", "mA", "毫安", "milliampere"),
    OfferedUnit("µA", "µA", "微安", "microampere"),
    OfferedUnit("nA", "nA", "纳安", "nanoampere"),
    OfferedUnit("pA", "pA", "皮安", "picoampere"),
    OfferedUnit("fA", "fA", "飞安", "femtoampere"),
    OfferedUnit("kW", "kW", "千瓦", "kilowatt"),
    OfferedUnit("W", "W", "瓦", "watt"),
    OfferedUnit("mW", "mW", "毫瓦", "milliwatt"),
    OfferedUnit("µW", "µW", "微瓦", "microwatt"),
    OfferedUnit("Hz", "Hz", "赫兹", "hertz"),
    OfferedUnit("kHz", "kHz", "千赫", "kilohertz"),
    OfferedUnit("MHz", "MHz", "兆赫", "megahertz"),
    OfferedUnit("GHz", "GHz", "吉赫", "gigahertz"),
    OfferedUnit("T", "T", "特斯拉", "tesla"),
    OfferedUnit("mT", "mT", "毫特斯拉", "millitesla"),
    OfferedUnit("gauss", "G", "高斯", "gauss"),
    OfferedUnit("s", "s", "秒", "seconds"),
    OfferedUnit("ms", "ms", "毫秒", "milliseconds"),
    OfferedUnit("µs", "µs", "微秒", "microseconds"),
    OfferedUnit("ns", "ns", "纳秒", "nanoseconds"),
    OfferedUnit("ps", "ps", "皮秒", "picoseconds"),
    OfferedUnit("fs", "fs", "飞秒", "femtoseconds"),
    OfferedUnit("min", "min", "分钟", "minutes"),
    OfferedUnit("h", "h", "小时", "hours"),
    OfferedUnit("kg", "kg", "千克", "kilogram"),
    OfferedUnit("g", "g", "克", "gram"),
    OfferedUnit("mg", "mg", "毫克", "milligram"),
    OfferedUnit("µg", "µg", "微克", "microgram"),
    OfferedUnit("ng", "ng", "纳克", "nanogram"),
    OfferedUnit("mg/L", "mg/L", "毫克每升", "milligrams per litre"),
    OfferedUnit("µg/L", "µg/L", "微克每升", "micrograms per litre"),
    OfferedUnit("ng/L", "ng/L", "纳克每升", "nanograms per litre"),
    OfferedUnit("ng/s", "ng/s", "纳克每秒", "nanograms per second"),
    OfferedUnit("pg/s", "pg/s", "皮克每秒", "picograms per second"),
    OfferedUnit("fg/s", "fg/s", "飞克每秒", "femtograms per second"),
    OfferedUnit("J", "J", "焦耳", "joule"),
    OfferedUnit("mJ", "mJ", "毫焦", "millijoule"),
    OfferedUnit("µJ", "µJ", "微焦", "microjoule"),
    OfferedUnit("nJ", "nJ", "纳焦", "nanojoule"),
    OfferedUnit("eV", "eV", "电子伏特", "electronvolt"),
    OfferedUnit("keV", "keV", "千电子伏特", "kiloelectronvolt"),
    OfferedUnit("degree", "°", "度", "degrees"),
    OfferedUnit("mrad", "mrad", "毫弧度", "milliradian"),
    OfferedUnit("arcsec", "″", "角秒", "arcseconds"),
    OfferedUnit("1/cm", "cm⁻¹", "波数（每厘米）", "wavenumber (per centimetre)"),
    OfferedUnit("m_z", "m/z", "质荷比", "mass-to-charge ratio"),
    OfferedUnit("m_z/s", "m/z/s", "质荷比每秒", "m/z per second"),
    OfferedUnit("cps", "cps", "每秒计数", "counts per second"),
    OfferedUnit("nS/cm", "nS/cm", "纳西门子每厘米", "nanosiemens per centimetre"),
    OfferedUnit("µS/cm", "µS/cm", "微西门子每厘米", "microsiemens per centimetre"),
    OfferedUnit("percent", "%", "百分比", "percent"),
    OfferedUnit("ppm", "ppm", "百万分之一", "parts per million"),
    OfferedUnit("ppb", "ppb", "十亿分之一", "parts per billion"),
    OfferedUnit("times", "×", "倍", "times"),
)
_OFFERED = {unit.symbol: unit for unit in OFFERED_UNITS}
# pint counts angles, ratios and folds as dimensionless; offering degrees for a ratio or a percentage for a
# magnification would only invite mistakes, so each converts among its own kind only.
_ANGLES = frozenset({"degree", "mrad", "arcsec"})
_RATIOS = frozenset({"percent", "ppm", "ppb"})
_FOLDS = frozenset({"times"})


def compatible_units(canonical: str) -> list[str]:
    """The canonical unit first, then the offered units that convert to it."""
    if not canonical:
        return [""]
    kinds = (_ANGLES, _RATIOS, _FOLDS)
    own = next((kind for kind in kinds if canonical in kind), frozenset())
    skip = frozenset().union(*(kind for kind in kinds if kind is not own))
    others = [
        unit.symbol
        for unit in OFFERED_UNITS
        if unit.symbol != canonical and unit.symbol not in skip and are_compatible(unit.symbol, canonical)
    ]
    return [canonical, *others]


def display_unit(symbol: str) -> str:
    """How a stored unit is printed for people: 'degC' → '°C', 'percent' → '%'; others as they are."""
    offered = _OFFERED.get(symbol)
    return offered.shown if offered else symbol


def unit_name(symbol: str) -> str:
    """The unit's name in the active language ('MPa' → '兆帕' or 'megapascal'); '' for units not offered."""
    offered = _OFFERED.get(symbol)
    if offered is None:
        return ""
    return offered.name_en if translation.get_language() == "en" else offered.name_zh


def unit_choice_label(symbol: str) -> str:
    """A unit as a form offers it: its symbol, and its name where the name says more ("MPa · 兆帕")."""
    if not symbol:
        return "—"
    shown, name = display_unit(symbol), unit_name(symbol)
    return f"{shown} · {name}" if name and name != shown else shown


def country_code(text: str) -> str | None:
    """An ISO 3166-1 alpha-2 code from a code (de, DE) or a country's English or Chinese name, or None.

    Where a product or its key components are made is checked with this one rule on pages, the API and imports.
    """
    text = half_width(str(text or "")).strip()
    if not text:
        return None
    if text.upper() in _COUNTRY_CODES:
        return text.upper()
    for language in ("en", "zh-hans"):
        code = countries.by_name(text, language=language)
        if code:
            return str(code)
    return None


def key_part_origin(name: str, origin: str, *, process: bool = False) -> str:
    """The country code of where a key component is made (a key process done), or InvalidValue saying why not.

    Where key parts are made decides whether the product counts as domestic, so an unknown country is an error
    on every way in (pages, API, imports), never saved as typed.
    """
    origin = half_width(str(origin or "")).strip()
    code = country_code(origin)
    if code is not None:
        return code
    if not origin:
        if process:
            raise InvalidValue(
                _("Key process “%(name)s” has no country: add one, e.g. “%(name)s: CN”.") % {"name": name}
            )
        raise InvalidValue(_("Key component “%(name)s” has no country: add one, e.g. “%(name)s: CN”.") % {"name": name})
    if process:
        raise InvalidValue(
            _("Key process “%(name)s”: “%(origin)s” is not a known country; use an ISO 3166 code such as CN or DE.")
            % {"name": name, "origin": origin}
        )
    raise InvalidValue(
        _("Key component “%(name)s”: “%(origin)s” is not a known country; use an ISO 3166 code such as CN or DE.")
        % {"name": name, "origin": origin}
    )
