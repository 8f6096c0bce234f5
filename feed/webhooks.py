"""Webhooks: organizations' endpoints hear of feed entries by signed POSTs, in commit order, retried with backoff.

- **Fan-out** (``webhooks_fan_out``): each active endpoint gets a delivery row for every feed entry after its
  ``last_entry_id`` of a kind it wants, in bulk; the feed has no gaps, so going on after the last entry taken
  never skips one.
- **Sending** (``webhook_send``): one sender per endpoint at a time (a compare-and-set lease on the endpoint) sends
  its pending deliveries oldest entry first. A failed delivery (no answer in ``WEBHOOK_TIMEOUT``, refused, not a
  2xx) is retried after 30 s, 1 min, 2 min ... (at most an hour apart), and the deliveries after it wait: one
  endpoint's deliveries keep commit order. Every attempt is logged.
- An endpoint failing for ``WEBHOOK_DISABLE_AFTER`` (24 hours) since its last success is disabled, its pending
  deliveries cancelled and its organization's admins told.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Organization, User
from config.exceptions import ApplicationError
from feed import outbound, policies
from feed.events import event_payload
from feed.models import FeedEntry, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from feed.notices import WEBHOOK_DISABLED
from notifications.services import notify

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Signature"
USER_AGENT = "instrument-match-webhooks/1"
FAN_OUT_BATCH = 5000
# Deliveries one sender sends before it hands over to a fresh task (others' endpoints get their turn).
SEND_BATCH = 100
FIRST_RETRY = datetime.timedelta(seconds=30)
MAX_RETRY = datetime.timedelta(hours=1)
MIN_SECRET_LENGTH = 16
ALL_KINDS = tuple(FeedEntry.Kind.values)


# --- Signing ----------------------------------------------------------------------------------------------------


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256, keyed by the endpoint's secret, of ``<timestamp>.<body>``."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(*, secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret=secret, timestamp=timestamp, body=body)}"


# --- Endpoints --------------------------------------------------------------------------------------------------


def _clean(*, url: str, kinds: Sequence[str], secret: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    url = (url or "").strip()
    if not url:
        errors["url"] = [_("Give the URL that receives the events.")]
    elif len(url) > 500:
        errors["url"] = [_("The URL is longer than 500 characters.")]
    else:
        try:
            outbound.target_check(url)
        except outbound.OutboundRefused as exc:
            errors["url"] = [str(exc)]
    unknown = sorted(set(kinds) - set(ALL_KINDS))
    if not kinds:
        errors["kinds"] = [_("Choose at least one kind of event.")]
    elif unknown:
        errors["kinds"] = [_("Unknown event kind: %(kinds)s") % {"kinds": ", ".join(unknown)}]
    if secret and len(secret) < MIN_SECRET_LENGTH:
        errors["secret"] = [_("The secret needs at least %(count)s characters.") % {"count": MIN_SECRET_LENGTH}]
    return errors


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        name, messages = next(iter(errors.items()))
        raise ApplicationError(messages[0], field=name, extra={"fields": errors})


def _require_admin(user: User, organization: Organization | int) -> None:
    if not policies.can_manage_webhooks(user, organization):
        raise PermissionDenied(_("Only the organization's administrators manage its webhooks."))


def _ordered_kinds(kinds: Sequence[str]) -> list[str]:
    return [kind for kind in ALL_KINDS if kind in set(kinds)]


@transaction.atomic
def webhook_create(
    *,
    user: User,
    organization: Organization,
    url: str,
    kinds: Sequence[str],
    secret: str = "",
    description: str = "",
) -> WebhookEndpoint:
    """Register an endpoint; it hears of feed entries from now on. Without ``secret`` one is generated."""
    _require_admin(user, organization)
    _raise(_clean(url=url, kinds=kinds, secret=secret))
    last = FeedEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    return WebhookEndpoint.objects.create(
        organization=organization,
        url=url.strip(),
        kinds=_ordered_kinds(kinds),
        secret=secret or secrets.token_urlsafe(32),
        description=description.strip(),
        last_entry_id=last,
        created_by=user,
    )


@transaction.atomic
def webhook_update(*, user: User, endpoint: WebhookEndpoint, **fields: Any) -> WebhookEndpoint:
    """Change url, kinds, secret, description or is_active; switching a disabled endpoint on resumes it from now."""
    _require_admin(user, endpoint.organization_id)
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    url = fields.get("url", endpoint.url)
    kinds = fields.get("kinds", endpoint.kinds)
    secret = fields.get("secret") or ""
    _raise(_clean(url=url, kinds=kinds, secret=secret))
    endpoint.url = url.strip()
    endpoint.kinds = _ordered_kinds(kinds)
    if secret:
        endpoint.secret = secret
    if "description" in fields:
        endpoint.description = str(fields["description"]).strip()
    if "is_active" in fields and bool(fields["is_active"]) != endpoint.is_active:
        endpoint.is_active = bool(fields["is_active"])
        if endpoint.is_active:
            # Back on: no flood of what happened while it was off, and a fresh 24 hours before it is disabled.
            endpoint.last_entry_id = FeedEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
            endpoint.failing_since = None
            endpoint.disabled_at = None
        else:
            _cancel_pending(endpoint)
    endpoint.save()
    return endpoint


@transaction.atomic
def webhook_delete(*, user: User, endpoint: WebhookEndpoint) -> None:
    _require_admin(user, endpoint.organization_id)
    endpoint.delete()


def _cancel_pending(endpoint: WebhookEndpoint) -> int:
    return WebhookDelivery.objects.filter(endpoint=endpoint, status=WebhookDelivery.Status.PENDING).update(
        status=WebhookDelivery.Status.CANCELLED, next_attempt_at=None
    )


# --- Fan-out ----------------------------------------------------------------------------------------------------


def webhooks_fan_out() -> list[int]:
    """Give every active endpoint its deliveries of the new feed entries; returns the endpoints with new ones."""
    touched: set[int] = set()
    while True:
        with transaction.atomic():
            endpoints = list(WebhookEndpoint.objects.select_for_update(skip_locked=True).filter(is_active=True))
            if not endpoints:
                return sorted(touched)
            start = min(e.last_entry_id for e in endpoints)
            entries = list(
                FeedEntry.objects.filter(id__gt=start).order_by("id").values_list("id", "kind")[:FAN_OUT_BATCH]
            )
            if not entries:
                return sorted(touched)
            deliveries = []
            for endpoint in endpoints:
                wanted = set(endpoint.kinds)
                deliveries += [
                    WebhookDelivery(endpoint=endpoint, entry_id=entry_id)
                    for entry_id, kind in entries
                    if entry_id > endpoint.last_entry_id and kind in wanted
                ]
                if any(entry_id > endpoint.last_entry_id and kind in wanted for entry_id, kind in entries):
                    touched.add(endpoint.pk)
            WebhookDelivery.objects.bulk_create(deliveries, ignore_conflicts=True, batch_size=5000)
            last = entries[-1][0]
            WebhookEndpoint.objects.filter(pk__in=[e.pk for e in endpoints], last_entry_id__lt=last).update(
                last_entry_id=last
            )
            if len(entries) < FAN_OUT_BATCH:
                return sorted(touched)


def endpoints_due(*, now: datetime.datetime | None = None) -> list[int]:
    """Active endpoints whose oldest pending delivery is due (the sweep kicks them)."""
    now = now or timezone.now()
    return sorted(
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, endpoint__is_active=True)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .values_list("endpoint_id", flat=True)
        .distinct()
    )


# --- Sending ----------------------------------------------------------------------------------------------------


@dataclass
class SendReport:
    endpoint_id: int
    delivered: int = 0
    failed: int = 0
    # When the head delivery is due again (a retry); None when nothing waits.
    retry_at: datetime.datetime | None = None
    # True when the batch ran out before the deliveries did.
    more: bool = False
    disabled: bool = False
    busy: bool = False


def retry_delay(attempts: int) -> datetime.timedelta:
    """30 s after the first failure, doubling, at most an hour."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), MAX_RETRY)


