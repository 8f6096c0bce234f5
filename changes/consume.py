"""Taking changes from the outbox in batches, for one consumer: claim, hand over, mark done.

Claims are compare-and-set leases over rows selected with ``select_for_update(skip_locked=True)``: two workers
never take the same row, a crashed worker's rows come back when the lease runs out, and a batch already done is
never taken again, so a redelivered task changes nothing.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from changes.models import Change, ChangeDelivery
from changes.registry import Consumer, RetryLater, consumer, consumers

logger = logging.getLogger(__name__)

# Rows that failed transiently (a backend down) wait this long before a consumer claims them again.
RETRY_DELAY = datetime.timedelta(seconds=60)
# Changes are kept this long after every consumer took them, so a search rebuild can replay recent ones.
RETENTION = datetime.timedelta(days=2)


def _lease() -> datetime.timedelta:
    lease: datetime.timedelta = settings.CHANGES_LEASE
    return lease


@dataclass
class ConsumeReport:
    consumer: str
    batches: int = 0
    changes: int = 0
    # Transient failures left pending for a later retry.
    failures: list[str] = field(default_factory=list)


def _claim(name: str, limit: int) -> uuid.UUID | None:
    now = timezone.now()
    token = uuid.uuid4()
    claimable = Q(consumer=name, done_at__isnull=True) & (Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
    with transaction.atomic():
        candidates = list(
            ChangeDelivery.objects.select_for_update(skip_locked=True)
            .filter(claimable)
            .order_by("id")
            .values_list("id", flat=True)[:limit]
        )
        if not candidates:
            return None
        # Compare-and-set: only rows still claimable get our token, whatever happened since the select.
        claimed = ChangeDelivery.objects.filter(claimable, id__in=candidates).update(
            claim_token=token, claimed_until=now + _lease(), attempts=F("attempts") + 1
        )
    return token if claimed else None


def _batch(token: uuid.UUID) -> list[Change]:
    return list(Change.objects.filter(deliveries__claim_token=token).order_by("id"))


def _handle(target: Consumer, token: uuid.UUID) -> int:
    """Run the consumer on the claimed batch and mark it done; returns the changes handled."""
    mine = ChangeDelivery.objects.filter(claim_token=token, done_at__isnull=True)
    if target.atomic:
        with transaction.atomic():
            # Lock our rows for the work: if the lease ran out and another worker took them, they are not ours.
            held = list(mine.select_for_update().values_list("id", flat=True))
            if not held:
                return 0
            batch = _batch(token)
            target.handle(batch)
            ChangeDelivery.objects.filter(id__in=held, claim_token=token).update(
                done_at=timezone.now(), claimed_until=None, last_error=""
            )
            return len(batch)
    batch = _batch(token)
    target.handle(batch)
    mine.update(done_at=timezone.now(), claimed_until=None, last_error="")
    return len(batch)


def changes_consume(
    *, consumer_name: str, max_batches: int | None = None, batch_size: int | None = None
) -> ConsumeReport:
    """Hand every pending change of ``consumer_name`` over in batches until none is left.

    A transient failure (RetryLater) leaves its batch pending for ``RETRY_DELAY`` and goes on with the next; it
    is raised at the end for the caller's retry. Any other error releases the batch at once and is raised.
    """
    target = consumer(consumer_name)
    report = ConsumeReport(consumer=target.name)
    failure: RetryLater | None = None
    while max_batches is None or report.batches < max_batches:
        token = _claim(target.name, batch_size or target.batch_size)
        if token is None:
            break
        report.batches += 1
        claimed = ChangeDelivery.objects.filter(claim_token=token, done_at__isnull=True)
        try:
            report.changes += _handle(target, token)
        except RetryLater as exc:
            claimed.update(
                claim_token=None,
                claimed_until=timezone.now() + RETRY_DELAY,
                last_error=f"{type(exc).__name__}: {exc}"[:2000],
            )
            report.failures.append(str(exc))
            failure = exc
        except Exception as exc:
            # A fault in a consumer's code: release the rows at once and let it surface.
            claimed.update(claim_token=None, claimed_until=None, last_error=f"{type(exc).__name__}: {exc}"[:2000])
            raise
    if failure is not None:
        raise failure
    return report


def changes_prune(*, older_than: datetime.timedelta = RETENTION) -> int:
    """Forget changes every consumer took longer ago than ``older_than``; returns how many."""
    cutoff = timezone.now() - older_than
    _total, by_model = Change.objects.filter(created_at__lt=cutoff).exclude(deliveries__done_at__isnull=True).delete()
    return by_model.get(Change._meta.label, 0)


def changes_sweep() -> dict[str, int]:
    """Every consumer takes what is still pending (lost kicks, a broker outage, crashed workers); then prune.

    One consumer's failure does not keep the others from their work. Returns changes handled per consumer.
    """
    handled: dict[str, int] = {}
    for target in consumers():
        try:
            handled[target.name] = changes_consume(consumer_name=target.name).changes
        except RetryLater as exc:
            logger.warning("changes: %s could not take its changes, will retry: %s", target.name, exc)
            handled[target.name] = 0
        except Exception:  # logged; the rows stay pending and the next sweep tries again
            logger.exception("changes: consumer %s failed", target.name)
            handled[target.name] = 0
    changes_prune()
    return handled
