"""Emailing notifications: each sent once, marked only after the mail server took it, failures counted on the row."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from notifications.messages import reader_language
from notifications.models import EmailMode, Notification
from notifications.selectors import notification_text

logger = logging.getLogger(__name__)

# After this many failed attempts a notification is no longer emailed (it stays in the app).
EMAIL_MAX_ATTEMPTS = 6
# The sweep leaves fresh rows to the task queued for them, and gives up on rows older than this.
SWEEP_GRACE = datetime.timedelta(minutes=2)
SWEEP_HORIZON = datetime.timedelta(days=2)


@dataclass
class EmailOutcome:
    sent: list[int] = field(default_factory=list)
    # notification id -> the error the mail server (or the network) gave
    failed: dict[int, Exception] = field(default_factory=dict)


def absolute(url: str) -> str:
    return f"{settings.SITE_URL}{url}" if url.startswith("/") else url


def unsubscribe_footer(url: str, language: str) -> tuple[str, dict[str, str]]:
    """The unsubscribe line of an email body and its RFC 8058 one-click headers; nothing without a link."""
    if not url:
        return "", {}
    link = absolute(url)
    with translation.override(language):
        line = _("Stop these emails (no log-in needed): %(link)s") % {"link": link}
    return str(line), {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def _message(notification: Notification) -> EmailMessage:
    user = notification.user
    language = reader_language(user)
    title, body = notification_text(notification, language=language)
    link = absolute(notification.url) if notification.url else ""
    footer, headers = unsubscribe_footer(notification.unsubscribe_url, language)
    return EmailMessage(
        subject=title[:200], body="\n\n".join(p for p in (body, link, footer) if p), to=[user.email], headers=headers
    )


def notification_emails_send(*, notification_ids: Sequence[int]) -> EmailOutcome:
    """Email these notifications to their readers, each in the reader's language, over one mail connection.

    The rows are locked while sending (a second worker skips them) and ``emailed_at`` is set by a compare-and-set
    only for the messages the mail server accepted. A failure is logged and counted on its row.
    """
    outcome = EmailOutcome()
    with transaction.atomic():
        rows = [
            n
            for n in Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("user")
            .filter(
                pk__in=list(notification_ids),
                email_mode=EmailMode.NOW,
                emailed_at__isnull=True,
                email_attempts__lt=EMAIL_MAX_ATTEMPTS,
            )
            .order_by("id")
            if n.user.is_active and n.user.email_notifications and n.user.email
        ]
        if not rows:
            return outcome
        connection = get_connection()
        try:
            connection.open()
        except Exception as exc:  # the mail server is unreachable: every row failed the same way
            outcome.failed = {n.pk: exc for n in rows}
        else:
            try:
                for notification in rows:
                    try:
                        connection.send_messages([_message(notification)])
                    except Exception as exc:  # the mail side's errors are many; each is counted on its row
                        outcome.failed[notification.pk] = exc
                    else:
                        outcome.sent.append(notification.pk)
            finally:
                connection.close()
        Notification.objects.filter(pk__in=outcome.sent, emailed_at__isnull=True).update(
            emailed_at=timezone.now(), email_attempts=F("email_attempts") + 1, email_error=""
        )
        for notification_id, cause in outcome.failed.items():
            error = f"{type(cause).__name__}: {cause}"[:2000]
            Notification.objects.filter(pk=notification_id).update(
                email_attempts=F("email_attempts") + 1, email_error=error
            )
            logger.warning("notifications: email of notification %s failed: %s", notification_id, error)
    return outcome


def notification_email_send(*, notification_id: int) -> bool:
    """Email one notification; True when sent now. A failure is counted on the row and raised."""
    outcome = notification_emails_send(notification_ids=[notification_id])
    if notification_id in outcome.failed:
        raise outcome.failed[notification_id]
    return notification_id in outcome.sent


def notification_email_pending_ids(*, limit: int = 500) -> list[int]:
    """Notifications whose email is still owed: failed or lost sends younger than the horizon."""
    now = timezone.now()
    return list(
        Notification.objects.filter(
            email_mode=EmailMode.NOW,
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
    """Send what lost or failed tasks left; returns how many were sent (failures wait for the next sweep)."""
    return len(notification_emails_send(notification_ids=notification_email_pending_ids()).sent)
