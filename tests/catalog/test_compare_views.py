"""The side-by-side comparison: the selector's table, the page (no script needed) and the API."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from catalog import selectors, services
from catalog.models import DomesticProductRule, Parameter, Product
from config.exceptions import ApplicationError
from tests.factories import (
    EvaluationFactory,
    ImportedProductFactory,
    ProductFactory,
    SpecificationFactory,
    member_of,
)


@pytest.fixture
def trio(lc):
    """An imported liquid chromatograph and two domestic ones: one beats it on every stated value, one does not."""
    pressure = Parameter.objects.get(category=lc, key="pressure_max")
    rsd = Parameter.objects.get(category__code="0105", key="retention_time_rsd")
    flow = Parameter.objects.get(category=lc, key="flow_rate")
    imported = ImportedProductFactory(
        category=lc,
        name_en="Imported LC",
        price_min=Decimal("900000"),
        price_max=Decimal("1200000"),
        warranty_months=12,
    )
    better = ProductFactory(category=lc, name_en="Domestic better", price_min=Decimal("450000"), lead_time_days=30)
    weaker = ProductFactory(category=lc, name_en="Domestic weaker", price_min=Decimal("300000"), lead_time_days=90)
    SpecificationFactory(product=imported, parameter=pressure, value=60)
    SpecificationFactory(product=better, parameter=pressure, value=100)
    SpecificationFactory(product=weaker, parameter=pressure, value=40)
    SpecificationFactory(product=imported, parameter=rsd, value=0.1)
    SpecificationFactory(product=better, parameter=rsd, value=0.06)
    SpecificationFactory(product=weaker, parameter=rsd, value=0.2)
    SpecificationFactory(product=better, parameter=flow, value=None, value_min=0.001, value_max=10)
    EvaluationFactory(product=better, accuracy=5, service=3)
    EvaluationFactory(product=better, accuracy=4, service=5)
    better.evaluation_count, better.evaluation_score = 2, 4.2
    better.save()
    return imported, better, weaker


def _row(rows, key):
    return next(row for row in rows if row.key == key)


def test_comparison_marks_the_best_value_per_parameter_in_its_better_direction(trio, django_assert_max_num_queries):
    imported, better, weaker = trio
    with django_assert_max_num_queries(8):
        comparison = selectors.product_comparison(user=_anonymous(), ids=[i.pk for i in trio])
    pressure = _row(comparison.specifications, "pressure_max")
    assert [cell.is_best for cell in pressure.values] == [False, True, False]
    assert [cell.display for cell in pressure.values] == ["60 MPa", "100 MPa", "40 MPa"]
    # Lower is better for repeatability: 0.06 % wins.
    rsd = _row(comparison.specifications, "retention_time_rsd")
    assert [cell.is_best for cell in rsd.values] == [False, True, False]
    # Only one product states the flow range: nothing to mark, the others show a dash.
    flow = _row(comparison.specifications, "flow_rate")
    assert flow.values[0].display == "—" and not any(c.is_best for c in flow.values)
    price = _row(comparison.facts, "price_min")
    assert [cell.is_best for cell in price.values] == [False, False, True]
    assert [cell.is_best for cell in _row(comparison.facts, "lead_time_days").values] == [False, True, False]
    assert [cell.is_best for cell in _row(comparison.facts, "warranty_months").values] == [False, True, True]
    accuracy = _row(comparison.facts, "accuracy")
    assert accuracy.values[1].value == pytest.approx(4.5) and accuracy.values[0].value is None
    # The imported product is the reference: the better domestic one meets or beats both of its values.
    assert comparison.reference == imported
    outcomes = comparison.reference_outcomes or {}
    assert outcomes[better.pk].is_alternative
    assert outcomes[weaker.pk].met == 0


def _anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ([], "at least two"),
        (["5"], "at least two"),
        (["1,x"], "not a product id"),
        (["1,2,3,4,5,6,7"], "At most 6"),
        (["١,٢"], "not a product id"),
    ],
)
def test_comparison_ids_refuse_bad_lists_with_a_reason(raw, message):
    with pytest.raises(ApplicationError) as caught:
        selectors.comparison_ids(raw)
    assert caught.value.field == "ids" and message in caught.value.message


def test_comparison_ids_accept_commas_and_repeated_parameters_once_each():
    assert selectors.comparison_ids(["3,1", "1", "2"]) == [3, 1, 2]


def test_compare_page_renders_the_table_without_script(client, trio):
    imported, better, weaker = trio
    response = client.get(reverse("catalog:product-compare"), {"ids": [imported.pk, better.pk, weaker.pk]})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.index("Imported LC") < body.index("Domestic better") < body.index("Domestic weaker")
    assert 'data-row="pressure_max"' in body and "★ 100 MPa" in body
    assert "Meets or beats the imported product" in body and "2 of 2 specifications" in body
    assert "<script" not in body.split("<main", 1)[1].split("</main>", 1)[0]


def test_compare_page_can_hide_rows_that_do_not_differ(client, lc):
    pressure = Parameter.objects.get(category=lc, key="pressure_max")
    first, second = ProductFactory(category=lc), ProductFactory(category=lc)
    SpecificationFactory(product=first, parameter=pressure, value=60)
    SpecificationFactory(product=second, parameter=pressure, value=60)
    url = reverse("catalog:product-compare")
    assert 'data-row="pressure_max"' in client.get(url, {"ids": f"{first.pk},{second.pk}"}).content.decode()
    hidden = client.get(url, {"ids": f"{first.pk},{second.pk}", "differences": "1"}).content.decode()
    assert 'data-row="pressure_max"' not in hidden


def test_compare_page_answers_400_with_the_reason(client, lc):
    product = ProductFactory(category=lc)
    response = client.get(reverse("catalog:product-compare"), {"ids": product.pk})
    assert response.status_code == 400
    assert "Choose at least two products to compare." in response.content.decode()


def test_a_draft_cannot_be_compared_by_others_but_by_its_maker(client, api_client, lc):
    draft = ProductFactory(category=lc, status=Product.Status.DRAFT, published_at=None)
    published = ProductFactory(category=lc)
    ids = f"{draft.pk},{published.pk}"
    assert client.get(reverse("catalog:product-compare"), {"ids": ids}).status_code == 400
    response = api_client.get("/api/v1/products/compare/", {"ids": ids})
    assert response.status_code == 400 and str(draft.pk) in str(response.json())
    maker = member_of(draft.manufacturer)
    client.force_login(maker)
    assert client.get(reverse("catalog:product-compare"), {"ids": ids}).status_code == 200
    api_client.force_authenticate(maker)
    assert api_client.get("/api/v1/products/compare/", {"ids": ids}).status_code == 200


def test_detail_of_an_imported_product_links_to_the_comparison_with_its_alternatives(client, trio):
    imported, better, _weaker = trio
    body = client.get(reverse("catalog:product-detail", args=[imported.pk])).content.decode()
    assert f'compare/?ids={imported.pk},{better.pk}"' in body


def test_catalog_list_lets_people_tick_products_to_compare(client, trio):
    body = client.get(reverse("catalog:product-list")).content.decode()
    assert f'action="{reverse("catalog:product-compare")}"' in body
    assert body.count('name="ids"') == 3


def test_compare_api_gives_rows_values_and_best_marks(api_client, trio, django_assert_max_num_queries):
    imported, better, weaker = trio
    with django_assert_max_num_queries(8):
        response = api_client.get("/api/v1/products/compare/", {"ids": f"{imported.pk},{better.pk},{weaker.pk}"})
    assert response.status_code == 200
    body = response.json()
    assert [p["id"] for p in body["products"]] == [imported.pk, better.pk, weaker.pk]
    assert body["products"][1]["html_url"].endswith(f"/catalog/products/{better.pk}/")
    pressure = next(row for row in body["specifications"] if row["key"] == "pressure_max")
    assert pressure["canonical_unit"] == "MPa" and pressure["better"] == "higher"
    assert [(v["product"], v["value"], v["is_best"]) for v in pressure["values"]] == [
        (imported.pk, 60.0, False),
        (better.pk, 100.0, True),
        (weaker.pk, 40.0, False),
    ]
    flow = next(row for row in body["specifications"] if row["key"] == "flow_rate")
    assert flow["values"][1]["value_min"] == 0.001 and flow["values"][1]["value_max"] == 10
    assert body["reference"] == imported.pk
    assert {o["product"]: o["is_alternative"] for o in body["reference_outcomes"]} == {
        better.pk: True,
        weaker.pk: False,
    }
    assert body["html_url"].endswith(f"?ids={imported.pk},{better.pk},{weaker.pk}")


def test_compare_api_refuses_bad_ids_with_the_field(api_client, db):
    response = api_client.get("/api/v1/products/compare/", {"ids": "abc"})
    assert response.status_code == 400
    assert "ids" in str(response.json())
    assert api_client.get("/api/v1/products/compare/").status_code == 400


def test_compare_page_labels_a_china_made_product_short_of_its_categorys_ratio_and_shows_the_ratio(client, lc):
    # Given a 60% component cost ratio for the category, a product made in China with 40% and one with 85%
    DomesticProductRule.objects.create(
        category=lc, effective_from=datetime.date(2026, 1, 1), component_cost_ratio=Decimal("0.6")
    )
    short = ProductFactory(category=lc, name_en="Short of the ratio", domestic_content=Decimal("0.4"))
    full = ProductFactory(category=lc, name_en="Meets the ratio", domestic_content=Decimal("0.85"))
    services.products_domestic_refresh()
    url = reverse("catalog:product-compare")

    def domestic_cells(language: str) -> list[str]:
        with translation.override(language):
            body = client.get(url, {"ids": f"{short.pk},{full.pk}"}, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        row = body.split('data-row="domestic_status"', 1)[1].split("</tr>", 1)[0]
        return [cell.split("</td>", 1)[0] for cell in row.split("<td")[1:]]

    # When the comparison is shown, then the short one is made in China but not domestic, with both percentages
    short_cell, full_cell = domestic_cells("en")
    assert "Made in China, not domestic" in short_cell and "40%" in short_cell and "60%" in short_cell
    assert "Domestic" in full_cell and "85%" in full_cell
    short_cell, full_cell = domestic_cells("zh-hans")
    assert "中国制造，非本国产品" in short_cell and "60%" in short_cell
    assert "bg-success" not in short_cell and "bg-success" in full_cell  # the domestic badge
    # and the product short of the ratio, shown first, is not called imported
    body = client.get(url, {"ids": f"{short.pk},{full.pk}"}).content.decode()
    assert 'data-reference="made-in-china"' in body and "is made in China but is not a domestic product" in body
    assert "The imported" not in body and "Meets or beats the imported product" not in body
    assert f"Meets or beats {short.model_number}" in body
