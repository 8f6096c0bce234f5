from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Organization
from catalog.models import Category, Parameter, Product
from search.services import search_index_objects
from tests.catalog.conftest import new_manufacturer
from tests.factories import (
    EvaluationFactory,
    ImportedProductFactory,
    ProductFactory,
    SpecificationFactory,
    member_of,
)


def test_product_list_of_200_products_renders_with_bounded_queries(client, django_assert_max_num_queries, lc):
    parameter = Parameter.objects.get(category=lc, key="pressure_max")
    products = ProductFactory.create_batch(120, category=lc) + ImportedProductFactory.create_batch(80, category=lc)
    for product in products[:50]:
        SpecificationFactory(product=product, parameter=parameter)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("catalog:product-list"), {"page": 2})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 200
    assert len(response.context["products"]) == 25


def test_product_list_filters_by_origin_and_category(client, lc):
    domestic = ProductFactory(category=lc)
    imported = ImportedProductFactory(category=Category.objects.get(code="010502"))
    response = client.get(reverse("catalog:product-list"), {"origin": "imported"})
    assert list(response.context["products"]) == [imported]
    response = client.get(reverse("catalog:product-list"), {"category": lc.pk})
    assert list(response.context["products"]) == [domestic]


def test_product_list_keyword_goes_through_the_search_layer(client, lc):
    wanted = ProductFactory(category=lc, name_en="Chromaster ultra")
    other = ProductFactory(category=lc, name_en="Something else")
    search_index_objects(kind="products", ids=[wanted.pk, other.pk])
    response = client.get(reverse("catalog:product-list"), {"q": "Chromaster"})
    assert response.context["products"] == [wanted]
    assert response.context["result"].total == 1
    assert "category" in response.context["result"].facets
    assert "<mark>Chromaster</mark>" in response.content.decode()


def test_category_tree_page_lists_the_classification(client, db):
    response = client.get(reverse("catalog:category-tree"))
    assert response.status_code == 200
    assert "0105" in response.content.decode() and "Liquid chromatographs" in response.content.decode()


def test_detail_of_imported_product_shows_domestic_alternatives_and_evaluations(client, lc):
    parameter = Parameter.objects.get(category=lc, key="pressure_max")
    imported = ImportedProductFactory(category=lc, key_components=[{"name": "pump", "origin": "DE"}])
    alternative = ProductFactory(category=lc, name_en="Domestic match")
    SpecificationFactory(product=imported, parameter=parameter, value=60)
    SpecificationFactory(product=alternative, parameter=parameter, value=100)
    EvaluationFactory(product=imported, title="Round robin test")
    response = client.get(reverse("catalog:product-detail", args=[imported.pk]))
    assert response.context["alternatives"] == [alternative]
    body = response.content.decode()
    assert "60 MPa" in body and "Round robin test" in body and "pump (Germany)" in body


def test_drafts_are_404_for_others_and_visible_to_owner(client, lc):
    draft = ProductFactory(category=lc, status=Product.Status.DRAFT, published_at=None)
    assert client.get(reverse("catalog:product-detail", args=[draft.pk])).status_code == 404
    client.force_login(member_of(Organization.objects.get(pk=draft.manufacturer_id)))
    assert client.get(reverse("catalog:product-detail", args=[draft.pk])).status_code == 200


def test_another_manufacturer_gets_404_on_edit_publish_and_documents(client, lc):
    product = ProductFactory(category=lc)
    client.force_login(member_of(new_manufacturer()))
    assert client.get(reverse("catalog:product-edit", args=[product.pk])).status_code == 404
    assert client.post(reverse("catalog:product-withdraw", args=[product.pk])).status_code == 404
    assert client.get(reverse("catalog:product-documents", args=[product.pk])).status_code == 404
    product.refresh_from_db()
    assert product.status == Product.Status.PUBLISHED


