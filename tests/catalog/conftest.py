from __future__ import annotations

import pytest
from django.utils import timezone

from accounts.models import Organization
from catalog.models import Category, Product
from changes.models import ChangeDelivery
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


class Outbox:
    """The product changes catalog code recorded in the change outbox, as each consumer will receive them."""

    def pending(self, consumer: str) -> list[int]:
        return list(
            ChangeDelivery.objects.filter(consumer=consumer, done_at__isnull=True, change__entity="product")
            .order_by("id")
            .values_list("change__object_id", flat=True)
        )

    def clear(self) -> None:
        ChangeDelivery.objects.update(done_at=timezone.now())


@pytest.fixture
def outbox(db) -> Outbox:
    return Outbox()