def _lease() -> datetime.timedelta:
    # Long enough for one POST and its bookkeeping; renewed before each.
    return datetime.timedelta(seconds=float(settings.WEBHOOK_TIMEOUT) * 4 + 30)


def _claim(endpoint_id: int) -> bool:
    now = timezone.now()
    return bool(
        WebhookEndpoint.objects.filter(pk=endpoint_id, is_active=True)
        .filter(Q(sending_until__isnull=True) | Q(sending_until__lt=now))
        .update(sending_until=now + _lease())
    )


def _request(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(
        event_payload(delivery.entry, base_url=settings.SITE_URL.rstrip("/")), separators=(",", ":")
    ).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: signature_header(secret=endpoint.secret, timestamp=timestamp, body=body),
        "X-Event-Id": str(delivery.entry_id),
        "X-Event-Kind": delivery.entry.kind,
        "X-Delivery-Id": str(delivery.pk),
        "X-Delivery-Attempt": str(delivery.attempts + 1),
    }
    return body, headers


def _attempt(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> WebhookAttempt:
    body, headers = _request(endpoint, delivery)
    started_at = timezone.now()
    started = time.monotonic()
    status_code: int | None = None
    error = ""
    try:
        answer = outbound.post(endpoint.url, body=body, headers=headers, timeout=float(settings.WEBHOOK_TIMEOUT))
        status_code = answer.status
        if not 200 <= answer.status < 300:
            error = answer.body.decode("utf-8", "replace")[:500]
    except outbound.OutboundRefused as exc:
        error = str(exc)
    except TimeoutError:
        error = _("No answer within %(seconds)s seconds.") % {"seconds": f"{float(settings.WEBHOOK_TIMEOUT):g}"}
    except (OSError, ValueError) as exc:  # refused, reset, TLS failure, a broken HTTP answer
        error = f"{type(exc).__name__}: {exc}"[:500]
    duration_ms = int((time.monotonic() - started) * 1000)
    return WebhookAttempt(
        delivery=delivery,
        number=delivery.attempts + 1,
        started_at=started_at,
        duration_ms=duration_ms,
        status_code=status_code,
        error=error,
    )


def _disable(endpoint: WebhookEndpoint, *, now: datetime.datetime) -> None:
    with transaction.atomic():
        disabled = WebhookEndpoint.objects.filter(pk=endpoint.pk, is_active=True).update(
            is_active=False, disabled_at=now, sending_until=None
        )
        if not disabled:
            return
        _cancel_pending(endpoint)
        admins = User.objects.filter(
            memberships__organization_id=endpoint.organization_id, memberships__role=Membership.Role.ADMIN
        )
        notify(
            users=admins,
            kind=WEBHOOK_DISABLED,
            params={"url": endpoint.url},
            url=reverse("feed:webhooks", kwargs={"organization": endpoint.organization_id}),
            key=f"webhook-disabled:{endpoint.pk}:{now.isoformat()}",
        )
    logger.warning("webhooks: endpoint %s (%s) failed for a day and is disabled", endpoint.pk, endpoint.url)


def webhook_send(*, endpoint_id: int) -> SendReport:
    """Send the endpoint's due deliveries in entry order, stopping at the first failure (its retry comes first)."""
    report = SendReport(endpoint_id=endpoint_id)
    if not _claim(endpoint_id):
        report.busy = True
        return report
    endpoint = WebhookEndpoint.objects.get(pk=endpoint_id)
    try:
        for _index in range(SEND_BATCH):
            now = timezone.now()
            delivery = (
                WebhookDelivery.objects.filter(endpoint=endpoint, status=WebhookDelivery.Status.PENDING)
                .select_related("entry")
                .order_by("entry_id")
                .first()
            )
            if delivery is None:
                return report
            if delivery.next_attempt_at and delivery.next_attempt_at > now:
                report.retry_at = delivery.next_attempt_at
                return report
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(sending_until=now + _lease())
            attempt = _attempt(endpoint, delivery)
            finished = timezone.now()
            with transaction.atomic():
                attempt.save()
                if attempt.succeeded:
                    WebhookDelivery.objects.filter(pk=delivery.pk).update(
                        status=WebhookDelivery.Status.DELIVERED,
                        attempts=F("attempts") + 1,
                        delivered_at=finished,
                        next_attempt_at=None,
                    )
                    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
                    endpoint.failing_since = None
                    report.delivered += 1
                    continue
                retry_at = finished + retry_delay(delivery.attempts + 1)
                WebhookDelivery.objects.filter(pk=delivery.pk).update(
                    attempts=F("attempts") + 1, next_attempt_at=retry_at
                )
                if endpoint.failing_since is None:
                    endpoint.failing_since = attempt.started_at
                    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=attempt.started_at)
            report.failed += 1
            logger.info(
                "webhooks: delivery %s to endpoint %s failed (attempt %s): %s",
                delivery.pk,
                endpoint.pk,
                attempt.number,
                attempt.status_code or attempt.error,
            )
            if finished - endpoint.failing_since >= settings.WEBHOOK_DISABLE_AFTER:
                _disable(endpoint, now=finished)
                report.disabled = True
                return report
            report.retry_at = retry_at
            return report
        report.more = True
        return report
    finally:
        WebhookEndpoint.objects.filter(pk=endpoint_id).update(sending_until=None)