def test_anonymous_is_sent_to_login_and_researcher_cannot_add_products(client, researcher):
    response = client.get(reverse("catalog:dashboard"))
    assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(researcher)
    assert client.get(reverse("catalog:product-create")).status_code == 403


def test_dashboard_lists_own_products_with_match_fragment(client, maker, manufacturer, lc):
    published = ProductFactory(manufacturer=manufacturer, category=lc)
    draft = ProductFactory(manufacturer=manufacturer, category=lc, status=Product.Status.DRAFT)
    ProductFactory(category=lc)  # someone else's
    client.force_login(maker)
    response = client.get(reverse("catalog:dashboard"))
    assert set(response.context["products"]) == {published, draft}
    body = response.content.decode()
    assert reverse("matching:product-matches", args=[published.pk]) in body
    assert reverse("matching:product-matches", args=[draft.pk]) not in body


def form_data(manufacturer, category, **overrides):
    data = {
        "manufacturer": manufacturer.pk,
        "category": category.pk,
        "model_number": "PAGE-1",
        "name_zh": "液相色谱仪",
        "name_en": "LC",
        "country_of_origin": "CN",
        "domestic_content": "0.9",
        "key_components": "pump: CN\ndetector: JP",
        "certifications": "CMC; CE",
        "spec-pressure_max__value": "600",
        "spec-pressure_max__unit": "bar",
        "spec-wavelength__min": "190",
        "spec-wavelength__max": "800",
        "spec-wavelength__unit": "nm",
        "spec-pump_type__choice": "binary",
    }
    data.update(overrides)
    return data


def test_create_product_through_the_page_with_specifications(client, maker, manufacturer, lc):
    client.force_login(maker)
    response = client.post(reverse("catalog:product-create"), form_data(manufacturer, lc))
    assert response.status_code == 302
    product = Product.objects.get(model_number="PAGE-1")
    assert product.key_components == [{"name": "pump", "origin": "CN"}, {"name": "detector", "origin": "JP"}]
    assert product.certifications == ["CMC", "CE"]
    assert product.specifications.get(parameter__key="pressure_max").value == pytest.approx(60)


def test_bad_specification_on_the_page_is_a_form_error(client, maker, manufacturer, lc):
    client.force_login(maker)
    response = client.post(
        reverse("catalog:product-create"), form_data(manufacturer, lc, **{"spec-wavelength__min": "900"})
    )
    assert response.status_code == 200
    assert "greater than the maximum" in str(response.context["spec_form"].errors)
    assert not Product.objects.exists()


def test_edit_publish_and_withdraw_from_the_dashboard(client, maker, manufacturer, lc):
    product = ProductFactory(manufacturer=manufacturer, category=lc, status=Product.Status.DRAFT, published_at=None)
    client.force_login(maker)
    assert client.get(reverse("catalog:product-edit", args=[product.pk])).status_code == 200
    response = client.post(
        reverse("catalog:product-edit", args=[product.pk]),
        form_data(manufacturer, lc, model_number=product.model_number, price_min="100", price_max="50"),
    )
    assert "cannot exceed" in str(response.context["form"].errors)
    client.post(reverse("catalog:product-publish", args=[product.pk]))
    product.refresh_from_db()
    assert product.status == Product.Status.PUBLISHED
    client.post(reverse("catalog:product-withdraw", args=[product.pk]), {"confirmed": "yes"})
    product.refresh_from_db()
    assert product.status == Product.Status.WITHDRAWN


