"""In-app notifications: what a person was told, stored as a kind and its parameters so it renders in the
reader's language when read, and which news each person has already heard."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EmailMode(models.TextChoices):
    """When a notification is emailed: at once, in the reader's daily digest, or never (in the app only)."""

    NOW = "now", _("Immediately")
    DIGEST = "digest", _("In the daily digest")
    NEVER = "never", _("Never")


class Notification(models.Model):
    """A message to one user. Related news (the matches of one demand) folds into one row: ``count`` items."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="notifications"
    )
    # A kind registered in ``notifications.messages`` by the app that sends it.
    kind = models.CharField(_("kind"), max_length=32)
    # Values of the kind's message; None on rows written before messages were rendered at read time.
    params = models.JSONField(_("parameters"), null=True, blank=True)
    # The message as rendered for the recipient when it was sent (the admin's view, and the text of old rows).
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    dedupe_key = models.CharField(_("deduplication key"), max_length=200)
    # News of the same group for the same person folds into their unread, not yet emailed row of that group.
    group_key = models.CharField(_("group"), max_length=200, blank=True)
    count = models.PositiveIntegerField(_("items"), default=1)
    is_read = models.BooleanField(_("read"), default=False)
    email_mode = models.CharField(_("email"), max_length=8, choices=EmailMode.choices, default=EmailMode.NOW)
    # Where the emails carrying this notification offer their one-click unsubscribe (a signed link, no log-in).
    unsubscribe_url = models.CharField(_("unsubscribe link"), max_length=500, blank=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)
    email_attempts = models.PositiveIntegerField(_("email attempts"), default=0)
    email_error = models.TextField(_("last email error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["user", "dedupe_key"], name="notifications_notification_dedupe"),
        ]
        indexes = [
            models.Index(fields=["user", "is_read", "-updated_at"], name="notifications_user_unread"),
            models.Index(fields=["user", "group_key"], condition=~models.Q(group_key=""), name="notifications_group"),
        ]

    def __str__(self) -> str:
        return self.title


class NotificationEvent(models.Model):
    """One piece of news a person has heard (``key``): nobody hears it twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE)
    key = models.CharField(_("key"), max_length=200)
    # The ``notify`` call that claimed it: that call tells the person, a concurrent one with the same news does not.
    claim = models.UUIDField(_("claim"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("notification event")
        verbose_name_plural = _("notification events")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notifications_event_unique")]

    def __str__(self) -> str:
        return self.key


class NotificationDigest(models.Model):
    """The daily digest email a person received on one day: the unique day makes it one a day, whatever reruns."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE)
    day = models.DateField(_("day"))
    items = models.PositiveIntegerField(_("items"), default=0)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("notification digest")
        verbose_name_plural = _("notification digests")
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="notifications_digest_one_a_day")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.day}"
