"""The public change feed: one row per public change, numbered in commit order, kept for good (third parties
replicate the platform from it)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class FeedEntry(models.Model):
    """A public change of a product, a demand, a match report or an award notice.

    ``id`` is the feed's order: entries are numbered and committed by one serialized step (``feed.entries``), so an
    entry is visible only once every entry with a smaller id is, and a reader paging by id sees no gap.
    """

    class Kind(models.TextChoices):
        PRODUCT_PUBLISHED = "product.published", _("Product published")
        PRODUCT_CHANGED = "product.changed", _("Product changed")
        PRODUCT_WITHDRAWN = "product.withdrawn", _("Product withdrawn")
        DEMAND_OPENED = "demand.opened", _("Demand opened")
        DEMAND_CHANGED = "demand.changed", _("Demand changed")
        DEMAND_AWARDED = "demand.awarded", _("Demand awarded")
        DEMAND_CLOSED = "demand.closed", _("Demand closed")
        REPORT_PUBLISHED = "report.published", _("Match report published")
        AWARD_PUBLISHED = "award.published", _("Award notice published")

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    entity = models.CharField(_("entity"), max_length=32)
    object_id = models.BigIntegerField(_("object id"))
    # The object's public state this entry leaves it in ("published", "open", "" once gone): the next change of
    # the object is read against it (published -> changed, open -> awarded).
    state = models.CharField(_("state"), max_length=16, blank=True)
    # When the change was made (recorded in the outbox), as opposed to when the feed took it.
    occurred_at = models.DateTimeField(_("occurred at"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("feed entry")
        verbose_name_plural = _("feed entries")
        indexes = [models.Index(fields=["entity", "object_id", "id"], name="feed_entry_object")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"


class WebhookEndpoint(models.Model):
    """An organization's receiver of feed events: a URL, the kinds it wants, the secret deliveries are signed with."""

    organization = models.ForeignKey(
        "accounts.Organization", verbose_name=_("organization"), on_delete=models.CASCADE, related_name="webhooks"
    )
    url = models.URLField(_("URL"), max_length=500)
    # Kinds of FeedEntry it wants; never empty.
    kinds = models.JSONField(_("event kinds"), default=list)
    secret = models.CharField(_("secret"), max_length=128)
    description = models.CharField(_("description"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # The last feed entry handed to this endpoint as a delivery: the fan-out goes on after it.
    last_entry_id = models.BigIntegerField(_("last feed entry"), default=0)
    # Set by the first failure after a success, cleared by the next success: 24 hours of it disable the endpoint.
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    # A sender holds the endpoint until then (one sender at a time keeps its deliveries in commit order).
    sending_until = models.DateTimeField(_("sending until"), null=True, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", verbose_name=_("created by"), on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["organization_id", "id"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One feed entry owed to one endpoint; sent in entry order, retried until it succeeds or the endpoint is
    disabled."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        CANCELLED = "cancelled", _("Cancelled (endpoint disabled)")

    endpoint = models.ForeignKey(
        WebhookEndpoint, verbose_name=_("endpoint"), on_delete=models.CASCADE, related_name="deliveries"
    )
    entry = models.ForeignKey(FeedEntry, verbose_name=_("feed entry"), on_delete=models.CASCADE, related_name="+")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["endpoint_id", "entry_id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [models.UniqueConstraint(fields=["endpoint", "entry"], name="feed_delivery_unique")]
        indexes = [
            models.Index(
                fields=["endpoint", "entry"], condition=models.Q(status="pending"), name="feed_delivery_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.endpoint_id}:{self.entry_id}"


class WebhookAttempt(models.Model):
    """The log of one POST: when, how long, what came back."""

    delivery = models.ForeignKey(
        WebhookDelivery, verbose_name=_("delivery"), on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("started at"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    # None when no HTTP answer came (refused, timed out, a forbidden address).
    status_code = models.PositiveIntegerField(_("HTTP status"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["delivery_id", "number"]
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")

    def __str__(self) -> str:
        return f"{self.delivery_id}#{self.number}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
