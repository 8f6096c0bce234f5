"""A Redis cache that degrades instead of failing, and whose values cannot run code.

The cache is an optimisation, never a reason for a 500.
While Redis does not answer, reads are misses, writes are dropped and a warning is logged (at most once per
`WARN_EVERY` seconds a process). After a failure the cache stays out of the way for `RETRY_AFTER` seconds, so a
request during an outage does not wait for a connection timeout on every cache call (API throttling reads and
writes the cache on every request).

Django's Redis cache pickles its values, and unpickling runs code: anyone who can write to Redis could run code
in every web and worker process (the matching engine shares whole candidate pools there). Every value is therefore
signed with a key derived from `SECRET_KEY` and unpickled only when its signature holds; a value without a valid
signature is a miss.
"""

from __future__ import annotations

import hmac
import logging
import pickle
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from django.utils.crypto import salted_hmac
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

T = TypeVar("T")

RETRY_AFTER = 5.0
WARN_EVERY = 60.0


SIGNATURE_BYTES = 32


class ForgedValue(Exception):
    """A cached value whose signature does not hold: written by someone without the secret key."""


def _signature(payload: bytes) -> bytes:
    return salted_hmac("config.cache.SignedPickleSerializer", payload, algorithm="sha256").digest()


class SignedPickleSerializer:
    """Django's Redis serializer (integers stay plain so `incr` works), with every pickle signed."""

    def __init__(self, protocol: int | None = None) -> None:
        self.protocol = pickle.HIGHEST_PROTOCOL if protocol is None else protocol

    def dumps(self, obj: Any) -> int | bytes:
        if type(obj) is int:
            return obj
        payload = pickle.dumps(obj, self.protocol)
        return _signature(payload) + payload

    def loads(self, data: Any) -> Any:
        try:
            return int(data)
        except ValueError:
            pass
        signature, payload = data[:SIGNATURE_BYTES], data[SIGNATURE_BYTES:]
        if not hmac.compare_digest(signature, _signature(payload)):
            raise ForgedValue("cached value with an invalid signature")
        return pickle.loads(payload)


class ResilientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS") or {})
        options.setdefault("serializer", "config.cache.SignedPickleSerializer")
        super().__init__(server, {**params, "OPTIONS": options})
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._last_warning = 0.0

    @property
    def is_available(self) -> bool:
        """False while the cache is skipped after a failure."""
        return time.monotonic() >= self._down_until

    def _guarded(self, operation: str, call: Callable[[], T], fallback: T) -> T:
        if not self.is_available:
            return fallback
        try:
            return call()
        except ForgedValue:
            logger.error("cache: a value in Redis has no valid signature (written from outside?); ignored")
            return fallback
        except (RedisError, OSError) as exc:
            now = time.monotonic()
            with self._lock:
                self._down_until = now + RETRY_AFTER
                warn = now - self._last_warning >= WARN_EVERY
                if warn:
                    self._last_warning = now
            if warn:
                logger.warning(
                    "cache: Redis did not answer (%s on %s); reads are misses and writes are dropped for now",
                    type(exc).__name__,
                    operation,
                )
            return fallback

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._guarded("add", lambda: super(ResilientRedisCache, self).add(key, value, timeout, version), False)

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._guarded("get", lambda: super(ResilientRedisCache, self).get(key, default, version), default)

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        self._guarded("set", lambda: super(ResilientRedisCache, self).set(key, value, timeout, version), None)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._guarded("touch", lambda: super(ResilientRedisCache, self).touch(key, timeout, version), False)

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._guarded("delete", lambda: super(ResilientRedisCache, self).delete(key, version), False)

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        return self._guarded("get_many", lambda: super(ResilientRedisCache, self).get_many(keys, version), {})

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._guarded("has_key", lambda: super(ResilientRedisCache, self).has_key(key, version), False)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        # A missing key still raises ValueError (callers rely on it); an outage pretends the count starts anew.
        return self._guarded("incr", lambda: super(ResilientRedisCache, self).incr(key, delta, version), delta)

    def set_many(self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> list[Any]:
        return self._guarded(
            "set_many", lambda: super(ResilientRedisCache, self).set_many(data, timeout, version), list(data)
        )

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        self._guarded("delete_many", lambda: super(ResilientRedisCache, self).delete_many(keys, version), None)

    def clear(self) -> None:
        self._guarded("clear", lambda: super(ResilientRedisCache, self).clear(), None)
