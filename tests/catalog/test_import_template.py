"""The import template: an example row the import skips, drop-down lists; province aliases and key-component
countries checked the same way on every way in."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from accounts.regions import PROVINCES, province_code, short_name
from catalog import importing, services
from catalog.models import Product
from config.exceptions import ApplicationError
from tests.catalog.test_importing import GOOD, HEADER, csv_bytes, run
from tests.factories import member_of


def _template(client, lc, fmt):
    response = client.get(reverse("catalog:import-template", args=[lc.pk, fmt]))
    assert response.status_code == 200
    return response.content


def test_xlsx_template_has_an_example_row_and_drop_down_lists(client, lc):
    workbook = load_workbook(io.BytesIO(_template(client, lc, "xlsx")))
    sheet = workbook["products"]
    header = [cell.value for cell in sheet[1]]
    example = [cell.value for cell in sheet[2]]
    assert str(example[0]).startswith("#") and example[header.index("category")] == lc.code
    assert example[header.index("pump_type")] == "isocratic"
    lists = {str(v.sqref).split(":")[0]: v for v in sheet.data_validations.dataValidation}
    letter = {name: get_column_letter(i + 1) for i, name in enumerate(header)}
    pump = lists[f"{letter['pump_type']}2"]
    assert pump.type == "list" and pump.formula1 == '"isocratic,binary,quaternary"'
    assert lists[f"{letter['category']}2"].formula1 == '"010501"'
    # 249 country codes do not fit an inline list: they are read from a hidden sheet
    country = lists[f"{letter['country_of_origin']}2"]
    assert country.formula1.startswith("lists!$")
    assert workbook["lists"].sheet_state == "hidden" and "CN" in [c.value for c in workbook["lists"]["A"]]
    assert lists[f"{letter['domestic_content']}2"].type == "decimal"


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_untouched_template_imports_nothing_and_the_example_row_is_skipped(client, lc, manufacturer, fmt):
    report = run(manufacturer, _template(client, lc, fmt), filename=f"t.{fmt}")
    assert report.errors == [] and report.total_rows == 0
    assert not Product.objects.filter(manufacturer=manufacturer).exists()


def test_the_example_row_itself_is_valid_once_its_hash_is_removed(client, lc, manufacturer):
    data = _template(client, lc, "csv").decode("utf-8-sig").replace("#EXAMPLE-100", "EXAMPLE-100").encode()
    report = run(manufacturer, data)
    assert report.errors == [] and report.created == 1
    product = Product.objects.get(manufacturer=manufacturer)
    assert sorted(p.code for p in product.provinces_served.all()) == ["110000", "310000", "440000"]


def test_every_province_short_name_resolves_through_the_one_alias_table():
    for code, name_zh, name_en in PROVINCES:
        assert province_code(short_name(name_zh)) == code
        assert province_code(name_zh) == code and province_code(name_en.upper()) == code
    assert (
        province_code("上海") == "310000" and province_code("广西") == "450000" and province_code("内蒙古") == "150000"
    )
    assert province_code("火星") is None


def test_import_accepts_short_province_names_as_it_accepts_full_ones(manufacturer):
    row = list(GOOD[0])
    row[HEADER.index("provinces_served")] = "上海, 北京市、广西"
    report = run(manufacturer, csv_bytes([row]))
    assert report.errors == []
    product = Product.objects.get(model_number="LC-1")
    assert sorted(p.code for p in product.provinces_served.all()) == ["110000", "310000", "450000"]


def test_import_refuses_a_key_component_of_unknown_country_with_the_row_and_reason(manufacturer):
    header = [*HEADER, "key_components"]
    good, bad = [*GOOD[0], "泵:CN; 检测器:德国"], [*GOOD[1], "泵:XX"]
    report = run(manufacturer, csv_bytes([good, bad], header=header), atomic=False)
    assert [(e.row, e.column) for e in report.errors] == [(3, "key_components")]
    assert "“XX” is not a known country" in report.errors[0].reason
    assert Product.objects.get(model_number="LC-1").key_components == [
        {"name": "泵", "origin": "CN"},
        {"name": "检测器", "origin": "DE"},
    ]


def test_service_refuses_key_components_without_a_known_country(manufacturer, lc):
    user = member_of(manufacturer)
    with pytest.raises(ApplicationError) as caught:
        services.product_create(
            user=user,
            manufacturer=manufacturer,
            category=lc,
            model_number="K-1",
            name_zh="液相色谱仪",
            key_components=[{"name": "pump", "origin": "ZZ"}, {"name": "detector", "origin": ""}],
        )
    assert caught.value.field == "key_components"
    assert "“ZZ” is not a known country" in caught.value.message and "“detector” has no country" in caught.value.message
    assert not Product.objects.filter(model_number="K-1").exists()


def test_api_refuses_key_components_with_an_unknown_country_naming_the_field(api_client, manufacturer, lc):
    api_client.force_authenticate(member_of(manufacturer))
    response = api_client.post(
        "/api/v1/products/",
        {
            "manufacturer": manufacturer.pk,
            "category": lc.pk,
            "model_number": "K-2",
            "name_zh": "液相色谱仪",
            "key_components": [{"name": "pump", "origin": "QQ"}],
        },
        format="json",
    )
    assert response.status_code == 400 and "key_components" in str(response.json())


def test_product_form_shows_every_bad_key_component_beside_the_field(client, manufacturer, lc):
    client.force_login(member_of(manufacturer))
    response = client.post(
        reverse("catalog:product-create"),
        {
            "manufacturer": manufacturer.pk,
            "category": lc.pk,
            "model_number": "K-3",
            "name_zh": "液相色谱仪",
            "country_of_origin": "CN",
            "domestic_content": "0.9",
            "key_components": "pump: Atlantis\ndetector: CN\nvalve",
            "provinces_served": ["上海", "110000"],
        },
    )
    errors = response.context["form"].errors["key_components"]
    assert (
        len(errors) == 2 and "“Atlantis” is not a known country" in errors[0] and "“valve” has no country" in errors[1]
    )
    assert "provinces_served" not in response.context["form"].errors
    assert not Product.objects.filter(model_number="K-3").exists()


def test_export_names_key_component_countries_as_codes_that_import_again(manufacturer, lc):
    header = [*HEADER, "key_components"]
    run(manufacturer, csv_bytes([[*GOOD[0], "泵:中国"]], header=header))
    products = Product.objects.filter(manufacturer=manufacturer).prefetch_related("specifications", "provinces_served")
    data = importing.products_export(category=lc, products=products, fmt="csv")
    assert "泵:CN" in data.decode("utf-8-sig")
    assert run(manufacturer, data).errors == []
