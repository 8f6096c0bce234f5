from __future__ import annotations

from dataclasses import dataclass

import pytest

from accounts.models import Membership
from catalog.models import Category, Parameter, Product
from procurement.models import Demand
from tests.factories import (
    CategoryFactory,
    DemandFactory,
    ImportedProductFactory,
    InstitutionFactory,
    ManufacturerFactory,
    ParameterFactory,
    ProductFactory,
    RequirementFactory,
    SpecificationFactory,
    member_of,
)


@dataclass
class Scene:
    """A chromatography-like category with two parameters, three domestic products, one imported, one demand."""

    root: Category
    leaf: Category
    pressure: Parameter
    flow: Parameter
    strong: Product
    weak: Product
    middling: Product
    imported: Product
    demand: Demand
    institution_member: object
    maker_member: object


@pytest.fixture
def scene(db) -> Scene:
    root = CategoryFactory(code="A01")
    leaf = CategoryFactory(code="A0101", parent=root)
    pressure = ParameterFactory(category=root, key="max_pressure", unit="MPa", better=Parameter.Better.HIGHER)
    flow = ParameterFactory(category=root, key="flow_max", unit="mL/min", better=Parameter.Better.HIGHER)
    maker_org = ManufacturerFactory()
    strong = ProductFactory(category=leaf, manufacturer=maker_org, name_en="HPLC strong")
    weak = ProductFactory(category=leaf, name_en="HPLC weak")
    middling = ProductFactory(category=root, name_en="HPLC middling")
    imported = ImportedProductFactory(category=leaf, name_en="Imported HPLC")
    for product, p_value, f_value in (
        (strong, 100.0, 10.0),
        (weak, 30.0, 10.0),
        (middling, 60.0, 2.0),
        (imported, 130.0, 10.0),
    ):
        SpecificationFactory(product=product, parameter=pressure, value=p_value)
        SpecificationFactory(product=product, parameter=flow, value=f_value)
    institution = InstitutionFactory()
    demand = DemandFactory(category=root, institution=institution, title="HPLC for the lab")
    # at least 400 bar (40 MPa), mandatory; at least 5 mL/min preferred
    RequirementFactory(demand=demand, parameter=pressure, operator=">=", value=40.0, unit="bar", entered_value="400")
    RequirementFactory(demand=demand, parameter=flow, operator=">=", value=5.0, is_mandatory=False)
    return Scene(
        root=root,
        leaf=leaf,
        pressure=pressure,
        flow=flow,
        strong=strong,
        weak=weak,
        middling=middling,
        imported=imported,
        demand=demand,
        institution_member=member_of(institution, role=Membership.Role.ADMIN),
        maker_member=member_of(maker_org),
    )
