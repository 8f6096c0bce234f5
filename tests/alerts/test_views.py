"""The alert pages in Chinese and English: saving a search from the search page, following, managing."""

from __future__ import annotations

import pytest

from alerts.models import Delivery, Follow, SavedSearch
from alerts.services import saved_search_create
from tests.factories import CategoryFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_save_a_search_from_the_search_page_and_manage_it(client):
    person = UserFactory()
    client.force_login(person)
    category = CategoryFactory()
    search_page = client.get("/search/", {"q": "色谱", "category": category.pk, "kind": "products"})
    html = search_page.content.decode()
    assert "/alerts/save/?" in html and "Follow this category" in html
    form = client.get("/alerts/save/", {"q": "色谱", "category": category.pk, "kind": "products", "page": 2})
    assert form.status_code == 200
    saved = client.post(
        "/alerts/save/", {"q": "色谱", "category": category.pk, "kind": "products", "name": "GC", "delivery": "daily"}
    )
    assert saved.status_code == 302
    row = SavedSearch.objects.get(user=person)
    assert (row.name, row.text, row.delivery, row.filters["category"]) == ("GC", "色谱", "daily", category.pk)
    listing = client.get("/alerts/").content.decode()
    assert "GC" in listing and f'id="saved-search-{row.pk}"' in listing
    client.post(f"/alerts/searches/{row.pk}/", {"delivery": "immediate"})
    row.refresh_from_db()
    assert row.delivery == Delivery.IMMEDIATE
    client.post(f"/alerts/searches/{row.pk}/delete/")
    assert not SavedSearch.objects.exists()


def test_bad_search_shows_every_error_on_the_save_page(client):
    client.force_login(UserFactory())
    page = client.post(
        "/alerts/save/",
        {"kind": "demands", "budget_min": "9", "budget_max": "1", "province": "999999", "delivery": "daily"},
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "There is no such province." in html and "Must not be less than" in html
    assert not SavedSearch.objects.exists()


def test_follow_a_product_from_its_page_in_chinese(client, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    person = UserFactory(preferred_language="zh-hans")
    client.force_login(person)
    product = ProductFactory()
    page = client.get(f"/catalog/products/{product.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "关注此产品" in page
    client.post(
        "/alerts/follow/",
        {"target": "product", "target_id": product.pk, "delivery": "daily", "next": f"/catalog/products/{product.pk}/"},
    )
    follow = Follow.objects.get(user=person)
    assert follow.product == product and follow.delivery == Delivery.DAILY
    listing = client.get("/alerts/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "我的提醒" in listing and "每日摘要邮件" in listing and "取消关注" in listing
    assert "My alerts" not in listing


def test_pages_show_only_your_own_and_need_a_log_in(client):
    owner, other = UserFactory(), UserFactory()
    saved = saved_search_create(user=owner, params={"kind": "products", "q": "秘密"}, name="secret-name")
    assert client.get("/alerts/").status_code == 302
    client.force_login(other)
    assert "secret-name" not in client.get("/alerts/").content.decode()
    assert client.post(f"/alerts/searches/{saved.pk}/delete/").status_code == 404
    assert client.post(f"/alerts/searches/{saved.pk}/", {"delivery": "daily"}).status_code == 404
    assert SavedSearch.objects.filter(pk=saved.pk, delivery=Delivery.IN_APP).exists()
