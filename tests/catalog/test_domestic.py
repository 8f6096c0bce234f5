"""The domestic-product rule: which version is in force on a date, what it says of a product and why, and how a
rule change reaches the stored flags, the search index and matching."""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import translation

from catalog import domestic, services
from catalog.domestic import RuleBook, RuleTerms, evaluate
from catalog.models import Category, DomesticProductRule, Product
from changes.consume import changes_consume
from changes.models import Change, ChangeDelivery
from changes.registry import consumers
from changes.services import change_record
from matching.models import Match
from search.models import SearchEntry
from tests.factories import (
    DemandFactory,
    ForeignManufacturerFactory,
    ParameterFactory,
    ProductFactory,
    RequirementFactory,
    SpecificationFactory,
    member_of,
)

D = datetime.date
NATIONAL = RuleTerms(category_code=None, effective_from=D(2026, 1, 1))


def book(*rules: RuleTerms) -> RuleBook:
    return RuleBook([NATIONAL, *rules])


def judge(rules: RuleBook, on: datetime.date, **declared):
    facts = {
        "origin": "CN",
        "component_cost_share": Decimal("0.5"),
        "key_components": [],
        "key_processes": [],
        "category_path": "01/0105/010501",
    }
    facts.update(declared)
    return evaluate(on=on, rules=rules, **facts)


# --- the pure resolver --------------------------------------------------------------------------------------


def test_before_the_national_standard_no_rule_is_in_force():
    status = judge(book(), D(2025, 12, 31))
    assert (status.is_domestic, status.reason_code, status.preference_percent) == (False, domestic.NO_RULE, 0)


def test_while_no_ratio_is_set_produced_in_china_is_domestic_with_the_20_percent_preference():
    status = judge(book(), D(2026, 1, 1), component_cost_share=Decimal("0"))
    assert (status.is_domestic, status.reason_code) == (True, domestic.PRODUCED_IN_CHINA)
    assert status.preference_percent == Decimal(20)
    assert status.message == "Produced in China; no component cost ratio is set for this category yet."


def test_a_product_produced_abroad_is_never_domestic():
    status = judge(book(), D(2026, 6, 1), origin="DE", component_cost_share=Decimal("1"))
    assert (status.is_domestic, status.reason_code, status.preference_percent) == (
        False,
        domestic.NOT_PRODUCED_IN_CHINA,
        0,
    )


def test_a_category_ratio_applies_from_its_date_and_not_before():
    rules = book(RuleTerms(category_code="0105", effective_from=D(2027, 7, 1), component_cost_ratio=Decimal("0.6")))
    # the day before: the national default (produced in China)
    before = judge(rules, D(2027, 6, 30), component_cost_share=Decimal("0.5"))
    assert (before.is_domestic, before.reason_code) == (True, domestic.PRODUCED_IN_CHINA)
    # from its date: 50% < 60%
    after = judge(rules, D(2027, 7, 1), component_cost_share=Decimal("0.5"))
    assert (after.is_domestic, after.reason_code) == (False, domestic.RATIO_NOT_MET)
    assert after.message == "Component cost share 50% < 60% required since 2027-07-01."
    # a share at the ratio qualifies, and the message says why
    met = judge(rules, D(2027, 7, 1), component_cost_share=Decimal("0.72"))
    assert (met.is_domestic, met.reason_code) == (True, domestic.REQUIREMENTS_MET)
    assert "Component cost share 72% ≥ 60% required since 2027-07-01." in met.message
    assert judge(rules, D(2027, 7, 1), component_cost_share=Decimal("0.6")).is_domestic


