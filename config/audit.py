"""Audit entries for rows written in bulk.

django-auditlog writes one entry per saved change from model signals; ``bulk_create`` and ``bulk_update`` send
none. Services that write tracked rows in bulk call these helpers so the history stays one entry per changed
row, written in one INSERT, with the actor of the request (set by ``audit.middleware``) or none for a task.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from auditlog.cid import get_cid
from auditlog.context import auditlog_value
from auditlog.diff import model_instance_diff
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.utils.encoding import smart_str


def _actor() -> Any:
    context = auditlog_value.get(None) or {}
    actor = context.get("actor")
    return actor if isinstance(actor, get_user_model()) else None


def audit_bulk(rows: Iterable[tuple[Model | None, Model]], *, action: int | None = None) -> int:
    """One entry per ``(before, after)`` pair that differs (``before`` None: a creation); returns entries written.

    ``before`` must be a separate instance holding the row as it was.
    """
    pairs = list(rows)
    if not pairs or not auditlog.contains(type(pairs[0][1])):
        return 0
    content_type = ContentType.objects.get_for_model(type(pairs[0][1]))
    actor = _actor()
    cid = get_cid()
    entries = []
    for before, after in pairs:
        changes = model_instance_diff(before, after)
        if not changes:
            continue
        entries.append(
            LogEntry(
                content_type=content_type,
                object_pk=str(after.pk),
                object_id=after.pk if isinstance(after.pk, int) else None,
                object_repr=smart_str(after),
                action=action
                if action is not None
                else (LogEntry.Action.CREATE if before is None else LogEntry.Action.UPDATE),
                changes=changes,
                actor=actor,
                actor_email=getattr(actor, "email", None),
                cid=cid,
            )
        )
    LogEntry.objects.bulk_create(entries, batch_size=2000)
    return len(entries)


def audit_bulk_created(rows: Sequence[Model]) -> int:
    """Entries for rows just written with ``bulk_create``."""
    for row in rows:
        # Nothing points at a row just created: the diff reads each reverse one-to-one (a demand's award), which
        # would otherwise be a query per row and relation.
        for relation in row._meta.get_fields():
            if relation.one_to_one and relation.auto_created and not relation.concrete:
                relation.set_cached_value(row, None)  # type: ignore[union-attr]
    return audit_bulk((None, row) for row in rows)
