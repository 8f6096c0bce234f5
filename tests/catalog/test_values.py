"""The one module of value rules: numbers, ranges, choices, yes/no in both languages, units and their names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import translation

from catalog import values
from catalog.specvalues import clean_specification
from catalog.values import InvalidValue


@dataclass
class Param:
    key: str = "p"
    unit: str = "MPa"
    value_type: str = values.NUMBER
    choices: Any = ()
    min_value: float | None = 0
    max_value: float | None = 300


# --- numbers -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        (40, 40.0),
        (2.5, 2.5),
        ("40", 40.0),
        (" 40 ", 40.0),
        ("1,000.5", 1000.5),
        ("-2e3", -2000.0),
        (".5", 0.5),
        ("４０", 40.0),  # full-width digits, as a Chinese input method types them
        ("－５．５", -5.5),  # full-width minus and point
        ("−3", -3.0),  # the minus sign
    ],
)
def test_parse_number_reads_plain_and_full_width_numbers(raw, number):
    assert values.parse_number(raw) == number


@pytest.mark.parametrize("raw", ["abc", "", None, True, "nan", "inf", "1e999", "٣", "²", "1_000", "12,34", "4 0"])
def test_parse_number_refuses_what_is_not_a_finite_ascii_number(raw):
    with pytest.raises(InvalidValue):
        values.parse_number(raw)


def test_parse_cell_reads_numbers_ranges_and_units():
    assert values.parse_cell("40 MPa") == values.ParsedValue(40.0, None, None, "MPa")
    assert values.parse_cell("190-900 nm") == values.ParsedValue(None, 190.0, 900.0, "nm")
    assert values.parse_cell("0.001~10 mL/min").high == 10.0
    assert values.parse_cell("１９０～９００ nm") == values.ParsedValue(None, 190.0, 900.0, "nm")
    assert values.parse_cell("≥ 40 MPa").number == 40.0
    assert values.parse_cell("1,000 bar") == values.ParsedValue(1000.0, None, None, "bar")
    assert values.parse_cell("5 至 10 µm") == values.ParsedValue(None, 5.0, 10.0, "µm")


@pytest.mark.parametrize("text", ["", "MPa", "٣ MPa", "about forty"])
def test_parse_cell_refuses_text_without_a_number(text):
    with pytest.raises(InvalidValue):
        values.parse_cell(text)


# --- canonical values and the sanity check ----------------------------------------------------------------------


def test_canonical_value_converts_and_checks_sanity():
    assert values.canonical_value(Param(), 400, "bar") == pytest.approx(40)
    with pytest.raises(InvalidValue) as outside:
        values.canonical_value(Param(), 4000, "bar")
    assert outside.value.field is None
    assert "plausible range" in outside.value.reason


@pytest.mark.parametrize(("unit", "reason"), [("kg", "cannot be converted"), ("blorps", "unknown unit")])
def test_canonical_value_blames_the_unit(unit, reason):
    with pytest.raises(InvalidValue) as excinfo:
        values.canonical_value(Param(), 1, unit)
    assert excinfo.value.field == "unit"
    assert reason in excinfo.value.reason


def test_to_canonical_converts_compatible_units():
    assert values.to_canonical(400, "bar", "MPa") == pytest.approx(40)
    assert values.to_canonical(1, "µm", "nm") == pytest.approx(1000)
    assert values.to_canonical(500, "µL/min", "mL/min") == pytest.approx(0.5)
    assert values.to_canonical(25, "degC", "K") == pytest.approx(298.15)
    assert values.to_canonical(1, "ppb", "ppm") == pytest.approx(0.001)


def test_to_canonical_rejects_incompatible_and_unknown_units():
    with pytest.raises(values.UnitError):
        values.to_canonical(1, "kg", "MPa")
    assert not values.is_known_unit("furlongs-per-fortnight-ish")
    with pytest.raises(values.UnitError):
        values.to_canonical(1, "blorp", "MPa")


def test_from_canonical_and_difference_round_trip():
    assert values.from_canonical(40, "MPa", "bar") == pytest.approx(400)
    assert values.difference_from_canonical(10, "K", "degC") == pytest.approx(10)


# Each alias with a value in it and what that value is in a unit pint names plainly.
ALIAS_CASES = {
    "": (3, "", 3),
    "µl": (1, "mL", 0.001),
    "μl": (1, "mL", 0.001),
    "ul": (1, "mL", 0.001),
    "µL": (1, "mL", 0.001),
    "μL": (1, "mL", 0.001),
    "uL": (1, "mL", 0.001),
    "ml/min": (1, "L/min", 0.001),
    "mL/min": (1, "L/min", 0.001),
    "µL/min": (1, "mL/min", 0.001),
    "μL/min": (1, "mL/min", 0.001),
    "uL/min": (1, "mL/min", 0.001),
    "m/z": (500, "m_z", 500),
    "Th": (500, "m_z", 500),
    "℃": (25, "K", 298.15),
    "°C": (25, "K", 298.15),
    "°c": (25, "K", 298.15),
    "C": (25, "K", 298.15),
    "K": (300, "degC", 26.85),
    "%": (5, "ppm", 50000),
    "ppm": (1, "ppb", 1000),
    "ppb": (1000, "ppm", 1),
    "Å": (10, "nm", 1),
    "A": (10, "nm", 1),
    "x": (3, "times", 3),
    "×": (3, "times", 3),
    "X": (3, "times", 3),
    "T": (1, "mT", 1000),
    "bar": (10, "MPa", 1),
    "psi": (1, "kPa", 6.894757),
    "MPa": (1, "kPa", 1000),
    "kPa": (1000, "MPa", 1),
    "Pa": (1000, "kPa", 1),
    "min": (2, "s", 120),
    "s": (120, "min", 2),
    "h": (1, "min", 60),
    "d": (1, "h", 24),
}


def test_every_unit_alias_has_a_case():
    assert set(ALIAS_CASES) == set(values.UNIT_ALIASES)


@pytest.mark.parametrize("alias", sorted(values.UNIT_ALIASES))
def test_every_unit_alias_converts(alias):
    number, target, expected = ALIAS_CASES[alias]
    assert values.is_known_unit(alias)
    assert values.to_canonical(number, alias, target) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("unit", values.OFFERED_UNITS, ids=lambda unit: unit.symbol)
def test_every_offered_unit_is_known_shown_and_named_in_both_languages(unit):
    assert values.is_known_unit(unit.symbol)
    assert values.display_unit(unit.symbol) == unit.shown
    assert unit.name_zh and unit.name_en
    with translation.override("zh-hans"):
        assert values.unit_name(unit.symbol) == unit.name_zh
    with translation.override("en"):
        assert values.unit_name(unit.symbol) == unit.name_en


def test_offered_units_are_listed_once():
    symbols = [unit.symbol for unit in values.OFFERED_UNITS]
    assert len(symbols) == len(set(symbols))


def test_every_dictionary_unit_is_known():
    from catalog.data.classification import PARAMETERS

    for parameters in PARAMETERS.values():
        for parameter in parameters:
            assert values.is_known_unit(parameter[3]), parameter


def test_compatible_units_offers_only_convertible_units_of_the_same_kind():
    offered = values.compatible_units("MPa")
    assert offered[0] == "MPa"
    assert {"bar", "psi", "kPa"} <= set(offered)
    assert "nm" not in offered
    assert values.compatible_units("percent") == ["percent", "ppm", "ppb"]
    assert values.compatible_units("times") == ["times"]
    assert "percent" not in values.compatible_units("degree")
    assert values.compatible_units("") == [""]
    assert values.compatible_units("degC")[:2] == ["degC", "K"]


def test_display_unit_and_choice_labels_print_symbols_people_read():
    assert values.display_unit("percent") == "%"
    assert values.display_unit("degC") == "°C"
    assert values.display_unit("m_z") == "m/z"
    assert values.display_unit("MPa") == "MPa"
    assert values.display_unit("furlongs") == "furlongs"
    with translation.override("zh-hans"):
        assert values.unit_choice_label("MPa") == "MPa · 兆帕"
    with translation.override("en"):
        assert values.unit_choice_label("degC") == "°C · degrees Celsius"
        assert values.unit_choice_label("bar") == "bar"
    assert values.unit_choice_label("") == "—"


# --- choices and yes/no -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("written", ["DAD", "dad", " Dad ", "ＤＡＤ"])
def test_match_choice_ignores_case_width_and_spaces_and_returns_the_dictionary_spelling(written):
    assert values.match_choice(["UV", "DAD", "FLD"], written) == "DAD"


def test_match_choice_refuses_unknown_and_empty_choices():
    with pytest.raises(InvalidValue, match="is not one of"):
        values.match_choice(["UV", "DAD"], "MS")
    with pytest.raises(InvalidValue, match="a choice is required"):
        values.match_choice(["UV", "DAD"], "  ")


ENGLISH_YES = ["yes", "Y", "true", "TRUE", "t", "on", "1"]
CHINESE_YES = ["是", "有", "支持", "开放", "✓", "√"]
ENGLISH_NO = ["no", "N", "false", "F", "off", "0"]
CHINESE_NO = ["否", "无", "没有", "不支持", "不开放", "✗"]


def test_the_vocabulary_is_exactly_the_listed_words():
    assert {values.choice_key(w) for w in ENGLISH_YES + CHINESE_YES} == values.YES_WORDS
    assert {values.choice_key(w) for w in ENGLISH_NO + CHINESE_NO} == values.NO_WORDS


@pytest.mark.parametrize("word", ENGLISH_YES + CHINESE_YES + [True, " yes ", "ＹＥＳ"])
def test_yes_in_both_languages(word):
    assert values.parse_yes_no(word) is True


@pytest.mark.parametrize("word", ENGLISH_NO + CHINESE_NO + [False, " no "])
def test_no_in_both_languages(word):
    assert values.parse_yes_no(word) is False


@pytest.mark.parametrize("word", ["", None, "  "])
def test_nothing_is_neither_yes_nor_no(word):
    with pytest.raises(InvalidValue, match="a yes or no is required"):
        values.parse_yes_no(word)


@pytest.mark.parametrize("word", ["maybe", "2", "对不起"])
def test_other_words_are_refused(word):
    with pytest.raises(InvalidValue, match="is not yes or no"):
        values.parse_yes_no(word)


# --- numbers as pages show them ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "shown"),
    [
        (1e-05, "0.00001"),
        (2.5e6, "2500000"),
        (0.1, "0.1"),
        (100.0, "100"),
        (-0.5, "-0.5"),
        (0.0, "0"),
        (123.456789, "123.457"),  # six significant digits, as pages always showed them
        (1.25e-07, "0.000000125"),
        (3e20, "300000000000000000000"),
    ],
)
def test_format_number_never_writes_scientific_notation(number, shown):
    assert values.format_number(number) == shown


def test_format_number_keeps_more_digits_when_asked_for_what_a_person_typed():
    assert values.format_number(1234567.0, digits=values.ENTERED_DIGITS) == "1234567"
    assert values.format_number(1234567.0) == "1234570"


@pytest.mark.parametrize(
    ("entered", "shown"),
    [
        ("1e-05", "0.00001"),
        ("2.5E+06", "2500000"),
        ("1e-05-2e-05", "0.00001-0.00002"),
        ("190-900", "190-900"),
        ("isocratic", "isocratic"),
        ("A1E5", "A1E5"),  # part of a word, not a number
        (None, ""),
    ],
)
def test_format_entered_writes_out_numbers_and_keeps_the_rest_as_typed(entered, shown):
    assert values.format_entered(entered) == shown


def test_a_value_typed_in_scientific_notation_is_stored_as_entered_written_out():
    clean = clean_specification(Param(min_value=None, max_value=None), value="2.5e6")
    assert clean.entered_value == "2500000"
    clean = clean_specification(Param(value_type=values.RANGE, min_value=None, max_value=None), value="1e-5-2e-5")
    assert clean.entered_value == "0.00001-0.00002"