def test_the_nearest_category_up_the_tree_decides_and_a_later_version_replaces_an_earlier():
    rules = book(
        RuleTerms(category_code="01", effective_from=D(2026, 1, 1), component_cost_ratio=Decimal("0.4")),
        RuleTerms(category_code="0105", effective_from=D(2028, 1, 1), component_cost_ratio=Decimal("0.7")),
        RuleTerms(category_code="0105", effective_from=D(2029, 1, 1), component_cost_ratio=Decimal("0.5")),
    )
    share = {"component_cost_share": Decimal("0.6")}
    assert judge(rules, D(2027, 1, 1), **share).rule.category_code == "01"
    assert judge(rules, D(2027, 1, 1), **share).is_domestic
    assert not judge(rules, D(2028, 6, 1), **share).is_domestic  # 0105's 70%
    assert judge(rules, D(2029, 1, 1), **share).is_domestic  # 0105's next version, 50%
    # another branch of 01 keeps 01's rule
    assert judge(rules, D(2029, 1, 1), category_path="01/0102", **share).rule.component_cost_ratio == Decimal("0.4")


def test_during_the_transition_the_ratio_is_announced_but_not_binding():
    rules = book(
        RuleTerms(
            category_code="0105",
            effective_from=D(2027, 1, 1),
            component_cost_ratio=Decimal("0.6"),
            transition_end=D(2030, 1, 1),
        )
    )
    during = judge(rules, D(2029, 12, 31), component_cost_share=Decimal("0.3"))
    assert (during.is_domestic, during.reason_code) == (True, domestic.TRANSITION)
    assert "2030-01-01" in during.message and "30% < 60%" in during.message
    after = judge(rules, D(2030, 1, 1), component_cost_share=Decimal("0.3"))
    assert (after.is_domestic, after.reason_code) == (False, domestic.RATIO_NOT_MET)
    assert "required since 2030-01-01" in after.message


def test_key_components_and_processes_must_be_declared_in_china():
    rules = book(
        RuleTerms(
            category_code="0105",
            effective_from=D(2027, 1, 1),
            key_components=("Detector", "High-pressure pump"),
            key_processes=("final assembly",),
        )
    )
    on = D(2027, 1, 1)
    in_china = [{"name": "detector", "origin": "CN"}, {"name": "High-pressure pump ", "origin": "cn"}]
    assembled = [{"name": "Final assembly", "origin": "CN"}]
    ok = judge(rules, on, key_components=in_china, key_processes=assembled)
    assert (ok.is_domestic, ok.reason_code) == (True, domestic.REQUIREMENTS_MET)
    assert "Key components made in China: Detector, High-pressure pump." in ok.message
    # a detector made in Japan fails, naming it
    abroad = [{"name": "detector", "origin": "JP"}, {"name": "high-pressure pump", "origin": "CN"}]
    failed = judge(rules, on, key_components=abroad, key_processes=assembled)
    assert (failed.is_domestic, failed.reason_code) == (False, domestic.KEY_COMPONENT_NOT_IN_CHINA)
    assert "Detector" in failed.message and "High-pressure pump" not in failed.message
    # an undeclared process fails too
    undeclared = judge(rules, on, key_components=in_china, key_processes=[])
    assert (undeclared.is_domestic, undeclared.reason_code) == (False, domestic.KEY_PROCESS_NOT_IN_CHINA)
    # before the rule's date neither is asked
    assert judge(rules, D(2026, 12, 31), key_components=abroad).is_domestic


def test_the_message_is_in_the_readers_language():
    with translation.override("zh-hans"):
        status = judge(book(), D(2026, 6, 1))
    assert status.message == "在中国境内生产；本类别尚未设定组件成本占比要求。"


# --- products and the stored flag ---------------------------------------------------------------------------


def test_a_foreign_owned_maker_producing_in_china_qualifies(db, lc):
    # given a German-owned manufacturer whose instrument is produced in China
    maker_org = ForeignManufacturerFactory(is_verified=True)
    person = member_of(maker_org)
    # when it lists the instrument
    product = services.product_create(
        user=person,
        manufacturer=maker_org,
        category=lc,
        model_number="DE-CN-1",
        name_zh="液相色谱仪",
        country_of_origin="CN",
        domestic_content=Decimal("0.3"),
    )
    # then ownership does not count: it is a domestic product
    assert maker_org.country.code == "DE"
    assert product.is_domestic
    assert domestic.status_on(product).reason_code == domestic.PRODUCED_IN_CHINA


