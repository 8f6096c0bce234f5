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
