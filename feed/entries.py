"""The feed as a consumer of the change outbox: each batch of changes becomes feed entries, in commit order.

Outbox ids are taken from a sequence before their transactions commit, so they commit out of order: a reader
paging by them could pass an id whose transaction had not committed yet and never see it. The feed numbers its
own entries instead, in one serialized step: a batch takes a transaction-level advisory lock before it reads the
objects' states and writes its entries, and keeps it until it commits. An entry's id is therefore taken only after
every entry with a smaller id committed, and a reader that pages by id (``feed.selectors``) sees no gap and no
duplicate while writes go on. (SQLite, the embedded default, serializes every write transaction anyway.)

Kinds come from the objects' public states now, read against the state the object's last entry left it in: a
product published, changed while published, then withdrawn gives three entries; drafts never show.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.models import Max

from catalog.models import Product
from catalog.services.products import PRODUCT_ENTITY
from changes.models import Change
from changes.registry import register as register_consumer
from config.queue import enqueue_on_commit
from feed import tasks
from feed.models import FeedEntry
from matching.models import MatchReport
from matching.reports import REPORT_ENTITY
from procurement.models import Award, Demand
from procurement.policies import PUBLIC_STATUSES as DEMAND_PUBLIC_STATUSES
from procurement.services.awards import AWARD_ENTITY
from procurement.services.demands import DEMAND_ENTITY

CONSUMER = "feed"
BATCH_SIZE = 5000
# The advisory lock that serializes numbering (any constant; advisory locks are per database).
SERIAL_LOCK = 0x66656564  # "feed"
# Changes that are no public change: nothing a feed reader sees differs.
IGNORED_FIELDS: tuple[str, ...] = ()

Kind = FeedEntry.Kind
# A public state read for each id of an entity; "" when the object is not public (a draft, deleted).
StateReader = Callable[[Sequence[int]], dict[int, str]]
# (state before, state now) -> the entry's kind, or None when nothing public changed.
Transition = Callable[[str, str], str | None]


def _product_states(ids: Sequence[int]) -> dict[int, str]:
    return {
        pk: status if status == Product.Status.PUBLISHED else ""
        for pk, status in Product.objects.filter(pk__in=ids).values_list("pk", "status")
    }


def _product_kind(before: str, now: str) -> str | None:
    if now:
        return Kind.PRODUCT_CHANGED if before else Kind.PRODUCT_PUBLISHED
    return Kind.PRODUCT_WITHDRAWN if before else None


def _demand_states(ids: Sequence[int]) -> dict[int, str]:
    return {
        pk: status if status in DEMAND_PUBLIC_STATUSES else ""
        for pk, status in Demand.objects.filter(pk__in=ids).values_list("pk", "status")
    }


_DEMAND_ENDED = {Demand.Status.CLOSED, Demand.Status.EXPIRED}


def _demand_kind(before: str, now: str) -> str | None:
    if now == Demand.Status.OPEN:
        return Kind.DEMAND_CHANGED if before == Demand.Status.OPEN else Kind.DEMAND_OPENED
    if now == Demand.Status.AWARDED:
        return Kind.DEMAND_AWARDED if before != Demand.Status.AWARDED else None
    if now in _DEMAND_ENDED:
        return Kind.DEMAND_CLOSED if before not in _DEMAND_ENDED else None
    # Gone from public view (cancelled, deleted) while it was open: it closed for the reader.
    return Kind.DEMAND_CLOSED if before == Demand.Status.OPEN else None


def _report_states(ids: Sequence[int]) -> dict[int, str]:
    return {
        pk: status if status == MatchReport.Status.PUBLISHED else ""
        for pk, status in MatchReport.objects.filter(pk__in=ids).values_list("pk", "status")
    }


def _award_states(ids: Sequence[int]) -> dict[int, str]:
    # An award notice is public from the moment the award is made.
    return dict.fromkeys(Award.objects.filter(pk__in=ids).values_list("pk", flat=True), "published")


def _published_once(kind: str) -> Transition:
    def transition(before: str, now: str) -> str | None:
        return kind if now and not before else None

    return transition


@dataclass(frozen=True)
class Source:
    entity: str
    states: StateReader
    transition: Transition


SOURCES: dict[str, Source] = {
    source.entity: source
    for source in (
        Source(PRODUCT_ENTITY, _product_states, _product_kind),
        Source(DEMAND_ENTITY, _demand_states, _demand_kind),
        Source(REPORT_ENTITY, _report_states, _published_once(Kind.REPORT_PUBLISHED)),
        Source(AWARD_ENTITY, _award_states, _published_once(Kind.AWARD_PUBLISHED)),
    )
}


def _serialize() -> None:
    """Hold the feed's numbering lock until this transaction ends (the consumer's batch is atomic)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SERIAL_LOCK])


def _last_states(entity: str, ids: Iterable[int]) -> dict[int, str]:
    last_ids = (
        FeedEntry.objects.filter(entity=entity, object_id__in=list(ids))
        .values("object_id")
        .annotate(last=Max("id"))
        .values_list("last", flat=True)
    )
    return dict(FeedEntry.objects.filter(id__in=list(last_ids)).values_list("object_id", "state"))


def feed_take(changes: Sequence[Change]) -> list[FeedEntry]:
    """Turn a batch of changes into feed entries (one per object at most), numbered in commit order."""
    _serialize()
    # The latest change of each object; entries follow the order of those changes.
    latest: dict[tuple[str, int], Change] = {}
    for change in sorted(changes, key=lambda c: c.pk):
        if change.entity in SOURCES:
            latest[(change.entity, change.object_id)] = change
    by_entity: dict[str, list[int]] = {}
    for entity, object_id in latest:
        by_entity.setdefault(entity, []).append(object_id)
    now_states: dict[tuple[str, int], str] = {}
    before_states: dict[tuple[str, int], str] = {}
    for entity, ids in by_entity.items():
        now_states.update({(entity, pk): state for pk, state in SOURCES[entity].states(ids).items()})
        before_states.update({(entity, pk): state for pk, state in _last_states(entity, ids).items()})
    entries = []
    for key, change in sorted(latest.items(), key=lambda item: item[1].pk):
        entity, object_id = key
        now = now_states.get(key, "")
        kind = SOURCES[entity].transition(before_states.get(key, ""), now)
        if kind is not None:
            entries.append(
                FeedEntry(kind=kind, entity=entity, object_id=object_id, state=now, occurred_at=change.created_at)
            )
    written = FeedEntry.objects.bulk_create(entries)
    if written:
        # Webhook endpoints hear of the new entries once they commit.
        enqueue_on_commit(tasks.fan_out, once=True)
    return written


def register() -> None:
    register_consumer(CONSUMER, entities=tuple(SOURCES), handle=feed_take, batch_size=BATCH_SIZE, atomic=True)