def test_status_on_reads_the_product_on_any_date(db, lc, staff_user):
    product = ProductFactory(category=lc, domestic_content=Decimal("0.5"))
    DomesticProductRule.objects.create(category=lc, effective_from=D(2027, 7, 1), component_cost_ratio="0.6")
    assert domestic.status_on(product, D(2027, 6, 30)).is_domestic
    assert not domestic.status_on(product, D(2027, 7, 1)).is_domestic


def test_the_migration_turned_thresholds_into_dated_rules(db):
    national = DomesticProductRule.objects.get(category=None)
    assert (national.effective_from, national.component_cost_ratio) == (D(2026, 1, 1), None)
    assert national.price_preference_percent == Decimal(20)
    ratios = {
        code: (effective_from, ratio)
        for code, effective_from, ratio in DomesticProductRule.objects.exclude(category=None).values_list(
            "category__code", "effective_from", "component_cost_ratio"
        )
    }
    assert ratios == {"0102": (D(2026, 1, 1), Decimal("0.600")), "0106": (D(2026, 1, 1), Decimal("0.600"))}


def test_a_new_rule_re_derives_the_flags_through_the_outbox(db, lc, staff_user, django_capture_on_commit_callbacks):
    # given published products of the subtree, one with a low component cost share, and one elsewhere
    low = ProductFactory(category=lc, domestic_content=Decimal("0.3"))
    high = ProductFactory(category=lc, domestic_content=Decimal("0.8"))
    elsewhere = ProductFactory(category=Category.objects.get(code="0103"), domestic_content=Decimal("0.3"))
    # when staff add a 50% ratio for chromatography, in force today
    with django_capture_on_commit_callbacks(execute=True):
        rule = services.domestic_rule_create(
            user=staff_user,
            category=Category.objects.get(code="0105"),
            effective_from=domestic.today(),
            component_cost_ratio="0.5",
        )
    # then the change went through the outbox, the domestic consumer re-derived the subtree,
    change = Change.objects.get(entity=services.DOMESTIC_RULE_ENTITY, object_id=rule.pk)
    assert change.category_path == "01/0105"
    assert not ChangeDelivery.objects.filter(change=change, done_at=None).exists()
    assert [p.is_domestic for p in Product.objects.filter(pk__in=[low.pk, high.pk, elsewhere.pk]).order_by("pk")] == [
        False,
        True,
        True,
    ]
    # and only the product that flipped was recorded for search and matching, which took it
    flipped = Change.objects.filter(entity="product", fields=["is_domestic"])
    assert list(flipped.values_list("object_id", flat=True)) == [low.pk]
    deliveries = ChangeDelivery.objects.filter(change__in=flipped)
    wanting = {c.name for c in consumers() if c.wants("product", ["is_domestic"])}
    assert {"search", "matching"} <= wanting
    assert set(deliveries.values_list("consumer", flat=True)) == wanting
    assert not deliveries.filter(done_at=None).exists()


def test_changing_a_rule_back_re_derives_again(db, lc, staff_user):
    # (the consumer is run by hand: the test's transaction never commits, so each kick would only be queued)
    product = ProductFactory(category=lc, domestic_content=Decimal("0.3"))

    def after(write):
        write()
        changes_consume(consumer_name="domestic")
        product.refresh_from_db()
        return product.is_domestic

    rule = DomesticProductRule()

    def create():
        rule.pk = services.domestic_rule_create(
            user=staff_user, category=lc, effective_from=domestic.today(), component_cost_ratio="0.5"
        ).pk

    assert after(create) is False
    assert after(lambda: services.domestic_rule_update(rule=rule, user=staff_user, component_cost_ratio="0.25"))
    assert not after(lambda: services.domestic_rule_update(rule=rule, user=staff_user, component_cost_ratio="0.5"))
    # a version dated tomorrow does not count yet: today the national default decides
    tomorrow = domestic.today() + datetime.timedelta(days=1)
    assert after(lambda: services.domestic_rule_update(rule=rule, user=staff_user, effective_from=tomorrow))
    assert not after(lambda: services.domestic_rule_update(rule=rule, user=staff_user, effective_from=domestic.today()))
    assert after(lambda: services.domestic_rule_delete(rule=rule, user=staff_user))


