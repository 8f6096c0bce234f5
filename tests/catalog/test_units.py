from __future__ import annotations

import pytest

from catalog import units


def test_to_canonical_converts_compatible_units():
    assert units.to_canonical(400, "bar", "MPa") == pytest.approx(40)
    assert units.to_canonical(1, "µm", "nm") == pytest.approx(1000)
    assert units.to_canonical(500, "µL/min", "mL/min") == pytest.approx(0.5)
    assert units.to_canonical(25, "degC", "K") == pytest.approx(298.15)
    assert units.to_canonical(1, "ppb", "ppm") == pytest.approx(0.001)


def test_to_canonical_rejects_incompatible_units():
    with pytest.raises(units.UnitError):
        units.to_canonical(1, "kg", "MPa")


def test_to_canonical_rejects_unknown_units():
    assert not units.is_known_unit("furlongs-per-fortnight-ish")
    with pytest.raises(units.UnitError):
        units.to_canonical(1, "blorp", "MPa")


def test_from_canonical_and_difference_round_trip():
    assert units.from_canonical(40, "MPa", "bar") == pytest.approx(400)
    assert units.difference_from_canonical(10, "K", "degC") == pytest.approx(10)


def test_parse_cell_reads_numbers_ranges_and_units():
    assert units.parse_cell("40 MPa") == units.ParsedValue(40.0, None, None, "MPa")
    assert units.parse_cell("190-900 nm") == units.ParsedValue(None, 190.0, 900.0, "nm")
    assert units.parse_cell("0.001~10 mL/min").high == 10.0


def test_compatible_units_offers_only_convertible_units():
    offered = units.compatible_units("MPa")
    assert offered[0] == "MPa"
    assert {"bar", "psi", "kPa"} <= set(offered)
    assert "nm" not in offered


def test_every_dictionary_unit_is_known():
    from catalog.data.classification import PARAMETERS

    for parameters in PARAMETERS.values():
        for parameter in parameters:
            assert units.is_known_unit(parameter[3]), parameter


def test_display_unit_prints_symbols_people_read():
    assert units.display_unit("percent") == "%"
    assert units.display_unit("degC") == "°C"
    assert units.display_unit("m_z") == "m/z"
    assert units.display_unit("MPa") == "MPa"


def test_dimensionless_units_are_not_offered_across_kinds():
    assert "times" not in units.compatible_units("percent")
    assert "percent" not in units.compatible_units("times")
    assert "degree" not in units.compatible_units("")
