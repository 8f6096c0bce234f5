"""Who consumes the change outbox. Apps register their consumer in ``AppConfig.ready``; the outbox never imports
them, so a lower app's change reaches a higher app's consumer without the lower app knowing it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from changes.models import Change


class RetryLater(Exception):
    """Raised by a consumer for a transient failure (a backend down): the batch stays pending and is retried."""


@dataclass(frozen=True)
class Consumer:
    name: str
    # The entities it takes, or a function naming them (read when a change is recorded).
    entities: frozenset[str] | Callable[[], Iterable[str]]
    # Takes one batch; may raise RetryLater.
    handle: Callable[[Sequence[Change]], object]
    batch_size: int = 500
    # True: the batch is marked done in the transaction of ``handle``'s writes, so a crash leaves both undone and
    # a redelivered batch finds nothing to do. False for work outside the database (an Elasticsearch index).
    atomic: bool = False
    # Changes whose fields are all in this set do not concern the consumer (a document upload for matching).
    ignores_fields: frozenset[str] = frozenset()

    def wants(self, entity: str, fields: Sequence[str]) -> bool:
        entities = self.entities if isinstance(self.entities, frozenset) else frozenset(self.entities())
        if entity not in entities:
            return False
        return not (fields and set(fields) <= self.ignores_fields)


_CONSUMERS: dict[str, Consumer] = {}


def register(
    name: str,
    *,
    entities: Sequence[str] | Callable[[], Iterable[str]],
    handle: Callable[[Sequence[Change]], object],
    batch_size: int = 500,
    atomic: bool = False,
    ignores_fields: Sequence[str] = (),
) -> Consumer:
    if len(name) > 32:
        raise ValueError(f"consumer name {name!r} is longer than 32 characters")
    consumer = Consumer(
        name=name,
        entities=entities if callable(entities) else frozenset(entities),
        handle=handle,
        batch_size=batch_size,
        atomic=atomic,
        ignores_fields=frozenset(ignores_fields),
    )
    _CONSUMERS[name] = consumer
    return consumer


def consumer(name: str) -> Consumer:
    try:
        return _CONSUMERS[name]
    except KeyError:
        raise LookupError(f"no change consumer {name!r} is registered") from None


def consumers() -> list[Consumer]:
    return [_CONSUMERS[name] for name in sorted(_CONSUMERS)]
