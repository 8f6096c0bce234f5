from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog.models import Category, Parameter, Product
from search.services import search_index_objects
from tests.catalog.conftest import new_manufacturer
from tests.factories import (
    ImportedProductFactory,
    ProductFactory,
    SpecificationFactory,
    member_of,
    province,
)

PDF = b"%PDF-1.4\n%%EOF\n"


def payload(manufacturer, category, **overrides):
    data = {
        "manufacturer": manufacturer.pk,
        "category": category.pk,
        "model_number": "API-1",
        "name_zh": "液相色谱仪",
        "name_en": "Liquid chromatograph",
        "domestic_content": "0.800",
        "price_min": "200000.00",
        "price_max": "300000.00",
        "provinces_served": ["110000"],
        "key_components": [{"name": "pump", "origin": "CN"}],
        "specifications": [
            {"parameter": "pressure_max", "value": 600, "unit": "bar"},
            {"parameter": "wavelength", "value_min": 190, "value_max": 900, "unit": "nm"},
            {"parameter": "pump_type", "choice": "binary"},
            {"parameter": "flow_rate", "value": "0.1-10000 µL/min"},
        ],
    }
    data.update(overrides)
    return data


def test_categories_flat_and_tree(api_client, db):
    flat = api_client.get("/api/v1/categories/", {"page_size": 100}).json()
    assert flat["count"] >= 50
    assert {row["code"] for row in flat["results"]} >= {"01", "0105", "010501"}
    tree = api_client.get("/api/v1/categories/", {"tree": "true"}).json()
    assert len(tree) == 15
    analytical = next(node for node in tree if node["code"] == "01")
    assert any(child["code"] == "0105" and child["children"] for child in analytical["children"])
    assert api_client.get("/api/v1/categories/tree/").json() == tree


def test_parameters_filtered_by_category_include_inherited(api_client, db):
    lc = Category.objects.get(code="010501")
    rows = api_client.get("/api/v1/parameters/", {"category": lc.pk, "page_size": 100}).json()["results"]
    keys = {row["key"] for row in rows}
    assert {"pressure_max", "detector_type"} <= keys and "mass_range" not in keys
    by_code = api_client.get("/api/v1/parameters/", {"category_code": "010501", "page_size": 100}).json()
    assert {row["key"] for row in by_code["results"]} == keys


