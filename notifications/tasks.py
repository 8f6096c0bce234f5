"""Celery tasks: thin wrappers over the email service; sending twice is prevented by the row lock and CAS."""

from __future__ import annotations

import logging

from celery import shared_task

from notifications.email import notification_email_send, notification_email_sweep

logger = logging.getLogger(__name__)

MAX_RETRIES = 5
# Errors worth retrying: the mail server or the network (smtplib's errors are OSErrors).
TRANSIENT = (OSError,)


@shared_task(name="notifications.send_email", bind=True, acks_late=True, max_retries=MAX_RETRIES)
def send_email(self, notification_id: int) -> bool:
    """Email one notification; retried with backoff while the mail server is unreachable."""
    try:
        return notification_email_send(notification_id=notification_id)
    except TRANSIENT as exc:
        if self.request.is_eager:
            # Inline (embedded) mode has no delayed retry: the failure is on the row and the sweep retries it.
            return False
        # 1, 2, 4, 8, 16 minutes; the sweep covers anything beyond.
        raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from exc


@shared_task(name="notifications.sweep_email", acks_late=True)
def sweep_email() -> int:
    """Periodic safety net: email what a lost task, a broker outage or a failing mail server left unsent."""
    return notification_email_sweep()
