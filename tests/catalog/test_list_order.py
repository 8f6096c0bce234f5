"""The catalog list: domestic first by default, other orders on request, facets before any keyword."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from accounts.models import Province
from catalog.models import Product
from search.services import search_index_objects
from tests.factories import ImportedProductFactory, ProductFactory


def test_catalog_lists_domestic_products_before_newer_imported_ones_by_default(client, lc):
    domestic = ProductFactory(category=lc)
    imported = ImportedProductFactory(category=lc)
    Product.objects.filter(pk=domestic.pk).update(published_at=imported.published_at.replace(year=2020))
    url = reverse("catalog:product-list")
    assert [p.pk for p in client.get(url).context["products"]] == [domestic.pk, imported.pk]
    assert [p.pk for p in client.get(url, {"sort": "newest"}).context["products"]] == [imported.pk, domestic.pk]
    # the keyword path orders the same way
    search_index_objects(kind="products", ids=[domestic.pk, imported.pk])
    assert [p.pk for p in client.get(url, {"q": "Test instrument"}).context["products"]] == [domestic.pk, imported.pk]


def test_catalog_sorts_by_price_both_ways_with_unpriced_last(client, lc):
    cheap = ProductFactory(category=lc, price_min=Decimal("1000"), price_max=Decimal("2000"))
    dear = ImportedProductFactory(category=lc, price_min=Decimal("900000"), price_max=Decimal("900000"))
    unpriced = ProductFactory(category=lc, price_min=None, price_max=None)
    url = reverse("catalog:product-list")
    assert [p.pk for p in client.get(url, {"sort": "price"}).context["products"]] == [cheap.pk, dear.pk, unpriced.pk]
    assert [p.pk for p in client.get(url, {"sort": "-price"}).context["products"]] == [dear.pk, cheap.pk, unpriced.pk]
    # an order the list does not offer is a form error, not a 500, and the default order applies
    response = client.get(url, {"sort": "deadline"})
    assert response.status_code == 200 and response.context["form"].errors["sort"]


def test_catalog_shows_facets_before_any_keyword_is_typed(client, lc):
    beijing = Province.objects.get(code="110000")
    served = ProductFactory(category=lc)
    served.provinces_served.add(beijing)
    ProductFactory(category=lc)
    ImportedProductFactory(category=lc)
    ProductFactory(category=lc, status=Product.Status.DRAFT, published_at=None)
    response = client.get(reverse("catalog:product-list"))
    facets = response.context["facets"]
    assert facets["domestic"] == [("true", "Domestic", 2), ("false", "Imported", 1)]
    assert facets["category"] == [(str(lc.pk), lc.name_en, 3)]
    assert facets["province"] == [("110000", beijing.name_en, 1)]
    body = response.content.decode()
    assert 'data-facet="domestic"' in body and "origin=domestic" in body
    # following a facet filters the list and keeps the others' counts in step
    filtered = client.get(reverse("catalog:product-list"), {"origin": "imported"})
    assert filtered.context["facets"]["domestic"] == [("false", "Imported", 1)]
