"""The change outbox: what changed, written in the same transaction as the change, and each consumer's delivery."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Change(models.Model):
    """One changed row of another app: a product, a demand. Kept for a while after every consumer took it (a
    search rebuild replays the changes recorded while it ran)."""

    entity = models.CharField(_("entity"), max_length=32)
    object_id = models.BigIntegerField(_("object id"))
    # Names of what changed ("status", "specifications", "documents"); empty means anything may have.
    fields = models.JSONField(_("fields"), default=list, blank=True)
    # The category's path for products and demands: consumers batch by category subtree without a join.
    category_path = models.CharField(_("category path"), max_length=128, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("change")
        verbose_name_plural = _("changes")
        indexes = [models.Index(fields=["entity", "created_at"], name="changes_entity_recent")]

    def __str__(self) -> str:
        return f"{self.entity}:{self.object_id}"


class ChangeDelivery(models.Model):
    """A change one consumer (search, matching) still has to take, or took.

    Claimed with a compare-and-set lease, so two workers never take the same row and a crashed worker's rows are
    taken again when the lease runs out; ``done_at`` is set once the consumer's work for the batch committed.
    """

    change = models.ForeignKey(Change, verbose_name=_("change"), on_delete=models.CASCADE, related_name="deliveries")
    consumer = models.CharField(_("consumer"), max_length=32)
    claim_token = models.UUIDField(_("claim token"), null=True, blank=True)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("change delivery")
        verbose_name_plural = _("change deliveries")
        constraints = [models.UniqueConstraint(fields=["change", "consumer"], name="changes_delivery_unique")]
        indexes = [
            models.Index(fields=["consumer", "id"], condition=Q(done_at__isnull=True), name="changes_delivery_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.consumer}:{self.change_id}"

    @property
    def is_pending(self) -> bool:
        return self.done_at is None
