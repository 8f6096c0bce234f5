"""factory_boy factories for the core models, shared by every app's tests."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import Membership, Organization, Province, User
from accounts.validators import USCC_ALPHABET, uscc_check_character
from catalog.models import Category, Evaluation, Parameter, Product, Specification
from procurement.models import Demand, Requirement, SharedInstrument


def make_uscc(n: int) -> str:
    """A valid unified social credit code, different for every n."""
    body = "91110108" + "".join(USCC_ALPHABET[(n // 31**i) % 31] for i in range(9))
    return body + uscc_check_character(body)


def province(code: str = "110000") -> Province:
    return Province.objects.get(code=code)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Sequence(lambda n: f"User {n}")
    password = factory.django.Password("pass-word-123")


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    kind = Organization.Kind.INSTITUTION
    name_zh = factory.Sequence(lambda n: f"机构{n}")
    name_en = factory.Sequence(lambda n: f"Organization {n}")
    credit_code = factory.Sequence(make_uscc)
    country = "CN"
    province = factory.LazyFunction(lambda: province("110000"))
    is_verified = True
    verified_at = factory.LazyFunction(timezone.now)


class InstitutionFactory(OrganizationFactory):
    kind = Organization.Kind.INSTITUTION
    name_zh = factory.Sequence(lambda n: f"研究所{n}")
    name_en = factory.Sequence(lambda n: f"Institute {n}")


class ManufacturerFactory(OrganizationFactory):
    kind = Organization.Kind.MANUFACTURER
    name_zh = factory.Sequence(lambda n: f"仪器公司{n}")
    name_en = factory.Sequence(lambda n: f"Instrument Co. {n}")


class ForeignManufacturerFactory(ManufacturerFactory):
    country = "DE"
    province = None
    credit_code = None


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Membership.Role.MEMBER


def member_of(organization: Organization, *, role: str = Membership.Role.MEMBER, **user_fields) -> User:
    """A new user who belongs to ``organization``."""
    user = UserFactory(**user_fields)
    MembershipFactory(user=user, organization=organization, role=role)
    return user


class CategoryFactory(factory.django.DjangoModelFactory):
    """A category of its own (not one of the classification table's), with path and depth set."""

    class Meta:
        model = Category

    code = factory.Sequence(lambda n: f"T{n:04d}")
    parent = None
    name_zh = factory.Sequence(lambda n: f"测试类别{n}")
    name_en = factory.Sequence(lambda n: f"Test category {n}")
    path = factory.LazyAttribute(lambda o: f"{o.parent.path}/{o.code}" if o.parent else o.code)
    depth = factory.LazyAttribute(lambda o: o.parent.depth + 1 if o.parent else 0)


class ParameterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Parameter

    category = factory.SubFactory(CategoryFactory)
    key = factory.Sequence(lambda n: f"param_{n}")
    name_zh = factory.Sequence(lambda n: f"参数{n}")
    name_en = factory.Sequence(lambda n: f"Parameter {n}")
    unit = "MPa"
    value_type = Parameter.ValueType.NUMBER
    better = Parameter.Better.HIGHER
    min_value = 0
    max_value = 10000


class ProductFactory(factory.django.DjangoModelFactory):
    """A published domestic product (set the fields directly; services derive is_domestic in real use)."""

    class Meta:
        model = Product

    manufacturer = factory.SubFactory(ManufacturerFactory)
    name_zh = factory.Sequence(lambda n: f"测试仪器{n}")
    name_en = factory.Sequence(lambda n: f"Test instrument {n}")
    model_number = factory.Sequence(lambda n: f"TM-{n:05d}")
    category = factory.SubFactory(CategoryFactory)
    country_of_origin = "CN"
    domestic_content = Decimal("0.85")
    is_domestic = True
    price_min = Decimal("300000")
    price_max = Decimal("500000")
    lead_time_days = 60
    warranty_months = 24
    status = Product.Status.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)


class ImportedProductFactory(ProductFactory):
    manufacturer = factory.SubFactory(ForeignManufacturerFactory)
    country_of_origin = "DE"
    domestic_content = Decimal("0")
    is_domestic = False


class SpecificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Specification

    product = factory.SubFactory(ProductFactory)
    parameter = factory.SubFactory(ParameterFactory)
    value = 40.0
    entered_value = factory.LazyAttribute(lambda o: "" if o.value is None else f"{o.value:g}")
    entered_unit = factory.LazyAttribute(lambda o: o.parameter.unit)


class EvaluationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evaluation

    product = factory.SubFactory(ProductFactory)
    kind = Evaluation.Kind.THIRD_PARTY
    author = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(InstitutionFactory)
    title = factory.Sequence(lambda n: f"Evaluation {n}")
    accuracy = 4
    stability = 4
    reliability = 4
    service = 4


class DemandFactory(factory.django.DjangoModelFactory):
    """An open demand whose shared-instrument check is answered."""

    class Meta:
        model = Demand

    institution = factory.SubFactory(InstitutionFactory)
    posted_by = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Demand {n}")
    description = "An instrument for the laboratory."
    category = factory.SubFactory(CategoryFactory)
    quantity = 1
    budget = Decimal("600000")
    deadline = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=60))
    delivery_province = factory.LazyFunction(lambda: province("110000"))
    funding = Demand.Funding.FISCAL
    status = Demand.Status.OPEN
    shared_check = Demand.SharedCheck.NONE_FOUND
    shared_check_at = factory.LazyFunction(timezone.now)
    opened_at = factory.LazyFunction(timezone.now)
    contact_name = "Zhang San"
    contact_phone = "010-12345678"
    contact_email = "buyer@example.org"


class RequirementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Requirement

    demand = factory.SubFactory(DemandFactory)
    parameter = factory.SubFactory(ParameterFactory)
    operator = Requirement.Operator.GTE
    value = 35.0
    entered_value = factory.LazyAttribute(lambda o: "" if o.value is None else f"{o.value:g}")
    unit = factory.LazyAttribute(lambda o: o.parameter.unit)
    is_mandatory = True
    weight = 1.0


class SharedInstrumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SharedInstrument

    institution = factory.SubFactory(InstitutionFactory)
    category = factory.SubFactory(CategoryFactory)
    name = factory.Sequence(lambda n: f"Shared instrument {n}")
    model_name = "X-1000"
    manufacturer_name = "Some maker"
    location = "Building 3, room 201"
    province = factory.LazyFunction(lambda: province("110000"))
    booking_contact = "lab@example.org"
