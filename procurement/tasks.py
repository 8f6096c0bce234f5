"""Celery entry points: thin wrappers over the services."""

from __future__ import annotations

from celery import shared_task

from procurement.services import demand_expire_overdue


@shared_task(name="procurement.expire_demands", acks_late=True)
def expire_demands() -> int:
    """Expire open demands past their deadline and tell their owners (idempotent)."""
    return len(demand_expire_overdue().expired_ids)
