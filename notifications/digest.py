"""The daily digest: one email a day per person, listing every notification marked for the digest since the last.

``notify(..., email=EmailMode.DIGEST)`` stores the news in the app at once and leaves the email to this module.
Once a day (``notifications.send_digests`` in the beat schedule) each person with such news gets one email in
their language; a ``NotificationDigest`` row per person and day, locked while sending, keeps it to one a day
however often the task runs or is redelivered. A failed send leaves the day's row unsent for the next run.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field
from typing import Any

from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import ngettext

from notifications.email import EMAIL_MAX_ATTEMPTS, absolute, unsubscribe_footer
from notifications.messages import reader_language
from notifications.models import EmailMode, Notification, NotificationDigest
from notifications.selectors import notification_text

logger = logging.getLogger(__name__)


@dataclass
class DigestOutcome:
    sent: list[int] = field(default_factory=list)  # user ids
    failed: dict[int, Exception] = field(default_factory=dict)


def _pending(user_id: int) -> list[Notification]:
    return list(
        Notification.objects.select_related("user")
        .filter(
            user_id=user_id,
            email_mode=EmailMode.DIGEST,
            emailed_at__isnull=True,
            email_attempts__lt=EMAIL_MAX_ATTEMPTS,
        )
        .order_by("created_at", "id")
    )


def digest_message(rows: list[Notification]) -> EmailMessage:
    """One email listing ``rows`` (one person's), in that person's language."""
    user = rows[0].user
    language = reader_language(user)
    items = sum(row.count for row in rows)
    parts = []
    for row in rows:
        title, body = notification_text(row, language=language)
        link = absolute(row.url) if row.url else ""
        parts.append("\n".join(p for p in (f"■ {title}", body, link) if p))
    unsubscribe = next((row.unsubscribe_url for row in rows if row.unsubscribe_url), "")
    footer, headers = unsubscribe_footer(unsubscribe, language)
    with translation.override(language):
        subject = ngettext("Your daily digest: %(count)d new item", "Your daily digest: %(count)d new items", items) % {
            "count": items
        }
    return EmailMessage(
        subject=str(subject)[:200],
        body="\n\n".join([*parts, footer] if footer else parts),
        to=[user.email],
        headers=headers,
    )


def notification_digest_send(*, user_id: int, day: datetime.date) -> bool:
    """Send the person's digest of ``day`` unless it went out already; True when sent now. Raises the mail error."""
    with transaction.atomic():
        NotificationDigest.objects.get_or_create(user_id=user_id, day=day)
        digest = NotificationDigest.objects.select_for_update().select_related("user").get(user_id=user_id, day=day)
        user = digest.user
        if digest.sent_at is not None or not (user.is_active and user.email_notifications and user.email):
            return False
        rows = _pending(user_id)
        if not rows:
            return False
        message = digest_message(rows)
        ids = [row.pk for row in rows]
        try:
            get_connection().send_messages([message])
        except Exception:
            Notification.objects.filter(pk__in=ids).update(email_attempts=F("email_attempts") + 1)
            raise
        now = timezone.now()
        Notification.objects.filter(pk__in=ids, emailed_at__isnull=True).update(
            emailed_at=now, email_attempts=F("email_attempts") + 1, email_error=""
        )
        digest.sent_at, digest.items = now, sum(row.count for row in rows)
        digest.save(update_fields=["sent_at", "items"])
    return True


def notification_digests_send(*, day: datetime.date | None = None) -> DigestOutcome:
    """Every person with news waiting for the digest gets the day's one email; one person's failure is logged
    and does not stop the others."""
    day = day or timezone.localdate()
    outcome = DigestOutcome()
    user_ids = (
        Notification.objects.filter(
            email_mode=EmailMode.DIGEST, emailed_at__isnull=True, email_attempts__lt=EMAIL_MAX_ATTEMPTS
        )
        .values_list("user_id", flat=True)
        .distinct()
        .order_by("user_id")
    )
    for user_id in list(user_ids):
        try:
            if notification_digest_send(user_id=user_id, day=day):
                outcome.sent.append(user_id)
        except Exception as exc:  # the mail side's errors are many; the next run tries again
            outcome.failed[user_id] = exc
            logger.warning("notifications: digest for user %s failed: %s", user_id, exc)
    return outcome


def notification_emails_stop(*, user: Any, group_prefix: str) -> int:
    """No email is owed any more for the person's pending notifications of these groups (they unsubscribed)."""
    return (
        Notification.objects.filter(user=user, group_key__startswith=group_prefix, emailed_at__isnull=True)
        .exclude(email_mode=EmailMode.NEVER)
        .update(email_mode=EmailMode.NEVER)
    )
