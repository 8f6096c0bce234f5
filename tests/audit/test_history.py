"""Audit history: one entry per change of every tracked model, who made it, and who may read it."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from catalog import services as catalog_services
from catalog.importing import products_import
from catalog.models import DomesticProductRule, Product
from procurement import services as procurement_services
from procurement.models import Award, Demand, ImportJustification, Quote, Requirement
from procurement.requirement_rules import RequirementInput
from tests.factories import (
    ImportedProductFactory,
    InstitutionFactory,
    ManufacturerFactory,
    ProductFactory,
    UserFactory,
    member_of,
)
from tests.procurement.factories import in_days, make_dictionary


def entries(model, pk=None):
    qs = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(model))
    return qs.filter(object_pk=str(pk)) if pk is not None else qs


@pytest.fixture
def world(db):
    """A demand of an institution with two requirements, a domestic and an imported product of its category."""
    from types import SimpleNamespace

    from accounts.models import Province

    words = make_dictionary()
    institution = InstitutionFactory()
    buyer = member_of(institution)
    maker_org = ManufacturerFactory()
    maker = member_of(maker_org)
    demand = procurement_services.demand_create(
        user=buyer,
        institution=institution,
        title="Liquid chromatograph",
        category=words.leaf,
        deadline=in_days(30),
        delivery_province=Province.objects.get(code="110000"),
        accepts_imported=True,
        import_reason="Only if nothing domestic will do.",
        is_sealed=False,
        requirements=[
            RequirementInput(parameter_key="wavelength_max", operator=">=", value=600, unit="nm"),
            RequirementInput(parameter_key="max_pressure", operator=">=", value=40, unit="MPa"),
        ],
    )
    Demand.objects.filter(pk=demand.pk).update(status=Demand.Status.OPEN)
    demand.refresh_from_db()
    product = ProductFactory(manufacturer=maker_org, category=words.leaf)
    imported = ImportedProductFactory(category=words.leaf)
    return SimpleNamespace(
        words=words,
        institution=institution,
        buyer=buyer,
        maker_org=maker_org,
        maker=maker,
        demand=demand,
        product=product,
        imported=imported,
    )


# --- one entry per change ------------------------------------------------------------------------------------


def test_a_demand_and_its_requirements_write_one_entry_each(world):
    # the creation: one for the demand, one per requirement (bulk-written, recorded by the service)
    assert entries(Demand, world.demand.pk).filter(action=LogEntry.Action.CREATE).count() == 1
    assert entries(Requirement).filter(action=LogEntry.Action.CREATE).count() == 2
    before = entries(Demand).count()
    procurement_services.demand_update(demand=world.demand, user=world.buyer, title="HPLC for the lab")
    update = entries(Demand, world.demand.pk).exclude(pk__lte=0).order_by("-id").first()
    assert entries(Demand).count() == before + 1
    assert update.action == LogEntry.Action.UPDATE
    assert update.changes_dict["title"] == ["Liquid chromatograph", "HPLC for the lab"]


def test_quotes_awards_and_justifications_write_one_entry_per_change(world, staff_user):
    quote = procurement_services.quote_submit(
        user=world.maker, demand=world.demand, product=world.product, unit_price=Decimal("500000")
    )
    assert entries(Quote, quote.pk).count() == 1
    justification = procurement_services.import_justification_submit(
        demand=world.demand,
        user=world.buyer,
        imported_product=world.imported,
        reason="The domestic products considered do not reach the required detection limit. " * 2,
    )
    assert entries(ImportJustification, justification.pk).count() == 1
    award = procurement_services.demand_award(demand=world.demand, user=world.buyer, quote=quote)
    assert entries(Award, award.pk).count() == 1
    assert entries(Award, award.pk).get().action == LogEntry.Action.CREATE


def test_products_and_rules_write_one_entry_per_change(world, staff_user, maker, manufacturer):
    product = catalog_services.product_create(
        user=maker,
        manufacturer=manufacturer,
        category=world.words.leaf,
        model_number="AU-1",
        name_zh="色谱仪",
    )
    assert entries(Product, product.pk).count() == 1
    catalog_services.product_update(product=product, user=maker, fields={"name_en": "Chromatograph"})
    assert entries(Product, product.pk).count() == 2
    assert entries(Product, product.pk).order_by("-id").first().changes_dict == {"name_en": ["", "Chromatograph"]}
    rule = catalog_services.domestic_rule_create(
        user=staff_user, category=world.words.root, effective_from=datetime.date(2028, 1, 1)
    )
    catalog_services.domestic_rule_update(rule=rule, user=staff_user, component_cost_ratio="0.5")
    assert list(entries(DomesticProductRule, rule.pk).order_by("id").values_list("action", flat=True)) == [
        LogEntry.Action.CREATE,
        LogEntry.Action.UPDATE,
    ]


def test_a_bulk_import_writes_one_entry_per_new_or_changed_product(world, maker, manufacturer):
    def upload(rows):
        lines = ["model_number,name_zh,category,price_min", *rows]
        return products_import(manufacturer=manufacturer, user=maker, filename="p.csv", data="\n".join(lines).encode())

    code = world.words.leaf.code
    assert not upload([f"IM-1,仪器一,{code},100", f"IM-2,仪器二,{code},200"]).errors
    ids = list(Product.objects.filter(model_number__in=["IM-1", "IM-2"]).values_list("pk", flat=True))
    assert entries(Product).filter(object_pk__in=[str(i) for i in ids], action=LogEntry.Action.CREATE).count() == 2
    # the same file again with one price changed: one update, nothing for the unchanged row
    assert not upload([f"IM-1,仪器一,{code},100", f"IM-2,仪器二,{code},250"]).errors
    updates = entries(Product).filter(object_pk__in=[str(i) for i in ids], action=LogEntry.Action.UPDATE)
    assert [(u.object_repr.split()[-1], u.changes_dict["price_min"]) for u in updates] == [
        ("IM-2", ["200.00", "250.00"])
    ]


def test_the_api_records_who_made_the_change(world, api_client):
    # a token client is authenticated by DRF inside the view, after the middleware ran
    api_client.force_authenticate(world.maker)
    response = api_client.patch(f"/api/v1/products/{world.product.pk}/", {"name_en": "Renamed"}, format="json")
    assert response.status_code == 200, response.content
    entry = entries(Product, world.product.pk).order_by("-id").first()
    assert entry.actor == world.maker
    assert entry.changes_dict["name_en"][1] == "Renamed"


# --- who may read a history ----------------------------------------------------------------------------------


def _readers(world, staff_user):
    return {
        "anonymous": AnonymousUser(),
        "buyer": world.buyer,
        "other_buyer": member_of(InstitutionFactory()),
        "maker": world.maker,
        "other_maker": member_of(ManufacturerFactory()),
        "staff": staff_user,
        "nobody": UserFactory(),
    }


EXPECTED = {
    # kind: roles that read it (others: 401 anonymous, 403 when they may see the object, 404 when not)
    "demand": {"buyer", "staff"},
    "quote": {"maker"},
    "product": {"maker", "staff"},
    "domestic-rule": {"staff"},
}


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_history_is_read_by_the_owning_organization_and_staff_only(world, staff_user, api_client, kind):
    quote = procurement_services.quote_submit(
        user=world.maker, demand=world.demand, product=world.product, unit_price=Decimal("400000")
    )
    rule = catalog_services.domestic_rule_create(
        user=staff_user, category=world.words.leaf, effective_from=datetime.date(2028, 1, 1)
    )
    pk = {"demand": world.demand.pk, "quote": quote.pk, "product": world.product.pk, "domestic-rule": rule.pk}[kind]
    model = {"demand": Demand, "quote": Quote, "product": Product, "domestic-rule": DomesticProductRule}[kind]
    expected_count = entries(model, pk).count()
    if kind == "demand":
        expected_count += entries(Requirement).count()
    for role, person in _readers(world, staff_user).items():
        if role == "anonymous":
            api_client.force_authenticate(None)
        else:
            api_client.force_authenticate(person)
        response = api_client.get(f"/api/v1/history/{kind}/{pk}/")
        if role in EXPECTED[kind]:
            assert response.status_code == 200, (role, response.content)
            assert response.json()["count"] == expected_count >= 1, role
        else:
            assert response.status_code in (401, 403, 404), (role, response.status_code)
            assert "results" not in response.json(), role
    assert api_client.get(f"/api/v1/history/nonsense/{pk}/").status_code == 404


def test_a_demand_history_holds_its_requirements_even_deleted_ones(world, api_client):
    procurement_services.demand_update(
        demand=world.demand,
        user=world.buyer,
        requirements=[RequirementInput(parameter_key="max_pressure", operator=">=", value=60, unit="MPa")],
        revision_reason="Higher pressure",
    )
    api_client.force_authenticate(world.buyer)
    rows = api_client.get(f"/api/v1/history/demand/{world.demand.pk}/", {"page_size": 100}).json()["results"]
    kinds = [(row["model"], row["action"]) for row in rows]
    assert kinds.count(("requirement", "create")) >= 3
    assert ("demand", "create") in kinds
    created = next(row for row in rows if row["model"] == "demand" and row["action"] == "create")
    assert created["actor"] is None and created["changes"]["title"] == {"old": None, "new": "Liquid chromatograph"}


def test_history_pages_for_owners_in_both_languages_and_links_only_for_them(client, world, staff_user):
    url = reverse("audit:history", args=["product", world.product.pk])
    client.force_login(world.maker)
    page = client.get(url).content.decode()
    assert "data-history" in page and world.product.model_number in page
    product_page = client.get(reverse("catalog:product-detail", args=[world.product.pk])).content.decode()
    assert url in product_page
    zh = client.get(url, headers={"accept-language": "zh-hans"}).content.decode()
    assert "修改记录" in zh
    client.force_login(member_of(InstitutionFactory()))
    assert client.get(url).status_code == 403
    assert url not in client.get(reverse("catalog:product-detail", args=[world.product.pk])).content.decode()
    client.force_login(world.buyer)
    demand_url = reverse("audit:history", args=["demand", world.demand.pk])
    assert demand_url in client.get(reverse("procurement:demand-detail", args=[world.demand.pk])).content.decode()
    assert "Liquid chromatograph" in client.get(demand_url).content.decode()
    client.logout()
    assert client.get(demand_url).status_code == 302  # to the login page


def test_a_long_history_reads_in_a_fixed_number_of_queries(world, api_client, django_assert_max_num_queries):
    for n in range(40):
        catalog_services.product_update(product=world.product, user=world.maker, fields={"name_en": f"Name {n}"})
    api_client.force_authenticate(world.maker)
    with django_assert_max_num_queries(12):
        body = api_client.get(f"/api/v1/history/product/{world.product.pk}/", {"page_size": 100}).json()
    assert body["count"] == 41


def test_rows_loaded_as_stored_write_no_history(db):
    """loaddata, and a test database's serialized contents, save rows raw: they are no one's change, and logging
    them created the tracked model's content type ahead of the loaded ones (a duplicate key between two tests
    with serialized rollback)."""
    from django.core import serializers

    rule = DomesticProductRule.objects.order_by("pk").first()
    assert rule is not None  # the rule the migrations seed
    pk, text = rule.pk, serializers.serialize("json", [rule])
    rule.delete()
    before = LogEntry.objects.count()
    for loaded in serializers.deserialize("json", text):
        loaded.save()
    assert DomesticProductRule.objects.filter(pk=pk).exists()
    assert LogEntry.objects.count() == before
