"""Celery tasks: thin wrappers over the email service; sending twice is prevented by the row lock and CAS."""

from __future__ import annotations

import logging

from celery import shared_task

from notifications.digest import notification_digests_send
from notifications.email import notification_email_sweep, notification_emails_send

logger = logging.getLogger(__name__)

MAX_RETRIES = 5
# Errors worth retrying: the mail server or the network (smtplib's errors are OSErrors).
TRANSIENT = (OSError,)


@shared_task(name="notifications.send_email", bind=True, acks_late=True, max_retries=MAX_RETRIES)
def send_email(self, notification_ids: list[int] | int) -> int:
    """Email these notifications (one ``notify`` call's); those the mail server or the network refused are retried
    with backoff. Returns how many were sent."""
    ids = [notification_ids] if isinstance(notification_ids, int) else list(notification_ids)
    outcome = notification_emails_send(notification_ids=ids)
    transient = {pk: exc for pk, exc in outcome.failed.items() if isinstance(exc, TRANSIENT)}
    if transient and not self.request.is_eager:
        # 1, 2, 4, 8, 16 minutes; the sweep covers anything beyond. Inline (embedded) mode has no delayed retry:
        # the failures are on the rows and the sweep retries them.
        raise self.retry(
            args=[sorted(transient)], exc=next(iter(transient.values())), countdown=60 * 2**self.request.retries
        )
    return len(outcome.sent)


@shared_task(name="notifications.sweep_email", acks_late=True)
def sweep_email() -> int:
    """Periodic safety net: email what a lost task, a broker outage or a failing mail server left unsent."""
    return notification_email_sweep()


@shared_task(name="notifications.send_digests", acks_late=True)
def send_digests() -> int:
    """Once a day: each person with news for the daily digest gets one email (at most one a day)."""
    return len(notification_digests_send().sent)
