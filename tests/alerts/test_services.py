"""Saved searches and follows hear of new items once, after commit, through the change outbox."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail

from alerts.models import Delivery, SavedSearch
from alerts.services import (
    CONSUMER,
    alerts_consume,
    follow_create,
    saved_search_create,
    saved_search_update,
    unsubscribe_url,
    unsubscribe_user,
)
from catalog.models import Product
from catalog.services.products import product_publish, product_update
from changes.consume import changes_consume, changes_sweep
from changes.models import Change, ChangeDelivery
from config.exceptions import ApplicationError
from notifications.digest import notification_digests_send
from notifications.models import EmailMode, Notification, NotificationDigest
from procurement.models import Demand
from procurement.services.demands import demand_open
from search.services import search_index_rebuild
from tests.factories import (
    CategoryFactory,
    DemandFactory,
    InstitutionFactory,
    ManufacturerFactory,
    ProductFactory,
    RequirementFactory,
    UserFactory,
    member_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def maker_org():
    return ManufacturerFactory(is_verified=True)


@pytest.fixture
def maker(maker_org):
    return member_of(maker_org)


def committed(capture, action, **kwargs):
    """Run a service as a committed request would, then let the outbox's consumers take the changes (the test's
    own transaction never commits, so the kicks after the first are folded into it: the sweep stands in)."""
    with capture(execute=True):
        result = action(**kwargs)
    with capture(execute=True):
        changes_sweep()
    return result


def publish(capture, product, user):
    return committed(capture, product_publish, product=product, user=user)


def notifications_of(user):
    return list(Notification.objects.filter(user=user).order_by("id"))


def test_saved_search_hears_of_a_matching_product_exactly_once(django_capture_on_commit_callbacks, maker, maker_org):
    # given a researcher's saved search and a draft product that meets it
    researcher = UserFactory(preferred_language="en")
    saved = saved_search_create(user=researcher, params={"kind": "products", "q": "液相色谱"}, name="HPLC")
    product = ProductFactory(name_zh="高效液相色谱仪", manufacturer=maker_org, status=Product.Status.DRAFT)
    other = ProductFactory(name_zh="真空泵", manufacturer=maker_org, status=Product.Status.DRAFT)
    # when both are published
    publish(django_capture_on_commit_callbacks, product, maker)
    publish(django_capture_on_commit_callbacks, other, maker)
    # then one notification with the one product
    [note] = notifications_of(researcher)
    assert note.kind == "saved_search" and note.count == 1
    assert note.title == "1 new result for your saved search “HPLC”"
    assert note.params["items"] == [{"title": {"zh-hans": "高效液相色谱仪", "en": product.name_en}}]
    # when the product changes, the search index is rebuilt and the batch is delivered again
    committed(
        django_capture_on_commit_callbacks,
        product_update,
        product=product,
        user=maker,
        fields={"description_zh": "新的说明"},
    )
    search_index_rebuild(kind="products")
    ChangeDelivery.objects.filter(consumer=CONSUMER).update(done_at=None, claim_token=None, claimed_until=None)
    changes_consume(consumer_name=CONSUMER)
    alerts_consume(list(Change.objects.filter(entity="product")))
    # then still one notification of one item
    [note] = notifications_of(researcher)
    assert note.count == 1
    assert saved.pk in {int(note.group_key.rsplit(":", 1)[1])}


def test_each_saved_search_hears_separately_and_a_draft_is_news_to_nobody(
    django_capture_on_commit_callbacks, maker, maker_org
):
    researcher = UserFactory()
    saved_search_create(user=researcher, params={"kind": "products", "q": "色谱"}, name="one")
    saved_search_create(user=researcher, params={"kind": "products", "q": "液相"}, name="two")
    product = ProductFactory(name_zh="高效液相色谱仪", manufacturer=maker_org, status=Product.Status.DRAFT)
    committed(
        django_capture_on_commit_callbacks,
        product_update,
        product=product,
        user=maker,
        fields={"description_zh": "草稿"},
    )
    assert notifications_of(researcher) == []
    publish(django_capture_on_commit_callbacks, product, maker)
    assert sorted(n.params["name"] for n in notifications_of(researcher)) == ["one", "two"]


def test_deliveries_in_app_immediate_and_daily(django_capture_on_commit_callbacks, maker, maker_org):
    # given three people choosing three ways to hear
    in_app, immediate, daily = (UserFactory(preferred_language=lang) for lang in ("en", "zh-hans", "en"))
    for person, delivery in ((in_app, Delivery.IN_APP), (immediate, Delivery.IMMEDIATE), (daily, Delivery.DAILY)):
        saved_search_create(user=person, params={"kind": "products", "q": "色谱"}, name="GC", delivery=delivery)
    mail.outbox.clear()
    # when two products are published
    for name in ("气相色谱仪", "液相色谱仪"):
        publish(
            django_capture_on_commit_callbacks,
            ProductFactory(name_zh=name, name_en="", manufacturer=maker_org, status=Product.Status.DRAFT),
            maker,
        )
    # then everyone sees them in the app; only the immediate one is emailed, in Chinese, with the unsubscribe link
    assert [n.count for n in notifications_of(in_app)] == [2]
    assert [n.email_mode for n in notifications_of(daily)] == [EmailMode.DIGEST]
    assert {m.to[0] for m in mail.outbox} == {immediate.email}
    first = mail.outbox[0]
    assert "保存的搜索" in first.subject
    assert "/alerts/unsubscribe/" in first.body
    assert first.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # when the daily digest runs (twice the same day)
    mail.outbox.clear()
    assert notification_digests_send().sent == [daily.pk]
    assert notification_digests_send().sent == []
    # then one email groups the day's items
    [digest] = mail.outbox
    assert digest.to == [daily.email]
    assert digest.subject == "Your daily digest: 2 new items"
    assert "气相色谱仪" in digest.body and "液相色谱仪" in digest.body
    assert "/alerts/unsubscribe/" in digest.body
    assert NotificationDigest.objects.get(user=daily).items == 2
    # and the next day's news goes in the next day's digest
    publish(
        django_capture_on_commit_callbacks,
        ProductFactory(name_zh="离子色谱仪", name_en="", manufacturer=maker_org, status=Product.Status.DRAFT),
        maker,
    )
    mail.outbox.clear()
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    assert notification_digests_send(day=tomorrow).sent == [daily.pk]
    assert "离子色谱仪" in mail.outbox[0].body and "气相色谱仪" not in mail.outbox[0].body


def test_unsubscribe_link_stops_every_alert_email_without_logging_in(
    client, django_capture_on_commit_callbacks, maker, maker_org
):
    person = UserFactory()
    saved = saved_search_create(user=person, params={"kind": "products"}, delivery=Delivery.DAILY)
    follow = follow_create(user=person, organization=maker_org, delivery=Delivery.IMMEDIATE)
    publish(django_capture_on_commit_callbacks, ProductFactory(manufacturer=maker_org, status="draft"), maker)
    url = unsubscribe_url(person)
    # a GET only asks
    page = client.get(url)
    assert page.status_code == 200 and person.email in page.content.decode()
    saved.refresh_from_db()
    assert saved.delivery == Delivery.DAILY
    # the one-click POST does it
    done = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and 'id="unsubscribed"' in done.content.decode()
    saved.refresh_from_db()
    follow.refresh_from_db()
    assert (saved.delivery, follow.delivery) == (Delivery.IN_APP, Delivery.IN_APP)
    mail.outbox.clear()
    assert notification_digests_send().sent == []
    # a forged token is refused
    assert unsubscribe_user(url.split("/")[-2] + "x") is None
    assert client.post(url.replace(str(person.pk), "999999")).status_code == 400


def test_maker_following_a_category_hears_of_new_open_demands_below_it(django_capture_on_commit_callbacks):
    # given
    parent = CategoryFactory(name_zh="分析仪器")
    child = CategoryFactory(parent=parent)
    maker = member_of(ManufacturerFactory())
    follow_create(user=maker, category=parent)
    institution = InstitutionFactory()
    researcher = member_of(institution)
    demand = DemandFactory(institution=institution, category=child, status=Demand.Status.DRAFT, title="采购色谱仪")
    RequirementFactory(demand=demand)
    elsewhere = DemandFactory(institution=institution, status=Demand.Status.DRAFT)
    RequirementFactory(demand=elsewhere)
    # when
    committed(django_capture_on_commit_callbacks, demand_open, demand=demand, user=researcher)
    committed(django_capture_on_commit_callbacks, demand_open, demand=elsewhere, user=researcher)
    # then
    [note] = notifications_of(maker)
    assert note.kind == "follow" and note.params["items"] == [{"title": {"zh-hans": "采购色谱仪", "en": "采购色谱仪"}}]
    assert note.params["followed"]["zh-hans"] == "分析仪器"


def test_following_a_manufacturer_and_a_product(django_capture_on_commit_callbacks, maker, maker_org):
    researcher = UserFactory()
    follow_create(user=researcher, organization=maker_org)
    product = ProductFactory(manufacturer=maker_org, status=Product.Status.DRAFT)
    publish(django_capture_on_commit_callbacks, product, maker)
    product.refresh_from_db()
    follower = UserFactory()
    follow_create(user=follower, product=product)
    committed(
        django_capture_on_commit_callbacks, product_update, product=product, user=maker, fields={"price_max": "600000"}
    )
    assert [n.kind for n in notifications_of(researcher)] == ["follow"]
    [note] = notifications_of(follower)
    assert note.kind == "followed_product" and note.params["items"] == [{"status": "Published"}]


def test_following_an_unpublished_product_is_refused(maker_org):
    draft = ProductFactory(manufacturer=maker_org, status=Product.Status.DRAFT)
    with pytest.raises(ApplicationError):
        follow_create(user=UserFactory(), product=draft)


def test_bad_search_parameters_are_reported_all_at_once():
    with pytest.raises(ApplicationError) as error:
        saved_search_create(
            user=UserFactory(),
            params={
                "kind": "demands",
                "price_min": "1",
                "budget_min": "9",
                "budget_max": "1",
                "province": "999999",
                "colour": "red",
            },
        )
    fields = error.value.extra["fields"]
    assert set(fields) == {"price_min", "budget_max", "province", "colour"}
    assert SavedSearch.objects.count() == 0


def test_changing_a_saved_search_recompiles_it():
    saved = saved_search_create(user=UserFactory(), params={"kind": "products", "q": "色谱"})
    before = saved.tsquery
    saved_search_update(saved_search=saved, user=saved.user, params={"kind": "demands", "q": "显微镜"})
    saved.refresh_from_db()
    assert saved.kind == "demands" and saved.tsquery != before and saved.filters == {}


def test_a_saved_search_below_a_moved_category_hears_of_products_at_its_new_place(
    django_capture_on_commit_callbacks, maker, maker_org
):
    from catalog.services.categories import category_move

    # given a saved search filtered by A/A1/A11 and one by the unrelated B, and a draft product in A11
    a = CategoryFactory(code="A")
    a1 = CategoryFactory(code="A1", parent=a)
    a11 = CategoryFactory(code="A11", parent=a1)
    b = CategoryFactory(code="B")
    researcher = UserFactory(preferred_language="en")
    below = saved_search_create(user=researcher, params={"kind": "products", "q": "色谱", "category": a11.pk})
    elsewhere = saved_search_create(user=UserFactory(), params={"kind": "products", "q": "色谱", "category": b.pk})
    assert below.category_path == "A/A1/A11"
    product = ProductFactory(name_zh="液相色谱仪", category=a11, manufacturer=maker_org, status=Product.Status.DRAFT)
    # when A1 moves under B (its subtree's paths rewritten) and the product is then published
    committed(django_capture_on_commit_callbacks, category_move, category=a1, parent=b)
    below.refresh_from_db()
    elsewhere.refresh_from_db()
    assert (below.category_path, elsewhere.category_path) == ("B/A1/A11", "B")
    publish(django_capture_on_commit_callbacks, product, maker)
    # then the saved search hears of it at the category's new place, and so does the one on B (now its ancestor)
    [note] = notifications_of(researcher)
    assert note.kind == "saved_search" and note.count == 1
    assert len(notifications_of(elsewhere.user)) == 1


def test_evaluating_a_batch_takes_a_bounded_number_of_queries(django_assert_max_num_queries, maker_org):
    researchers = [UserFactory() for _ in range(5)]
    for person in researchers:
        saved_search_create(user=person, params={"kind": "products", "q": "色谱"}, delivery=Delivery.IMMEDIATE)
        follow_create(user=person, organization=maker_org)
    products = [ProductFactory(name_zh=f"色谱仪{i}", manufacturer=maker_org) for i in range(20)]
    changes = [Change.objects.create(entity="product", object_id=p.pk) for p in products]
    with django_assert_max_num_queries(30):
        alerts_consume(changes)
    assert all(len(notifications_of(p)) == 2 for p in researchers)
    assert all(n.count == 20 for p in researchers for n in notifications_of(p))


def test_compiling_the_saved_searches_of_a_move_again_takes_a_fixed_number_of_queries(django_assert_max_num_queries):
    from alerts.services import saved_searches_recompile
    from catalog.services.categories import category_move

    # given eighteen saved searches over six categories below A, which moves under B
    a, b = CategoryFactory(code="A"), CategoryFactory(code="B")
    children = [CategoryFactory(code=f"A{i}", parent=a) for i in range(6)]
    for child in children:
        for _ in range(3):
            saved_search_create(user=UserFactory(), params={"kind": "products", "q": "色谱", "category": child.pk})
    category_move(category=a, parent=b)
    [change] = Change.objects.filter(entity="category")
    # when the move's change is consumed, then the searches, their categories' paths, one update and the outbox
    # rows are a fixed number of queries however many searches there are, and every path is the new one
    with django_assert_max_num_queries(8):
        saved_searches_recompile([change])
    assert set(SavedSearch.objects.values_list("category_path", flat=True)) == {f"B/A/A{i}" for i in range(6)}
