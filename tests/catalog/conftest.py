from __future__ import annotations

import pytest

from accounts.models import Organization
from catalog.models import Category, Product
from tests.factories import ImportedProductFactory, InstitutionFactory, ManufacturerFactory, ProductFactory


def new_manufacturer(**fields) -> Organization:
    return ManufacturerFactory(**fields)


def new_institution(**fields) -> Organization:
    return InstitutionFactory(**fields)


def new_product(**fields) -> Product:
    return ProductFactory(**fields)


def new_imported(**fields) -> Product:
    return ImportedProductFactory(**fields)


@pytest.fixture
def lc(db) -> Category:
    """Liquid chromatographs, from the classification table loaded by migration."""
    return Category.objects.get(code="010501")


@pytest.fixture
def recorded(monkeypatch):
    """Calls to the search outbox and the matching scheduler made by catalog code."""
    calls: dict[str, list] = {"index": [], "matching": []}

    def index_mark(*, kind, ids):
        calls["index"].append((kind, list(ids)))

    def schedule(*, product_id):
        calls["matching"].append(product_id)

    for module in ("catalog.services.products", "catalog.services.evaluations", "catalog.importing.writer"):
        monkeypatch.setattr(f"{module}.product_schedule_matching", schedule, raising=False)
        monkeypatch.setattr(f"{module}.index_mark", index_mark, raising=False)
    monkeypatch.setattr("catalog.services.documents.index_mark", index_mark)
    return calls
