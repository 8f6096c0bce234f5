"""Celery entry points: thin wrappers over the services."""

from __future__ import annotations

from celery import shared_task

from procurement.services import demand_expire_overdue, quotes_open_due


@shared_task(name="procurement.expire_demands", acks_late=True)
def expire_demands() -> int:
    """Expire open demands past their deadline and tell their owners (idempotent)."""
    return len(demand_expire_overdue().expired_ids)


@shared_task(name="procurement.open_sealed_quotes", acks_late=True)
def open_sealed_quotes() -> int:
    """Open the sealed quotes of demands past their deadline and tell the makers and buyers once (idempotent)."""
    return len(quotes_open_due())
