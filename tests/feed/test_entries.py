"""Feed entries from the change outbox: kinds from public states, drafts never shown, one entry per object."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from catalog.models import Product
from catalog.services import products as product_services
from matching.models import MatchReport
from matching.reports import report_generate, report_publish
from procurement.models import Demand
from procurement.services import awards as award_services
from procurement.services import demands as demand_services
from tests.factories import DemandFactory, ProductFactory, member_of
from tests.feed.conftest import record_products, take_feed

pytestmark = pytest.mark.django_db


def test_a_product_published_changed_and_withdrawn_gives_three_entries_in_order(manufacturer, feed_kinds):
    maker = member_of(manufacturer)
    product = ProductFactory(manufacturer=manufacturer, status=Product.Status.DRAFT, published_at=None)
    product_services.product_update(product=product, user=maker, fields={"name_zh": "草稿改名"})
    assert feed_kinds() == []  # a draft is nobody's business

    product_services.product_publish(product=product, user=maker)
    feed_kinds()
    product_services.product_update(product=product, user=maker, fields={"lead_time_days": 30})
    assert feed_kinds() == [("product.published", product.pk), ("product.changed", product.pk)]

    product_services.product_withdraw(product=product, user=maker)
    feed_kinds()
    product_services.product_update(product=product, user=maker, fields={"lead_time_days": 40})
    assert feed_kinds() == [
        ("product.published", product.pk),
        ("product.changed", product.pk),
        ("product.withdrawn", product.pk),
    ]


def test_changes_taken_in_one_batch_give_one_entry_per_object(manufacturer, feed_kinds):
    maker = member_of(manufacturer)
    product = ProductFactory(manufacturer=manufacturer, status=Product.Status.DRAFT, published_at=None)
    product_services.product_publish(product=product, user=maker)
    product_services.product_update(product=product, user=maker, fields={"lead_time_days": 30})
    product_services.product_update(product=product, user=maker, fields={"lead_time_days": 31})
    assert feed_kinds() == [("product.published", product.pk)]


def test_a_deleted_published_product_is_withdrawn_from_the_feed(manufacturer, staff_user, feed_kinds):
    product = ProductFactory(manufacturer=manufacturer)
    record_products([product])
    assert feed_kinds() == [("product.published", product.pk)]
    product_services.products_delete(product_ids=[product.pk], user=staff_user)
    assert feed_kinds()[-1] == ("product.withdrawn", product.pk)


def test_a_demand_opened_changed_awarded_and_a_cancelled_one_closed(institution, feed_kinds):
    buyer = member_of(institution)
    demand = DemandFactory(
        institution=institution, status=Demand.Status.DRAFT, opened_at=None, free_text_requirements="At least 40 MPa."
    )
    demand_services.demand_update(demand=demand, user=buyer, title="Draft title")
    assert feed_kinds() == []

    demand_services.demand_open(demand=demand, user=buyer)
    feed_kinds()
    demand_services.demand_update(demand=demand, user=buyer, quantity=2)
    feed_kinds()
    demand_services.demand_close(demand=demand, user=buyer)
    other = DemandFactory(institution=institution)
    demand_services._mark_changed(other)
    feed_kinds()
    demand_services.demand_cancel(demand=other, user=buyer)
    assert feed_kinds() == [
        ("demand.opened", demand.pk),
        ("demand.changed", demand.pk),
        ("demand.closed", demand.pk),
        ("demand.opened", other.pk),
        ("demand.closed", other.pk),
    ]


def test_an_awarded_demand_is_in_the_feed_once(institution, feed_kinds):
    buyer = member_of(institution)
    demand = DemandFactory(institution=institution)
    demand_services._mark_changed(demand)
    feed_kinds()
    product = ProductFactory(category=demand.category)
    award = award_services.demand_award(demand=demand, user=buyer, product=product)
    demand_services._mark_changed(demand)
    award_services.award_confirm_contract(award=award, user=buyer)
    kinds = feed_kinds()
    # The award notice is published once (confirming the contract later adds nothing).
    assert kinds[0] == ("demand.opened", demand.pk)
    assert sorted(kinds[1:]) == [("award.published", award.pk), ("demand.awarded", demand.pk)]


def test_a_published_report_is_in_the_feed_and_a_draft_is_not(staff_user, feed_kinds):
    today = timezone.localdate()
    report = report_generate(period_start=today - datetime.timedelta(days=7), period_end=today, user=staff_user)
    assert feed_kinds() == []
    report_publish(report_id=report.pk, user=staff_user)
    assert feed_kinds() == [("report.published", report.pk)]
    assert MatchReport.objects.get(pk=report.pk).is_published


def test_entries_keep_the_time_of_the_change(manufacturer):
    product = ProductFactory(manufacturer=manufacturer)
    record_products([product])
    [entry] = take_feed()
    assert abs((entry.occurred_at - timezone.now()).total_seconds()) < 60
    assert entry.state == "published"