def test_owner_creates_product_with_nested_specifications(api_client, maker, manufacturer, lc):
    api_client.force_authenticate(maker)
    response = api_client.post("/api/v1/products/", payload(manufacturer, lc), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft" and body["is_domestic"] is True
    specs = {row["parameter"]: row for row in body["specifications"]}
    assert specs["pressure_max"]["value"] == pytest.approx(60)
    assert specs["pressure_max"]["canonical_unit"] == "MPa"
    assert specs["pressure_max"]["entered_value"] == "600" and specs["pressure_max"]["unit"] == "bar"
    assert (specs["flow_rate"]["value_min"], specs["flow_rate"]["value_max"]) == pytest.approx((0.0001, 10))
    assert specs["pump_type"]["choice"] == "binary"
    assert body["provinces_served"] == ["110000"]


def test_bad_specification_is_a_400_naming_the_field(api_client, maker, manufacturer, lc):
    api_client.force_authenticate(maker)
    bad = payload(manufacturer, lc, specifications=[{"parameter": "pressure_max", "value": 40, "unit": "kg"}])
    response = api_client.post("/api/v1/products/", bad, format="json")
    assert response.status_code == 400
    assert "pressure_max" in response.json()["fields"]["specifications"][0]
    assert "cannot be converted" in response.json()["extra"]["specifications"]["pressure_max"]


def test_other_manufacturer_cannot_create_update_or_publish(api_client, manufacturer, lc):
    product = ProductFactory(manufacturer=manufacturer, category=lc)
    outsider = member_of(new_manufacturer())
    api_client.force_authenticate(outsider)
    assert api_client.post("/api/v1/products/", payload(manufacturer, lc), format="json").status_code == 403
    assert api_client.patch(f"/api/v1/products/{product.pk}/", {"name_zh": "x"}, format="json").status_code == 403
    assert api_client.post(f"/api/v1/products/{product.pk}/withdraw/").status_code == 403
    product.refresh_from_db()
    assert product.status == Product.Status.PUBLISHED


def test_researcher_and_anonymous_read_only(api_client, researcher, lc):
    product = ProductFactory(category=lc)
    assert api_client.get(f"/api/v1/products/{product.pk}/").status_code == 200
    assert api_client.patch(f"/api/v1/products/{product.pk}/", {"name_zh": "x"}, format="json").status_code == 401
    api_client.force_authenticate(researcher)
    assert api_client.patch(f"/api/v1/products/{product.pk}/", {"name_zh": "x"}, format="json").status_code == 403


def test_drafts_are_visible_to_their_owner_only(api_client, maker, manufacturer, lc):
    draft = ProductFactory(manufacturer=manufacturer, category=lc, status=Product.Status.DRAFT, published_at=None)
    assert api_client.get(f"/api/v1/products/{draft.pk}/").status_code == 404
    api_client.force_authenticate(member_of(new_manufacturer()))
    assert api_client.get(f"/api/v1/products/{draft.pk}/").status_code == 404
    api_client.force_authenticate(maker)
    assert api_client.get(f"/api/v1/products/{draft.pk}/").status_code == 200
    ids = [row["id"] for row in api_client.get("/api/v1/products/").json()["results"]]
    assert draft.pk in ids


def test_owner_updates_publishes_and_withdraws(api_client, maker, manufacturer, lc):
    api_client.force_authenticate(maker)
    product_id = api_client.post("/api/v1/products/", payload(manufacturer, lc), format="json").json()["id"]
    response = api_client.patch(
        f"/api/v1/products/{product_id}/",
        {"lead_time_days": 45, "specifications": [{"parameter": "pressure_max", "value": "50 MPa"}]},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["lead_time_days"] == 45
    published = api_client.post(f"/api/v1/products/{product_id}/publish/").json()
    assert published["status"] == "published" and published["published_at"]
    assert api_client.post(f"/api/v1/products/{product_id}/publish/").status_code == 400
    withdrawn = api_client.post(f"/api/v1/products/{product_id}/withdraw/").json()
    assert withdrawn["status"] == "withdrawn" and withdrawn["withdrawn_at"]


def test_patch_merges_specifications_and_keeps_the_others(api_client, maker, manufacturer, lc):
    # given: a product with four specifications
    api_client.force_authenticate(maker)
    product_id = api_client.post("/api/v1/products/", payload(manufacturer, lc), format="json").json()["id"]
    # when: a PATCH sends one of them
    response = api_client.patch(
        f"/api/v1/products/{product_id}/",
        {"specifications": [{"parameter": "pressure_max", "value": "50 MPa"}]},
        format="json",
    )
    # then: that one changes, the other three stay
    assert response.status_code == 200
    specs = {row["parameter"]: row for row in response.json()["specifications"]}
    assert set(specs) == {"pressure_max", "wavelength", "pump_type", "flow_rate"}
    assert specs["pressure_max"]["value"] == pytest.approx(50) and specs["pressure_max"]["unit"] == "MPa"


def test_put_replaces_specifications_and_requires_them(api_client, maker, manufacturer, lc):
    api_client.force_authenticate(maker)
    product_id = api_client.post("/api/v1/products/", payload(manufacturer, lc), format="json").json()["id"]
    whole = payload(manufacturer, lc, specifications=[{"parameter": "pressure_max", "value": "50 MPa"}])
    response = api_client.put(f"/api/v1/products/{product_id}/", whole, format="json")
    assert response.status_code == 200, response.json()
    assert [row["parameter"] for row in response.json()["specifications"]] == ["pressure_max"]
    # a PUT without the list would remove every specification unasked: it is refused instead
    without = payload(manufacturer, lc)
    del without["specifications"]
    refused = api_client.put(f"/api/v1/products/{product_id}/", without, format="json")
    assert refused.status_code == 400
    assert list(refused.json()["fields"]) == ["specifications"]


def test_product_list_filters_and_keyword_search(api_client, lc):
    gc = Category.objects.get(code="010502")
    lc_product = ProductFactory(category=lc, name_en="Prominent UHPLC")
    gc_product = ImportedProductFactory(category=gc, name_en="Gas chromatograph")
    chromatography = Category.objects.get(code="0105")
    # factories bypass the services, so index the rows the way the outbox sync would
    search_index_objects(kind="products", ids=[lc_product.pk, gc_product.pk])

    def ids(**params):
        return {row["id"] for row in api_client.get("/api/v1/products/", params).json()["results"]}

    assert ids(category=chromatography.pk) == {lc_product.pk, gc_product.pk}
    assert ids(category_code="010502") == {gc_product.pk}
    assert ids(is_domestic="false") == {gc_product.pk}
    assert ids(q="UHPLC") == {lc_product.pk}
    assert ids(q="UHPLC", is_domestic="false") == set()
    assert api_client.get("/api/v1/products/", {"category": "abc"}).status_code == 400


def test_product_list_queries_are_bounded(api_client, django_assert_max_num_queries, lc):
    parameter = Parameter.objects.get(category=lc, key="pressure_max")
    for product in ProductFactory.create_batch(30, category=lc):
        SpecificationFactory(product=product, parameter=parameter)
        product.provinces_served.add(province("110000"))
    # the count, the rows with their maker and category, their provinces, the domestic-product rules
    with django_assert_max_num_queries(4):
        response = api_client.get("/api/v1/products/", {"page_size": 30})
    rows = response.json()["results"]
    assert len(rows) == 30
    assert all(row["provinces_served"] == ["110000"] and row["key_components"] == [] for row in rows)
    # a list is lean: the specifications and documents are the detail's
    assert "specifications" not in rows[0] and "documents" not in rows[0]
    detail = api_client.get(f"/api/v1/products/{rows[0]['id']}/").json()
    assert [spec["parameter"] for spec in detail["specifications"]] == ["pressure_max"]
    assert detail["documents"] == []


def test_alternatives_endpoint(api_client, lc):
    imported = ImportedProductFactory(category=lc)
    better = ProductFactory(category=lc)
    parameter = Parameter.objects.get(category=lc, key="pressure_max")
    SpecificationFactory(product=imported, parameter=parameter, value=60)
    SpecificationFactory(product=better, parameter=parameter, value=100)
    rows = api_client.get(f"/api/v1/products/{imported.pk}/alternatives/").json()
    assert [row["id"] for row in rows] == [better.pk]


def test_document_upload_through_the_api(api_client, maker, manufacturer, lc):
    product = ProductFactory(manufacturer=manufacturer, category=lc)
    api_client.force_authenticate(maker)
    ok = api_client.post(
        f"/api/v1/products/{product.pk}/documents/",
        {"file": SimpleUploadedFile("b.pdf", PDF), "kind": "brochure"},
        format="multipart",
    )
    assert ok.status_code == 201 and ok.json()["content_type"] == "application/pdf"
    assert ok.json()["file"].startswith("http://testserver/")  # a URI, as the schema says, like in product bodies
    bad = api_client.post(
        f"/api/v1/products/{product.pk}/documents/",
        {"file": SimpleUploadedFile("b.pdf", b"<html>"), "kind": "brochure"},
        format="multipart",
    )
    assert bad.status_code == 400 and "file" in bad.json()["fields"]


def test_import_endpoint_reports_bad_rows(api_client, maker, manufacturer):
    api_client.force_authenticate(maker)
    data = "model_number,name_zh,category,pressure_max\nA-1,仪器,010501,40 kg\n".encode()
    response = api_client.post(
        "/api/v1/products/import/",
        {"file": SimpleUploadedFile("p.csv", data), "manufacturer": manufacturer.pk},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["row"] == 2 and response.json()["errors"][0]["column"] == "pressure_max"
    assert not Product.objects.exists()


def test_template_endpoint_returns_xlsx(api_client, lc):
    response = api_client.get("/api/v1/products/template/", {"category": lc.pk})
    assert response.status_code == 200 and response.content.startswith(b"PK")
    from openpyxl import load_workbook

    header = next(load_workbook(io.BytesIO(response.content))["products"].iter_rows(values_only=True))
    assert "pressure_max [MPa]" in header


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"category": "null"}, "category"),
        ({"category": "1.5"}, "category"),
        ({"category": "\u00b2"}, "category"),  # a Unicode digit int() does not read
        ({}, "category"),
        ({"category": "1", "file_format": "pdf"}, "file_format"),
    ],
)
def test_template_endpoint_rejects_bad_parameters_with_400(api_client, lc, params, field):
    response = api_client.get("/api/v1/products/template/", params)
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_template_endpoint_of_unknown_category_is_404(api_client, lc):
    response = api_client.get("/api/v1/products/template/", {"category": 99999999999999999999})
    assert response.status_code == 404


