"""Search backends: ``database`` (the embedded default) and ``elasticsearch``; ``SEARCH_BACKEND`` chooses."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from search.backends.base import BackendResult, RebuildReport, SearchBackend, SearchUnavailable
from search.backends.database import DatabaseBackend

__all__ = [
    "BackendResult",
    "DatabaseBackend",
    "RebuildReport",
    "SearchBackend",
    "SearchUnavailable",
    "database_backend",
    "get_backend",
    "index_backends",
]


@lru_cache(maxsize=4)
def _elasticsearch(url: str) -> SearchBackend:
    from search.backends.elasticsearch import ElasticsearchBackend

    return ElasticsearchBackend(url)


def database_backend() -> DatabaseBackend:
    return DatabaseBackend()


def get_backend() -> SearchBackend:
    """The configured backend. Its ``ping()`` raises SearchUnavailable when it cannot serve searches."""
    name = settings.SEARCH_BACKEND
    if name == "database":
        return database_backend()
    if name == "elasticsearch":
        if not settings.ELASTICSEARCH_URL:
            raise ImproperlyConfigured("SEARCH_BACKEND is 'elasticsearch' but ELASTICSEARCH_URL is not set.")
        return _elasticsearch(settings.ELASTICSEARCH_URL)
    raise ImproperlyConfigured(f"Unknown SEARCH_BACKEND {name!r}; use 'database' or 'elasticsearch'.")


def index_backends() -> list[SearchBackend]:
    """Every index the outbox keeps fresh: the database one always (the fallback when Elasticsearch is down),
    plus the configured backend when it is another."""
    backends: list[SearchBackend] = [database_backend()]
    configured = get_backend()
    if configured.name != "database":
        backends.append(configured)
    return backends
