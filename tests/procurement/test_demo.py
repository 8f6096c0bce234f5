import io
from decimal import Decimal

import pytest

from accounts import demo as accounts_demo
from catalog.models import Category, Parameter
from procurement import demo
from procurement.models import Demand, SharedInstrument
from tests.factories import ImportedProductFactory, ProductFactory, SpecificationFactory

pytestmark = pytest.mark.django_db


def seed():
    accounts_demo.seed(password="pw", stdout=io.StringIO())
    out = io.StringIO()
    demo.seed(password="pw", stdout=out)
    return out.getvalue()


def test_seed_without_products_still_creates_demands_and_is_idempotent():
    seed()
    counts = (Demand.objects.count(), SharedInstrument.objects.count())
    seed()
    assert (Demand.objects.count(), SharedInstrument.objects.count()) == counts
    assert counts[0] >= 60
    assert counts[1] >= 40
    assert Demand.objects.values("institution").distinct().count() >= 10
    assert Demand.objects.filter(institution__name_zh=accounts_demo.DEMO_INSTITUTION[0]).exists()
    assert Demand.objects.filter(status=Demand.Status.OPEN).count() > Demand.objects.count() / 2
    assert Demand.objects.filter(status=Demand.Status.DRAFT).exists()
    assert Demand.objects.filter(status=Demand.Status.EXPIRED).exists()
    assert Demand.objects.filter(requirements__isnull=False).distinct().count() >= 50


def test_seed_derives_requirements_from_the_catalog():
    hplc = Category.objects.get(code="010501")
    pressure = Parameter.objects.get(category=hplc, key="pressure_max")
    domestic = [ProductFactory(category=hplc, price_max=Decimal("400000")) for _ in range(3)]
    imported = ImportedProductFactory(category=hplc)
    for product, value in zip(domestic, (60, 80, 100), strict=True):
        SpecificationFactory(product=product, parameter=pressure, value=value)
    SpecificationFactory(product=imported, parameter=pressure, value=130)

    seed()

    hplc_demands = Demand.objects.filter(category=hplc).prefetch_related("requirements__parameter")
    values = [
        r.value
        for d in hplc_demands
        for r in d.requirements.all()
        if r.parameter.key == "pressure_max" and r.value is not None
    ]
    assert values
    # each requirement is met by a domestic product (<= 100), only by the import (130), or by none (> 130)
    assert all(v <= 100 or v == 130 or v > 130 for v in values)
    assert any(v <= 100 for v in values)
    assert any(v == 130 for v in values)
    assert all(
        r.parameter.key in {p.key for p in demo.category_parameters(hplc)}
        for d in hplc_demands
        for r in d.requirements.all()
    )


def test_seed_takes_one_sealed_fiscal_demand_to_its_award_notice():
    from procurement.demo_showcase import TITLE
    from procurement.models import Award, ImportJustification

    hplc = Category.objects.get(code="010501")
    pressure = Parameter.objects.get(category=hplc, key="pressure_max")
    products = [
        ProductFactory(category=hplc, model_number="SHOW-A"),
        ProductFactory(category=hplc, model_number="SHOW-B"),
        ImportedProductFactory(category=hplc, model_number="SHOW-I"),
    ]
    for product, value in zip(products, (80, 100, 130), strict=True):
        SpecificationFactory(product=product, parameter=pressure, value=value)
    seed()
    seed()  # again: nothing twice
    demand = Demand.objects.get(title=TITLE)
    assert demand.is_sealed and demand.is_fiscal and demand.quotes_opened_at is not None
    assert demand.quotes.count() == 3
    award = Award.objects.get(demand=demand)
    assert len(award.comparison["quotes"]) == 3 and not award.is_imported
    assert sum(1 for c in award.comparison["quotes"] if c["is_domestic"]) == 2
    justification = ImportJustification.objects.get(demand=demand)
    assert justification.status == ImportJustification.Status.APPROVED
    assert justification.dossier["application"] and justification.expert_reviews.count() == 5