def test_specification_fragment_follows_the_category(client, maker):
    client.force_login(maker)
    gc = Category.objects.get(code="010502")
    response = client.get(reverse("catalog:specification-form"), {"category": gc.pk}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "spec-oven_temp_max__value" in body and "spec-detector_type__choice" in body
    assert "spec-pressure_max__value" not in body
    assert '<option value="degF">' in body  # a unit choice per parameter


@pytest.mark.parametrize("params", [{"category": "\u00b2"}, {"product": "\u00b2"}, {"category": "\u0663"}])
def test_specification_fragment_ignores_ids_that_are_not_numbers(client, maker, params):
    # "²" passes str.isdigit() but not int(); "٣" is a decimal digit int() reads as 3.
    client.force_login(maker)
    response = client.get(reverse("catalog:specification-form"), params, HTTP_HX_REQUEST="true")
    assert response.status_code == 200


def test_product_form_post_with_a_unicode_digit_category_is_a_form_error(client, maker, manufacturer):
    client.force_login(maker)
    response = client.post(
        reverse("catalog:product-create"),
        {"manufacturer": manufacturer.pk, "category": "\u00b2", "model_number": "X-1", "name_zh": "仪器"},
    )
    assert response.status_code == 200
    assert "category" in response.context["form"].errors


def test_document_upload_page(client, maker, manufacturer, lc):
    product = ProductFactory(manufacturer=manufacturer, category=lc)
    client.force_login(maker)
    url = reverse("catalog:product-documents", args=[product.pk])
    bad = client.post(url, {"kind": "brochure", "file": SimpleUploadedFile("x.pdf", b"nope")})
    assert "does not match" in str(bad.context["form"].errors)
    ok = client.post(url, {"kind": "brochure", "file": SimpleUploadedFile("x.pdf", b"%PDF-1.7\n")})
    assert ok.status_code == 302 and product.documents.count() == 1


def test_import_page_is_atomic_by_default_and_shows_the_report(client, maker, manufacturer, monkeypatch):
    client.force_login(maker)
    data = "model_number,name_zh,category,pressure_max\nA-1,仪器,010501,40\nA-2,仪器,010501,40 kg\n".encode()
    page = client.get(reverse("catalog:product-import"))
    assert page.context["form"]["atomic"].initial is True
    response = client.post(
        reverse("catalog:product-import"),
        {"manufacturer": manufacturer.pk, "atomic": "on", "file": SimpleUploadedFile("p.csv", data)},
    )
    report = response.context["report"]
    assert [(e.row, e.column) for e in report.errors] == [(3, "pressure_max")]
    assert not Product.objects.exists()
    assert "cannot be converted" in response.content.decode()
    refused = client.post(
        reverse("catalog:product-import"),
        {"manufacturer": manufacturer.pk, "file": SimpleUploadedFile("p.exe", b"MZ")},
    )
    assert "CSV or XLSX" in str(refused.context["form"].errors)
    monkeypatch.setattr("catalog.importing.writer.IMPORT_MAX_BYTES", 10)
    too_large = client.post(
        reverse("catalog:product-import"),
        {"manufacturer": manufacturer.pk, "file": SimpleUploadedFile("p.csv", data)},
    )
    assert "too large" in str(too_large.context["form"].errors)


def test_template_download(client, lc):
    response = client.get(reverse("catalog:import-template", args=[lc.pk, "csv"]))
    assert response.status_code == 200 and "pressure_max [MPa]" in response.content.decode("utf-8-sig")
    from openpyxl import load_workbook

    xlsx = client.get(reverse("catalog:import-template", args=[lc.pk, "xlsx"]))
    # the country codes of the drop-down list live on a hidden third sheet
    assert load_workbook(io.BytesIO(xlsx.content)).sheetnames == ["products", "parameters", "lists"]


def test_researcher_evaluates_through_the_page(client, researcher, institution):
    product = ProductFactory(price_min=Decimal(1))
    client.force_login(researcher)
    response = client.post(
        reverse("catalog:evaluation-create", args=[product.pk]),
        {
            "organization": institution.pk,
            "kind": "pilot",
            "title": "Pilot in our lab",
            "accuracy": 4,
            "stability": 4,
            "reliability": 5,
            "service": 5,
        },
    )
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.evaluation_count == 1 and product.evaluation_score == 4.5


def test_pages_speak_chinese(client, lc, settings):
    ProductFactory(category=lc)
    response = client.get(reverse("catalog:product-list"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    body = response.content.decode()
    assert "仪器产品目录" in body and "国产" in body


def test_dashboard_queries_are_bounded(client, maker, manufacturer, lc, django_assert_max_num_queries):
    ProductFactory.create_batch(40, manufacturer=manufacturer, category=lc)
    client.force_login(maker)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("catalog:dashboard"))
    assert len(response.context["products"]) == 40


def test_detail_page_queries_are_bounded(client, lc, django_assert_max_num_queries):
    parameter = Parameter.objects.get(category=lc, key="pressure_max")
    imported = ImportedProductFactory(category=lc)
    SpecificationFactory(product=imported, parameter=parameter, value=50)
    for product in ProductFactory.create_batch(20, category=lc):
        SpecificationFactory(product=product, parameter=parameter, value=60)
        EvaluationFactory(product=product)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("catalog:product-detail", args=[imported.pk]))
    assert len(response.context["alternatives"]) == 20


def test_export_contains_only_own_products_and_quotes_formulas(client, maker, manufacturer, lc):
    ProductFactory(manufacturer=manufacturer, category=lc, name_zh="=HYPERLINK(1)", model_number="MINE-1")
    ProductFactory(category=lc, model_number="THEIRS-1")
    client.force_login(maker)
    assert (
        reverse("catalog:product-export", args=[lc.pk, "csv"])
        in client.get(reverse("catalog:dashboard")).content.decode()
    )
    body = client.get(reverse("catalog:product-export", args=[lc.pk, "csv"])).content.decode("utf-8-sig")
    assert "MINE-1" in body and "THEIRS-1" not in body
    assert "'=HYPERLINK(1)" in body


def test_origin_badge_tells_made_in_china_not_domestic_from_imported(client, lc):
    # given a product made in China that the rule does not count as domestic, and a German one
    below = ProductFactory(category=lc, domestic_content=Decimal("0.2"), is_domestic=False)
    imported = ImportedProductFactory(category=lc)
    # when their pages are shown
    below_page = client.get(reverse("catalog:product-detail", args=[below.pk])).content.decode()
    imported_page = client.get(reverse("catalog:product-detail", args=[imported.pk])).content.decode()
    # then only the foreign one is called imported
    assert "Made in China, not domestic" in below_page and ">Imported<" not in below_page
    assert ">Imported<" in imported_page


SCIENTIFIC = re.compile(r"\d[eE][-+]?\d")


def test_product_pages_never_show_a_value_in_scientific_notation(client, lc):
    # Given a product stating a tiny and a huge value, entered in scientific notation
    pressure = Parameter.objects.get(category=lc, key="pressure_max")
    flow = Parameter.objects.get(category=lc, key="flow_rate")
    product, other = ProductFactory(category=lc), ProductFactory(category=lc)
    SpecificationFactory(product=product, parameter=pressure, value=1e-05, entered_value="1e-05", entered_unit="MPa")
    SpecificationFactory(
        product=product,
        parameter=flow,
        value=None,
        value_min=2.5e-07,
        value_max=2.5e06,
        entered_value="2.5e-07-2.5e+06",
        entered_unit="mL/min",
    )
    SpecificationFactory(product=other, parameter=pressure, value=2.5e06, entered_value="2.5E+06")
    # When the product page and the comparison are shown, then every value is written out
    detail = client.get(reverse("catalog:product-detail", args=[product.pk])).content.decode()
    assert "0.00001 MPa" in detail and "0.00000025–2500000" in detail
    compare = client.get(reverse("catalog:product-compare"), {"ids": f"{product.pk},{other.pk}"}).content.decode()
    assert "2500000 MPa" in compare
    for page in (detail, compare):
        main = page.split("<main", 1)[1].split("</main>", 1)[0]
        assert not SCIENTIFIC.search(re.sub(r"<[^>]+>", " ", main)), SCIENTIFIC.findall(main)
