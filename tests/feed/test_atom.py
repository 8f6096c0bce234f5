"""The Atom feed of open demands per category (its subtree), for people's feed readers."""

from __future__ import annotations

import pytest
from django.urls import reverse

from procurement.models import Demand
from tests.factories import CategoryFactory, DemandFactory

pytestmark = pytest.mark.django_db


def test_the_category_feed_lists_open_demands_of_its_subtree_only(client):
    parent = CategoryFactory(code="9901")
    child = CategoryFactory(code="990101", parent=parent)
    in_child = DemandFactory(category=child, title="Child demand")
    in_parent = DemandFactory(category=parent, title="Parent demand")
    DemandFactory(category=parent, title="Draft demand", status=Demand.Status.DRAFT)
    DemandFactory(category=parent, title="Closed demand", status=Demand.Status.CLOSED)
    DemandFactory(title="Elsewhere demand")

    response = client.get(reverse("procurement:demand-feed", kwargs={"code": parent.code}))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    body = response.content.decode()
    assert "Child demand" in body and "Parent demand" in body
    assert "Draft demand" not in body and "Closed demand" not in body and "Elsewhere demand" not in body
    assert reverse("procurement:demand-detail", kwargs={"pk": in_child.pk}) in body
    assert reverse("procurement:demand-detail", kwargs={"pk": in_parent.pk}) in body


def test_the_feed_speaks_chinese_by_default(client, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    category = CategoryFactory(code="9902", name_zh="测试类别")
    DemandFactory(category=category)
    body = client.get(reverse("procurement:demand-feed", kwargs={"code": category.code})).content.decode()
    assert "开放需求：测试类别" in body
    assert "Open demands" not in body


def test_an_unknown_category_is_404(client):
    assert client.get(reverse("procurement:demand-feed", kwargs={"code": "nope"})).status_code == 404


def test_the_demand_list_links_the_feed_of_the_chosen_category(client):
    category = CategoryFactory(code="9903")
    response = client.get(reverse("procurement:demand-list"), {"category": category.pk})
    assert reverse("procurement:demand-feed", kwargs={"code": "9903"}) in response.content.decode()
