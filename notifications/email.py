"""Emailing a notification: sent once, marked only after the mail server took it, failures counted on the row."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from notifications.messages import reader_language
from notifications.models import Notification
from notifications.selectors import notification_text

logger = logging.getLogger(__name__)

# After this many failed attempts a notification is no longer emailed (it stays in the app).
EMAIL_MAX_ATTEMPTS = 6
# The sweep leaves fresh rows to the task queued for them, and gives up on rows older than this.
SWEEP_GRACE = datetime.timedelta(minutes=2)
SWEEP_HORIZON = datetime.timedelta(days=2)


def notification_email_send(*, notification_id: int) -> bool:
    """Email one notification to its reader, in their language. True when sent now.

    The row is locked while sending (a second worker skips it) and ``emailed_at`` is set by a compare-and-set
    only once the mail server accepted the message. A failure is logged, counted on the row and raised, so the
    task can retry transient ones.
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("user")
            .filter(pk=notification_id, emailed_at__isnull=True, email_attempts__lt=EMAIL_MAX_ATTEMPTS)
            .first()
        )
        if notification is None:
            return False
        user = notification.user
        if not (user.is_active and user.email_notifications and user.email):
            return False
        title, body = notification_text(notification, language=reader_language(user))
        link = f"{settings.SITE_URL}{notification.url}" if notification.url else ""
        try:
            send_mail(
                subject=title[:200],
                message="\n\n".join(part for part in (body, link) if part),
                from_email=None,
                recipient_list=[user.email],
                fail_silently=False,
            )
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"[:2000]
            Notification.objects.filter(pk=notification.pk).update(
                email_attempts=F("email_attempts") + 1, email_error=error
            )
            logger.warning("notifications: email of notification %s failed: %s", notification.pk, error)
            # Raised after the block, so the failure count commits and the caller decides on a retry.
            failure = exc
        else:
            Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
                emailed_at=timezone.now(), email_attempts=F("email_attempts") + 1, email_error=""
            )
            return True
    raise failure


def notification_email_pending_ids(*, limit: int = 500) -> list[int]:
    """Notifications whose email is still owed: failed or lost sends younger than the horizon."""
    now = timezone.now()
    return list(
        Notification.objects.filter(
            emailed_at__isnull=True,
            email_attempts__lt=EMAIL_MAX_ATTEMPTS,
            created_at__lt=now - SWEEP_GRACE,
            created_at__gte=now - SWEEP_HORIZON,
            user__is_active=True,
            user__email_notifications=True,
        )
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )


def notification_email_sweep() -> int:
    """Send what lost or failed tasks left; returns how many were sent. One failure does not stop the others."""
    sent = 0
    for notification_id in notification_email_pending_ids():
        try:
            sent += notification_email_send(notification_id=notification_id)
        except Exception:  # counted and logged on the row; the next sweep tries again
            continue
    return sent