def test_evaluations_api_create_and_list(api_client, researcher, institution, maker):
    product = ProductFactory()
    body = {
        "product": product.pk,
        "organization": institution.pk,
        "kind": "review",
        "title": "Solid",
        "accuracy": 4,
        "stability": 5,
        "reliability": 4,
        "service": 3,
    }
    assert api_client.post("/api/v1/evaluations/", body, format="json").status_code == 401
    api_client.force_authenticate(maker)
    assert api_client.post("/api/v1/evaluations/", body, format="json").status_code == 403
    api_client.force_authenticate(researcher)
    response = api_client.post("/api/v1/evaluations/", body, format="json")
    assert response.status_code == 201, response.json()
    listed = api_client.get("/api/v1/evaluations/", {"product": product.pk}).json()
    assert listed["count"] == 1 and listed["results"][0]["overall"] == 4.0
    product.refresh_from_db()
    assert product.evaluation_count == 1


def test_schema_includes_catalog_paths(api_client, db):
    response = api_client.get("/api/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "/api/v1/products/{id}/publish/" in text and "/api/v1/categories/tree/" in text


def test_owners_find_their_own_drafts_by_keyword_and_nobody_else_does(api_client, maker, manufacturer, lc):
    # given: a published product and a draft of the same maker, both named "Quasar"
    from tests.search.factories import index_now

    published = ProductFactory(manufacturer=manufacturer, category=lc, name_en="Quasar analyser")
    draft = ProductFactory(
        manufacturer=manufacturer, category=lc, name_en="Quasar analyser Mk II", status=Product.Status.DRAFT
    )
    index_now("products", published, draft)

    def found(who):
        api_client.force_authenticate(who)
        return [row["id"] for row in api_client.get("/api/v1/products/", {"q": "Quasar"}).json()["results"]]

    # when / then: the maker finds both (search results first), everyone else the published one only
    assert found(maker) == [published.pk, draft.pk]
    assert found(None) == [published.pk]
    assert found(member_of(new_manufacturer())) == [published.pk]


def _many_products(lc, count: int) -> list[int]:
    """``count`` published products named "Quasar", indexed (bulk, so a thousand take seconds, not minutes)."""
    manufacturer = new_manufacturer()
    rows = Product.objects.bulk_create(
        [
            Product(
                manufacturer=manufacturer,
                category=lc,
                name_zh=f"类星体分析仪 {n}",
                name_en=f"Quasar analyser {n}",
                model_number=f"QA-{n:05d}",
                status=Product.Status.PUBLISHED,
                is_domestic=True,
            )
            for n in range(count)
        ]
    )
    ids = [row.pk for row in rows]
    search_index_objects(kind="products", ids=ids)
    return ids


def test_a_keyword_list_pages_through_every_hit_with_the_pages_total(api_client, client, lc):
    # given more published products matching the words than the old cap of 1,000 ids
    ids = _many_products(lc, 1030)
    page_total = client.get("/catalog/", {"q": "Quasar"}).context["result"].total
    # when the API is asked for the last page
    body = api_client.get("/api/v1/products/", {"q": "Quasar", "page_size": 100, "page": 11}).json()
    # then it holds the last 30 hits, and the total is the page's
    assert page_total == body["count"] == 1030
    assert len(body["results"]) == 30 and body["next"] is None
    first = api_client.get("/api/v1/products/", {"q": "Quasar", "page_size": 100}).json()
    seen = {row["id"] for row in first["results"]} | {row["id"] for row in body["results"]}
    assert seen <= set(ids) and len(seen) == 130


def test_a_keyword_list_keeps_the_search_order_and_its_queries_are_bounded(
    api_client, lc, django_assert_max_num_queries
):
    from search.selectors import SearchQuery, search

    # given a product whose model number is the query, one with the word in its name, one with it in its text
    by_text = ProductFactory(category=lc, name_en="Analyser", description_en="Nebula optics inside")
    by_name = ProductFactory(category=lc, name_en="Nebula analyser")
    by_model = ProductFactory(category=lc, name_en="Analyser", model_number="NEBULA")
    search_index_objects(kind="products", ids=[by_text.pk, by_name.pk, by_model.pk])
    expected = search(SearchQuery(kind="products", text="nebula", page_size=20)).ids
    # when
    with django_assert_max_num_queries(10):
        body = api_client.get("/api/v1/products/", {"q": "nebula"}).json()
    # then the rows come in the search order: the exact model number first
    assert [row["id"] for row in body["results"]] == expected
    assert expected[0] == by_model.pk and set(expected) == {by_text.pk, by_name.pk, by_model.pk}


def test_a_makers_drafts_follow_the_last_hit_on_the_last_page(api_client, maker, manufacturer, lc):
    published = [ProductFactory(manufacturer=manufacturer, category=lc, name_en=f"Pulsar {n}") for n in range(3)]
    drafts = [
        ProductFactory(manufacturer=manufacturer, category=lc, name_en=f"Pulsar draft {n}", status=Product.Status.DRAFT)
        for n in range(2)
    ]
    search_index_objects(kind="products", ids=[p.pk for p in published + drafts])
    api_client.force_authenticate(maker)

    def page(number):
        return api_client.get("/api/v1/products/", {"q": "Pulsar", "page_size": 2, "page": number}).json()

    pages = [page(n) for n in (1, 2, 3)]
    assert {p["count"] for p in pages} == {5}
    listed = [row["id"] for p in pages for row in p["results"]]
    assert set(listed[:3]) == {p.pk for p in published}
    assert listed[3:] == [d.pk for d in drafts]
    assert api_client.get("/api/v1/products/", {"q": "Pulsar", "page_size": 2, "page": 4}).status_code == 404
    # a status filter the index cannot apply matches the words alone
    only_drafts = api_client.get("/api/v1/products/", {"q": "Pulsar", "status": "draft"}).json()
    assert [row["id"] for row in only_drafts["results"]] == [d.pk for d in drafts]
