"""Celery tasks: thin wrappers over the webhook services; a redelivered task finds nothing left to do."""

from __future__ import annotations

from celery import shared_task

from config.queue import enqueue
from feed import webhooks


def _kick(endpoint_ids: list[int]) -> None:
    for endpoint_id in endpoint_ids:
        enqueue(send, endpoint_id)


@shared_task(name="feed.webhooks_fan_out", acks_late=True)
def fan_out() -> int:
    """New feed entries become deliveries; each endpoint with new ones gets a sender. Kicked after the feed
    commits entries."""
    touched = webhooks.webhooks_fan_out()
    _kick(touched)
    return len(touched)


@shared_task(name="feed.webhooks_send", bind=True, acks_late=True)
def send(self, endpoint_id: int) -> int:
    """One endpoint's due deliveries, in order; a failure schedules this task again for the retry."""
    report = webhooks.webhook_send(endpoint_id=endpoint_id)
    if self.request.is_eager:
        # Inline (embedded) mode cannot wait: retries and the rest of a long queue are left to the sweep.
        return report.delivered
    if report.more:
        enqueue(send, endpoint_id)
    elif report.retry_at is not None:
        send.apply_async(args=(endpoint_id,), eta=report.retry_at, retry=False)
    return report.delivered


@shared_task(name="feed.webhooks_sweep", acks_late=True)
def sweep() -> int:
    """Safety net: entries a lost kick left, and retries that fell due, are sent."""
    webhooks.webhooks_fan_out()
    due = webhooks.endpoints_due()
    _kick(due)
    return len(due)