def test_a_rule_change_reaches_the_search_index_and_the_demands_matches_and_back(db, lc, staff_user):
    # given a published product with a 40% component cost share that meets an open demand's requirement,
    # indexed and matched (the outbox consumers run by hand: the test's transaction never commits)
    pressure = ParameterFactory(category=lc, key="rederive_pressure", unit="MPa")
    product = ProductFactory(category=lc, domestic_content=Decimal("0.4"))
    SpecificationFactory(product=product, parameter=pressure, value=100.0)
    demand = DemandFactory(category=lc)
    RequirementFactory(demand=demand, parameter=pressure, value=50.0)
    change_record(entity="product", ids=[product.pk])
    change_record(entity="demand", ids=[demand.pk])

    def outcome():
        # the domestic consumer first (its flips are changes for the others), then every other one
        changes_consume(consumer_name="domestic")
        for other in consumers():
            if other.name != "domestic":
                changes_consume(consumer_name=other.name)
        product.refresh_from_db()
        document = SearchEntry.objects.get(kind="products", object_id=product.pk)
        matched = Match.objects.filter(demand=demand, product=product, is_near_miss=False).exists()
        return product.is_domestic, document.is_domestic, matched

    assert outcome() == (True, True, True)
    # when staff set a 50% ratio for the category, in force today
    rule = services.domestic_rule_create(
        user=staff_user, category=lc, effective_from=domestic.today(), component_cost_ratio="0.5"
    )
    # then the flag flips, the index document follows and the product leaves the demand's matches
    assert outcome() == (False, False, False)
    assert not Match.objects.filter(demand=demand, product=product).exists()
    # when the ratio is relaxed below the product's share, all of it comes back
    services.domestic_rule_update(rule=rule, user=staff_user, component_cost_ratio="0.35")
    assert outcome() == (True, True, True)


def test_re_deriving_many_products_is_bulk(db, lc, django_assert_max_num_queries):
    ProductFactory.create_batch(60, category=lc, domestic_content=Decimal("0.3"))
    DomesticProductRule.objects.create(category=lc, effective_from=domestic.today(), component_cost_ratio="0.5")
    with django_assert_max_num_queries(12):
        assert services.products_domestic_refresh() == 60
    assert not Product.objects.filter(category=lc, is_domestic=True).exists()


def test_only_staff_change_the_rule(db, lc, maker, researcher):
    for person in (maker, researcher):
        with pytest.raises(services.domestic_rules.PermissionDenied):
            services.domestic_rule_create(user=person, category=lc, effective_from=D(2027, 1, 1))
    assert not DomesticProductRule.objects.filter(category=lc).exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"effective_from": "2027-13-01"}, "effective_from"),
        ({"effective_from": "2027-01-01", "component_cost_ratio": "1.5"}, "component_cost_ratio"),
        ({"effective_from": "2027-01-01", "component_cost_ratio": "many"}, "component_cost_ratio"),
        ({"effective_from": "2027-01-01", "transition_end": "2026-01-01"}, "effective_from"),
        ({"effective_from": "2027-01-01", "price_preference_percent": "120"}, "price_preference_percent"),
    ],
)
def test_bad_rule_input_names_the_field(db, lc, staff_user, fields, field):
    from config.exceptions import ApplicationError

    with pytest.raises(ApplicationError) as caught:
        services.domestic_rule_create(user=staff_user, category=lc, **fields)
    assert caught.value.field == field


def test_two_national_versions_cannot_share_a_date(db, staff_user):
    from config.exceptions import ApplicationError

    with pytest.raises(ApplicationError, match="national default already has a rule"):
        services.domestic_rule_create(user=staff_user, category=None, effective_from=D(2026, 1, 1))


# --- pages and the API --------------------------------------------------------------------------------------


