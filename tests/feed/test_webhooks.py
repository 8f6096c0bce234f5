"""Webhooks against a real local HTTP server: signed deliveries, retries with backoff, timeouts, commit order,
disabling after a day of failures, and the refused internal addresses."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from accounts.models import Membership
from catalog.models import Product
from catalog.services import products as product_services
from config.exceptions import ApplicationError
from feed import webhooks
from feed.models import FeedEntry, WebhookDelivery, WebhookEndpoint
from notifications.models import Notification
from procurement.services import awards as award_services
from tests.factories import DemandFactory, ManufacturerFactory, ProductFactory, member_of
from tests.feed.conftest import record_products, take_feed

pytestmark = pytest.mark.django_db

ALL = list(FeedEntry.Kind.values)


@pytest.fixture
def org_admin(institution):
    return member_of(institution, role=Membership.Role.ADMIN)


def _endpoint(receiver, admin, organization, *, kinds=None, secret=None) -> WebhookEndpoint:
    return webhooks.webhook_create(
        user=admin,
        organization=organization,
        url=receiver.url,
        kinds=kinds or ALL,
        secret=secret or receiver.secret.decode(),
    )


def _publish(count: int = 1) -> list[Product]:
    products = ProductFactory.create_batch(count)
    record_products(products)
    take_feed()
    webhooks.webhooks_fan_out()
    return products


def _attempts(delivery: WebhookDelivery) -> list[tuple[int, int | None]]:
    return [(a.number, a.status_code) for a in delivery.attempt_log.order_by("number")]


def test_a_published_product_reaches_the_receiver_signed_and_the_readme_receiver_verifies_it(
    receiver, institution, org_admin, manufacturer, django_capture_on_commit_callbacks
):
    # given: an endpoint, and a manufacturer about to publish
    endpoint = _endpoint(receiver, org_admin, institution)
    maker = member_of(manufacturer)
    product = ProductFactory(manufacturer=manufacturer, status=Product.Status.DRAFT, published_at=None)
    # when: it publishes (the outbox, the feed, the fan-out and the send all run after commit)
    with django_capture_on_commit_callbacks(execute=True):
        product_services.product_publish(product=product, user=maker)
    # then: the README's receiver got it and found the signature good
    assert receiver.rejected == 0
    [received] = receiver.events
    assert received.event["kind"] == "product.published"
    assert received.event["object_id"] == product.pk
    assert received.event["url"].endswith(f"/api/v1/products/{product.pk}/")
    assert received.headers["X-Event-Kind"] == "product.published"
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    [attempt] = delivery.attempt_log.all()
    assert (attempt.number, attempt.status_code, attempt.error) == (1, 204, "")
    assert attempt.duration_ms < 5000


def test_a_receiver_with_another_secret_refuses_the_delivery_and_it_is_retried(receiver, institution, org_admin):
    endpoint = _endpoint(receiver, org_admin, institution, secret="not-the-receivers-secret")
    _publish()
    report = webhooks.webhook_send(endpoint_id=endpoint.pk)
    assert receiver.rejected == 1 and receiver.events == []
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert _attempts(delivery) == [(1, 401)]
    assert report.retry_at is not None


def test_the_readme_verify_refuses_a_changed_body_and_an_old_timestamp():
    from tests.feed.receivers import readme_receiver

    verify = readme_receiver()["verify"]
    body = b'{"id":1}'
    header = webhooks.signature_header(secret="s3cret-s3cret-s3cret", timestamp=1_700_000_000, body=body)
    assert verify(header, body, b"s3cret-s3cret-s3cret", now=1_700_000_010)
    assert not verify(header, b'{"id":2}', b"s3cret-s3cret-s3cret", now=1_700_000_010)
    assert not verify(header, body, b"s3cret-s3cret-s3cret", now=1_700_000_000 + 301)
    assert not verify("garbage", body, b"s3cret-s3cret-s3cret")


def test_failures_are_retried_with_growing_backoff_and_logged(receiver, institution, org_admin):
    endpoint = _endpoint(receiver, org_admin, institution)
    _publish()
    receiver.script = [(500, 0), (503, 0)]
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)

    first = webhooks.webhook_send(endpoint_id=endpoint.pk)
    delivery.refresh_from_db()
    assert delivery.next_attempt_at is not None
    delay = delivery.next_attempt_at - timezone.now()
    assert datetime.timedelta(seconds=25) < delay <= datetime.timedelta(seconds=30)
    assert first.retry_at == delivery.next_attempt_at

    # not due yet: nothing is sent
    assert webhooks.webhook_send(endpoint_id=endpoint.pk).retry_at == delivery.next_attempt_at
    assert receiver.requests == 1

    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    webhooks.webhook_send(endpoint_id=endpoint.pk)
    delivery.refresh_from_db()
    assert delivery.next_attempt_at is not None
    delay = delivery.next_attempt_at - timezone.now()
    assert datetime.timedelta(seconds=55) < delay <= datetime.timedelta(seconds=60)

    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    webhooks.webhook_send(endpoint_id=endpoint.pk)
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert _attempts(delivery) == [(1, 500), (2, 503), (3, 204)]
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).failing_since is None


def test_retry_delays_double_up_to_an_hour():
    assert [webhooks.retry_delay(n).total_seconds() for n in (1, 2, 3, 4, 8, 20)] == [30, 60, 120, 240, 3600, 3600]


def test_no_answer_within_the_timeout_is_a_failure(receiver, institution, org_admin, settings):
    settings.WEBHOOK_TIMEOUT = 0.5
    endpoint = _endpoint(receiver, org_admin, institution)
    _publish()
    receiver.script = [(204, 1.5)]
    webhooks.webhook_send(endpoint_id=endpoint.pk)
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    [attempt] = delivery.attempt_log.all()
    assert attempt.status_code is None
    assert "0.5 seconds" in attempt.error
    assert 450 <= attempt.duration_ms < 1500
    assert delivery.status == WebhookDelivery.Status.PENDING


def test_deliveries_of_one_endpoint_keep_commit_order_behind_a_failure(receiver, institution, org_admin):
    endpoint = _endpoint(receiver, org_admin, institution)
    products = _publish(5)
    receiver.script = [(500, 0)]
    webhooks.webhook_send(endpoint_id=endpoint.pk)
    # the first failed: the four after it were not sent ahead of it
    assert receiver.requests == 1 and receiver.events == []
    WebhookDelivery.objects.filter(endpoint=endpoint).update(next_attempt_at=None)

    # another sender holds the endpoint: this one leaves it alone (one sender at a time keeps the order)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(sending_until=timezone.now() + datetime.timedelta(minutes=1))
    assert webhooks.webhook_send(endpoint_id=endpoint.pk).busy
    assert receiver.requests == 1

    # its lease ran out (a crashed worker): the next sender takes over and sends all five in commit order
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(sending_until=timezone.now() - datetime.timedelta(seconds=1))
    report = webhooks.webhook_send(endpoint_id=endpoint.pk)
    assert report.delivered == 5
    assert [r.event["object_id"] for r in receiver.events] == [p.pk for p in products]
    ids = [r.event["id"] for r in receiver.events]
    assert ids == sorted(ids)
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).sending_until is None


def test_an_endpoint_failing_for_a_day_is_disabled_and_its_admins_told(receiver, institution, org_admin):
    endpoint = _endpoint(receiver, org_admin, institution)
    plain_member = member_of(institution)
    _publish(2)
    receiver.script = [(500, 0)]
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=timezone.now() - datetime.timedelta(hours=25))

    report = webhooks.webhook_send(endpoint_id=endpoint.pk)

    assert report.disabled
    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.disabled_at is not None
    assert set(WebhookDelivery.objects.filter(endpoint=endpoint).values_list("status", flat=True)) == {"cancelled"}
    told = Notification.objects.filter(kind="webhook_disabled")
    assert list(told.values_list("user_id", flat=True)) == [org_admin.pk]
    assert not Notification.objects.filter(user=plain_member).exists()
    # a disabled endpoint gets no new deliveries
    _publish()
    assert WebhookDelivery.objects.filter(endpoint=endpoint, status="pending").count() == 0


def test_failing_for_less_than_a_day_keeps_the_endpoint(receiver, institution, org_admin):
    endpoint = _endpoint(receiver, org_admin, institution)
    _publish()
    receiver.script = [(500, 0)]
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=timezone.now() - datetime.timedelta(hours=23))
    assert not webhooks.webhook_send(endpoint_id=endpoint.pk).disabled
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).is_active


def test_an_award_notice_reaches_an_endpoint_that_wants_award_notices(receiver, institution, org_admin):
    # given: an endpoint that wants award notices only, and an open demand
    endpoint = _endpoint(receiver, org_admin, institution, kinds=["award.published"])
    demand = DemandFactory(institution=institution)
    # when: the demand is awarded and the feed and the fan-out run
    award = award_services.demand_award(
        demand=demand, user=member_of(institution), product=ProductFactory(category=demand.category)
    )
    take_feed()
    webhooks.webhooks_fan_out()
    webhooks.webhook_send(endpoint_id=endpoint.pk)
    # then: the receiver got the notice, signed, and nothing else
    assert receiver.rejected == 0
    [received] = receiver.events
    assert (received.event["kind"], received.event["entity"], received.event["object_id"]) == (
        "award.published",
        "award",
        award.pk,
    )
    assert received.event["url"].endswith(f"/api/v1/awards/{award.pk}/")


def test_an_endpoint_hears_only_its_kinds_and_only_from_its_registration_on(receiver, institution, org_admin):
    _publish()  # before the endpoint existed
    endpoint = _endpoint(receiver, org_admin, institution, kinds=["product.withdrawn"])
    [product] = _publish()
    assert not WebhookDelivery.objects.filter(endpoint=endpoint).exists()
    product.status = Product.Status.WITHDRAWN
    product.save()
    record_products([product])
    take_feed()
    webhooks.webhooks_fan_out()
    webhooks.webhook_send(endpoint_id=endpoint.pk)
    assert [r.event["kind"] for r in receiver.events] == ["product.withdrawn"]


def test_switching_a_disabled_endpoint_on_resumes_from_now(receiver, institution, org_admin):
    endpoint = _endpoint(receiver, org_admin, institution)
    webhooks.webhook_update(user=org_admin, endpoint=endpoint, is_active=False)
    _publish()
    webhooks.webhook_update(user=org_admin, endpoint=endpoint, is_active=True)
    [later] = _publish()
    webhooks.webhook_send(endpoint_id=endpoint.pk)
    assert [r.event["object_id"] for r in receiver.events] == [later.pk]


# --- Refused addresses -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8265/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.1/hook",
        "http://172.16.0.5/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/hook",
        "http://0.0.0.0/hook",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://[fd00::1]/hook",
        "http://2130706433/hook",
    ],
)
def test_internal_addresses_are_refused_when_registered(institution, org_admin, url):
    with pytest.raises(ApplicationError) as refused:
        webhooks.webhook_create(user=org_admin, organization=institution, url=url, kinds=ALL)
    assert refused.value.field == "url"
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.org/hook", "Only http and https"),
        ("file:///etc/passwd", "Only http and https"),
        ("http://user:pw@example.org/hook", "no user name"),
        ("not a url", "Only http and https"),
        ("http://example.org:99999/", "not a valid URL"),
    ],
)
def test_other_schemes_credentials_and_broken_urls_are_refused(institution, org_admin, url, reason):
    with pytest.raises(ApplicationError) as refused:
        webhooks.webhook_create(user=org_admin, organization=institution, url=url, kinds=ALL)
    assert reason in refused.value.message


def test_hosts_outside_the_allowed_list_are_refused(institution, org_admin, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["hooks.example.org", "*.partner.example"]
    with pytest.raises(ApplicationError) as refused:
        webhooks.webhook_create(user=org_admin, organization=institution, url="http://evil.example/", kinds=ALL)
    assert "may not be sent to evil.example" in refused.value.message


def test_the_address_is_checked_again_at_send_time(receiver, institution, org_admin, settings):
    # given: registered while private addresses were allowed
    endpoint = _endpoint(receiver, org_admin, institution)
    _publish()
    # when: the rule is back on, and the endpoint is sent to
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    webhooks.webhook_send(endpoint_id=endpoint.pk)
    # then: nothing reached the server; the attempt says why
    assert receiver.requests == 0
    [attempt] = WebhookDelivery.objects.get(endpoint=endpoint).attempt_log.all()
    assert attempt.status_code is None and "internal address" in attempt.error


def test_bad_kinds_and_a_short_secret_are_reported_together(institution, org_admin, receiver):
    with pytest.raises(ApplicationError) as refused:
        webhooks.webhook_create(
            user=org_admin, organization=institution, url="ftp://x/", kinds=["product.exploded"], secret="short"
        )
    assert set(refused.value.extra["fields"]) == {"url", "kinds", "secret"}


def test_only_the_organizations_admins_register_endpoints(receiver, institution):
    member = member_of(institution)
    outsider_admin = member_of(ManufacturerFactory(), role=Membership.Role.ADMIN)
    for user in (member, outsider_admin):
        with pytest.raises(Exception) as refused:
            webhooks.webhook_create(user=user, organization=institution, url=receiver.url, kinds=ALL)
        assert type(refused.value).__name__ == "PermissionDenied"
