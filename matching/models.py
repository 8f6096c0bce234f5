from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """An in-app message to one user; ``dedupe_key`` makes sending the same news twice a no-op."""

    class Kind(models.TextChoices):
        NEW_MATCH = "new_match", _("New match for your demand")
        NEW_DEMAND = "new_demand", _("Your product matches a new demand")
        DEMAND_EXPIRED = "demand_expired", _("Demand expired")
        REPORT_PUBLISHED = "report_published", _("Match report published")
        ORGANIZATION_VERIFIED = "organization_verified", _("Organization verified")
        QUOTE_RECEIVED = "quote_received", _("Quote received")
        OTHER = "other", _("Other")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    dedupe_key = models.CharField(_("deduplication key"), max_length=200)
    is_read = models.BooleanField(_("read"), default=False)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["user", "dedupe_key"], name="matching_notification_dedupe"),
        ]
        indexes = [models.Index(fields=["user", "is_read", "-created_at"])]

    def __str__(self) -> str:
        return self.title
