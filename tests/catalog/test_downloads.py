"""The public catalog as an open-data download: filters as the list, columns as the README, public rows only."""

import csv
import io

import pytest
from openpyxl import load_workbook

from catalog.models import Product
from search.services import search_index_objects
from tests.factories import CategoryFactory, ImportedProductFactory, ProductFactory, member_of, province
from tests.readme import documented_columns

pytestmark = pytest.mark.django_db


def read_csv(response) -> list[dict[str, str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def csv_header(response) -> list[str]:
    text = b"".join(response.streaming_content).decode("utf-8").removeprefix("\ufeff")
    return next(csv.reader(io.StringIO(text)))


def test_catalog_csv_has_the_documented_columns_in_order(api_client):
    ProductFactory()
    response = api_client.get("/api/v1/products/download/csv/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="products.csv"'
    assert csv_header(response) == documented_columns("Public catalog (`products`)")


def test_catalog_xlsx_has_the_documented_columns_and_the_same_rows(api_client):
    product = ProductFactory(name_zh="=HYPERLINK(1)")
    response = api_client.get("/api/v1/products/download/xlsx/")
    assert response.status_code == 200 and response.content.startswith(b"PK")
    rows = list(load_workbook(io.BytesIO(response.content))["products"].iter_rows(values_only=True))
    assert list(rows[0]) == documented_columns("Public catalog (`products`)")
    assert len(rows) == 2
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["id"] == product.pk
    # A formula is written as text.
    assert record["name_zh"] == "'=HYPERLINK(1)"


def test_catalog_download_never_holds_drafts_or_withdrawn_products_even_for_their_maker(api_client):
    published = ProductFactory()
    draft = ProductFactory(manufacturer=published.manufacturer, status=Product.Status.DRAFT, published_at=None)
    ProductFactory(manufacturer=published.manufacturer, status=Product.Status.WITHDRAWN)
    api_client.force_authenticate(member_of(published.manufacturer))
    ids = [int(row["id"]) for row in read_csv(api_client.get("/api/v1/products/download/csv/"))]
    assert ids == [published.pk]
    # Asking for drafts gives none.
    assert read_csv(api_client.get("/api/v1/products/download/csv/", {"status": "draft"})) == []
    assert draft.pk not in ids


def test_catalog_download_applies_the_list_filters(api_client):
    chromatography = CategoryFactory()
    child = CategoryFactory(parent=chromatography)
    other = CategoryFactory()
    domestic = ProductFactory(category=child, price_min=100, price_max=200)
    ImportedProductFactory(category=child)
    ProductFactory(category=other)
    expensive = ProductFactory(category=child, price_min=900000, price_max=1000000)
    expensive.provinces_served.add(province("310000"))

    def ids(**params):
        return sorted(int(r["id"]) for r in read_csv(api_client.get("/api/v1/products/download/csv/", params)))

    assert ids(category=chromatography.pk, is_domestic="true") == sorted([domestic.pk, expensive.pk])
    assert ids(category_code=chromatography.code, price_max=300) == [domestic.pk]
    assert ids(province="310000") == [expensive.pk]
    assert ids(manufacturer=domestic.manufacturer_id) == [domestic.pk]


def test_catalog_download_matches_words_as_the_search_index_does(api_client):
    wanted = ProductFactory(name_zh="液相色谱仪", name_en="Liquid chromatograph")
    other = ProductFactory(name_zh="质谱仪", name_en="Mass spectrometer")
    search_index_objects(kind="products", ids=[wanted.pk, other.pk])
    rows = read_csv(api_client.get("/api/v1/products/download/csv/", {"q": "chromatograph"}))
    assert [int(r["id"]) for r in rows] == [wanted.pk]


def test_catalog_download_writes_values_in_the_documented_units(api_client):
    product = ProductFactory(price_min=300000, price_max=500000, lead_time_days=60, is_domestic=True)
    product.provinces_served.add(province("310000"), province("110000"))
    (row,) = read_csv(api_client.get("/api/v1/products/download/csv/"))
    assert row["price_min"] == "300000.00" and row["price_max"] == "500000.00"
    assert row["is_domestic"] == "true"
    assert row["provinces_served"] == "110000;310000"
    assert row["published_at"].endswith("Z") and "T" in row["published_at"]
    assert row["url"] == f"http://testserver/api/v1/products/{product.pk}/"
    assert row["html_url"] == f"http://testserver/catalog/products/{product.pk}/"


def test_catalog_download_reads_a_constant_number_of_queries(api_client, django_assert_max_num_queries):
    for _ in range(3):
        ProductFactory().provinces_served.add(province("310000"))
    with django_assert_max_num_queries(4) as few:
        rows = read_csv(api_client.get("/api/v1/products/download/csv/"))
    for _ in range(20):
        ProductFactory().provinces_served.add(province("310000"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(read_csv(api_client.get("/api/v1/products/download/csv/"))) == len(rows) + 20


def test_catalog_download_refuses_a_bad_filter_with_400(api_client):
    response = api_client.get("/api/v1/products/download/csv/", {"is_domestic": "maybe"})
    assert response.status_code == 400 and "is_domestic" in response.json()["fields"]


def test_product_list_api_links_its_downloads_with_its_filters(api_client):
    category = CategoryFactory()
    ProductFactory(category=category)
    body = api_client.get("/api/v1/products/", {"category": category.pk, "page": 1}).json()
    assert body["csv_url"] == f"http://testserver/api/v1/products/download/csv/?category={category.pk}"
    assert body["xlsx_url"] == f"http://testserver/api/v1/products/download/xlsx/?category={category.pk}"
    assert len(read_csv(api_client.get(body["csv_url"]))) == 1


def test_product_list_page_links_its_downloads_with_the_filters_on_screen(client):
    category = CategoryFactory()
    ProductFactory(category=category)
    ProductFactory()
    page = client.get("/catalog/", {"category": category.pk, "origin": "domestic"}).content.decode()
    link = f"/api/v1/products/download/csv/?category={category.pk}&amp;is_domestic=true"
    assert link in page
    assert len(read_csv(client.get(link.replace("&amp;", "&")))) == 1
