"""Names of the dictionary's stored values (options, units) in both languages, and the pages that show them."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from catalog.models import Category, Parameter
from catalog.values import OFFERED_UNITS, compatible_units, display_unit, unit_choice_label
from catalog.vocabulary import CHOICE_LABELS, choice_label, choices_label
from tests.factories import ProductFactory, SpecificationFactory

CJK = re.compile(r"[\u3400-\u9fff]")
# Spellings of pint and of the dictionary that must not reach a page.
INTERNAL = re.compile(r"degC|degF|percent|m_z|_|^(times|degree|arcsec|gauss)$")


@pytest.mark.django_db
def test_every_option_of_the_dictionary_has_a_name_in_both_languages():
    # given every option of every choice parameter the classification table defines
    options = {
        str(option)
        for choices in Parameter.objects.filter(value_type=Parameter.ValueType.CHOICE).values_list("choices", flat=True)
        for option in choices
    }
    assert {"isocratic", "binary", "FLD", "UV", "single quadrupole", "triple quadrupole"} <= options
    # then each is named: in Chinese with Chinese words, in English without the stored spelling's lower case
    assert sorted(options - set(CHOICE_LABELS)) == []
    for option in options:
        with translation.override("zh-hans"):
            chinese = choice_label(option)
        with translation.override("en"):
            english = choice_label(option)
        assert CJK.search(chinese), option
        assert not CJK.search(english) and english[0].isupper(), option


def test_options_are_named_in_the_readers_language_and_unknown_ones_pass_through():
    with translation.override("zh-hans"):
        assert choice_label("isocratic") == "等度泵"
        assert choice_label("FLD") == "荧光检测器 (FLD)"
        assert choices_label("UV, FLD") == "紫外检测器 (UV), 荧光检测器 (FLD)"
        assert choice_label("true") == "是"
        assert choice_label("Turbo-X") == "Turbo-X"
    with translation.override("en"):
        assert choice_label("triple quadrupole") == "Triple quadrupole"
        assert choice_label("mode-locked") == "Mode-locked"


@pytest.mark.django_db
def test_every_unit_offered_or_canonical_has_a_display_name_in_both_languages():
    # given every unit a form offers and every canonical unit of the dictionary
    canonical = set(Parameter.objects.exclude(unit="").values_list("unit", flat=True))
    units = {unit.symbol for unit in OFFERED_UNITS} | canonical | {u for c in canonical for u in compatible_units(c)}
    # then none is shown by its internal spelling, and each is named in the reader's language where forms offer it
    shown = {unit: display_unit(unit) for unit in units}
    assert {unit: name for unit, name in shown.items() if INTERNAL.search(name)} == {}
    assert display_unit("percent") == "%" and display_unit("degC") == "°C" and display_unit("m_z/s") == "m/z/s"
    with translation.override("zh-hans"):
        assert unit_choice_label("m_z/s") == "m/z/s · 质荷比每秒"
        assert all(CJK.search(unit_choice_label(unit)) for unit in units if unit)
    with translation.override("en"):
        assert unit_choice_label("m_z/s") == "m/z/s · m/z per second"
        assert not any(CJK.search(unit_choice_label(unit)) for unit in units)


@pytest.mark.django_db
def test_product_page_names_options_units_and_component_countries_in_chinese(client, settings):
    # given a laser with a stated operation mode and power stability, and a key part made in Lithuania
    settings.LANGUAGE_CODE = "zh-hans"
    lasers = Category.objects.get(code="0903")
    product = ProductFactory(category=lasers, key_components=[{"name": "种子源", "origin": "LT"}])
    SpecificationFactory(
        product=product,
        parameter=Parameter.objects.get(category__code="09", key="operation_mode"),
        value=None,
        value_text="mode-locked",
        entered_value="mode-locked",
        entered_unit="",
    )
    SpecificationFactory(
        product=product,
        parameter=Parameter.objects.get(category__code="09", key="power_stability"),
        value=0.5,
        entered_value="0.5",
        entered_unit="percent",
    )
    # when its page is read in Chinese
    html = client.get(reverse("catalog:product-detail", args=[product.pk])).content.decode()
    # then the option, the unit and the country have their Chinese names; stored spellings do not show
    assert "<td>锁模</td>" in html
    assert "mode-locked" not in html
    assert "0.5%" in html and "percent" not in html
    assert "种子源 (立陶宛)" in html and "(LT)" not in html


@pytest.mark.django_db
def test_specification_form_shows_option_names_and_no_keys(client, maker, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    client.force_login(maker)
    lc = Category.objects.get(code="010501")
    html = client.get(reverse("catalog:specification-form"), {"category": lc.pk}).content.decode()
    assert '<option value="isocratic">等度泵</option>' in html
    text = re.sub(r"<[^>]+>", " ", html)  # what a person reads, attributes left out
    assert "pump_type" not in text and "flow_rate" not in text
