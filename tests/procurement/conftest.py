"""Fixtures the procurement tests share."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from procurement import services
from procurement.models import Demand
from tests.factories import (
    DemandFactory,
    ImportedProductFactory,
    ProductFactory,
    RequirementFactory,
    SpecificationFactory,
    member_of,
)
from tests.procurement.factories import make_dictionary


@pytest.fixture
def setting(people):
    """A sealed fiscal demand (pressure >= 100 MPa mandatory, wavelength >= 800 nm preferred) whose quotes opened:
    a domestic quote that meets it, a cheaper-after-preference domestic one that fails the pressure, an imported
    one that meets it at a lower total."""
    d = make_dictionary()
    demand = DemandFactory(
        institution=people.institution,
        posted_by=people.users["researcher"],
        category=d.leaf,
        is_sealed=True,
        accepts_imported=True,
        import_reason="An imported instrument may do if no domestic one reaches the pressure.",
        budget=Decimal("1000000"),
    )
    pressure = RequirementFactory(
        demand=demand, parameter=d.pressure, operator=">=", value=100, entered_value="100", unit="MPa"
    )
    RequirementFactory(
        demand=demand,
        parameter=d.wavelength,
        operator=">=",
        value=800,
        entered_value="800",
        unit="nm",
        is_mandatory=False,
        sort_order=1,
    )
    good = ProductFactory(manufacturer=people.manufacturer, category=d.leaf, model_number="GOOD-1")
    weak = ProductFactory(category=d.leaf, model_number="WEAK-1")
    imported = ImportedProductFactory(category=d.leaf, model_number="IMP-1")
    for product, bar in ((good, 120), (weak, 90), (imported, 130)):
        SpecificationFactory(
            product=product, parameter=d.pressure, value=bar, entered_value=str(bar), entered_unit="MPa"
        )
    SpecificationFactory(product=good, parameter=d.wavelength, value=900, entered_value="900", entered_unit="nm")
    quotes = {
        "good": services.quote_submit(
            user=people.users["maker"], demand=demand, product=good, unit_price=Decimal("500000"), warranty_months=36
        ),
        "weak": services.quote_submit(
            user=member_of(weak.manufacturer), demand=demand, product=weak, unit_price=Decimal("300000")
        ),
        "imported": services.quote_submit(
            user=member_of(imported.manufacturer), demand=demand, product=imported, unit_price=Decimal("450000")
        ),
    }
    Demand.objects.filter(pk=demand.pk).update(deadline=timezone.localdate() - datetime.timedelta(days=1))
    services.quotes_open_due()
    demand.refresh_from_db()
    return demand, quotes, pressure