def test_the_product_page_says_why_in_both_languages(client, lc):
    product = ProductFactory(category=lc, domestic_content=Decimal("0.4"))
    page = client.get(reverse("catalog:product-detail", args=[product.pk])).content.decode()
    assert 'data-domestic-reason="produced_in_china"' in page
    assert "Produced in China; no component cost ratio is set for this category yet." in page
    assert "price-evaluation preference 20%" in page
    page_zh = client.get(
        reverse("catalog:product-detail", args=[product.pk]), headers={"accept-language": "zh-hans"}
    ).content.decode()
    assert "在中国境内生产；本类别尚未设定组件成本占比要求。" in page_zh


def test_the_api_gives_the_status_on_a_date(api_client, db, lc):
    product = ProductFactory(category=lc, domestic_content=Decimal("0.5"))
    DomesticProductRule.objects.create(category=lc, effective_from=D(2027, 7, 1), component_cost_ratio="0.6")
    url = f"/api/v1/products/{product.pk}/domestic-status/"
    before = api_client.get(url, {"on": "2027-06-30"}).json()
    assert (before["is_domestic"], before["reason_code"], before["preference_percent"]) == (
        True,
        "produced_in_china",
        "20.00",
    )
    after = api_client.get(url, {"on": "2027-07-01"}).json()
    assert (after["is_domestic"], after["reason_code"], after["rule_effective_from"]) == (
        False,
        "ratio_not_met",
        "2027-07-01",
    )
    bad = api_client.get(url, {"on": "tomorrow"})
    assert bad.status_code == 400 and "on" in bad.json()["fields"]
    detail = api_client.get(f"/api/v1/products/{product.pk}/").json()
    assert detail["domestic_status"]["reason_code"] == "produced_in_china"
    assert detail["key_processes"] == []


def test_product_list_reads_the_rules_once(api_client, db, lc, django_assert_max_num_queries):
    ProductFactory.create_batch(30, category=lc)
    with django_assert_max_num_queries(10):
        rows = api_client.get("/api/v1/products/", {"page_size": 30}).json()["results"]
    assert len(rows) == 30 and all(row["domestic_status"]["is_domestic"] for row in rows)


def test_rules_are_public_and_written_by_staff_only(api_client, db, lc, staff_user, maker):
    url = "/api/v1/domestic-rules/"
    listed = api_client.get(url, {"category": "010203"}).json()["results"]
    assert [(r["category"], r["component_cost_ratio"]) for r in listed] == [(None, None), ("0102", "0.600")]
    assert api_client.get(url, {"category": "nope"}).status_code == 400
    body = {"category": lc.code, "effective_from": "2028-01-01", "component_cost_ratio": "0.55"}
    assert api_client.post(url, body, format="json").status_code in (401, 403)
    api_client.force_authenticate(maker)
    assert api_client.post(url, body, format="json").status_code == 403
    api_client.force_authenticate(staff_user)
    created = api_client.post(url, {**body, "key_components": ["detector"]}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["key_components"] == ["detector"]
    bad = api_client.post(url, {**body, "transition_end": "2027-01-01", "effective_from": "2028-02-01"}, format="json")
    assert bad.status_code == 400 and "effective_from" in bad.json()["fields"]
    rule_url = f"{url}{created.json()['id']}/"
    api_client.force_authenticate(maker)
    assert api_client.patch(rule_url, {"component_cost_ratio": "0.1"}, format="json").status_code == 403
    assert api_client.delete(rule_url).status_code == 403
    api_client.force_authenticate(staff_user)
    patched = api_client.patch(rule_url, {"component_cost_ratio": "0.65"}, format="json")
    assert patched.json()["component_cost_ratio"] == "0.650"
    assert api_client.delete(rule_url).status_code == 204
    assert not DomesticProductRule.objects.filter(category=lc).exists()


def test_a_quote_like_declaration_is_judged_by_the_same_rule(db, lc):
    # the rule reads only what is declared, so a quote's declared origin and share go through status_on too
    declared = SimpleNamespace(
        country_of_origin="CN",
        domestic_content=Decimal("0.2"),
        key_components=[],
        key_processes=[],
        category=lc,
    )
    assert domestic.status_on(declared, D(2026, 3, 1)).is_domestic
