"""Whole responses for anonymous visitors, kept in the cache and dropped by every published change.

Most requests are anonymous reads of the same few public URLs (the home page, a demand page, the product list
and search of the API), and each costs tens of database queries to build. The middleware keeps the answer of the
views named in ``ANONYMOUS_CACHE_VIEWS`` for ``ANONYMOUS_CACHE_SECONDS``, keyed by the URL (host, scheme, path
and query), the language and the `Accept` header. Every entry carries the cache *version* it was built under; the
change outbox's ``response_cache`` consumer moves the version on for every change of a public entity (a product
published, a demand opened, a report...), so the next anonymous request after the outbox is processed builds the
page again. The seconds bound what changes outside the outbox (a deadline passing) take to show. While one request
builds a stale entry again, the requests arriving meanwhile get the stale copy (at most ``REBUILD_SECONDS``).

What is never kept or served from the cache, so no one's private page or token reaches someone else:
- a request that is not a GET, that names a user (an `Authorization` header, any cookie but the CSRF and language
  cookies: a session cookie means a signed-in visitor or one with messages waiting), or that htmx sends;
- an answer that is not a 200, sets a cookie, says `private`/`no-store`/`no-cache`, or used the CSRF token (a
  page with a form for the visitor: the token is tied to the visitor's cookie).

The cache fails open (config.cache.ResilientRedisCache): with Redis down every request is built as usual. Answers
served from the cache skip the API's rate counting (they cost no database work). Conditional requests are answered
by Django's ConditionalGetMiddleware in front: each entry keeps its ETag and the time it was built as
Last-Modified, so a client that revalidates gets a 304 until the content changes.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.cache import cc_delim_re, set_response_etag
from django.utils.http import http_date

logger = logging.getLogger(__name__)

VERSION_KEY = "response-cache:version"
ENTRY_KEY = "response-cache:entry:{}"
REBUILD_KEY = "response-cache:rebuilding:{}"
# At most this long one request rebuilds an entry while the others get the stale copy.
REBUILD_SECONDS = 30
# The outbox consumer's name and the entities whose changes anonymous visitors can see.
CONSUMER = "response_cache"
PUBLIC_ENTITIES = ("product", "demand", "category", "report", "domestic_rule")
# Headers that belong to one answer only: never replayed from the cache.
_UNCACHED_HEADERS = {"set-cookie", "date", "expires", "x-response-cache"}
_NOT_FOR_SHARING = {"private", "no-store", "no-cache"}


def response_cache_invalidate() -> None:
    """Every kept answer is dropped: the next anonymous request of each URL builds it again."""
    # A new version, not a delete: entries of other versions are never served and expire on their own.
    cache.set(VERSION_KEY, time.time_ns(), timeout=None)


def response_cache_consume(changes: Sequence[object]) -> None:
    """The outbox consumer: any change of a public entity invalidates the kept answers (once per batch)."""
    if changes:
        response_cache_invalidate()


def _cacheable_request(request: HttpRequest) -> bool:
    if request.method != "GET" or "HTTP_AUTHORIZATION" in request.META or "HTTP_HX_REQUEST" in request.META:
        return False
    harmless = {settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME}
    return all(name in harmless for name in request.COOKIES)


def _cacheable_view(request: HttpRequest) -> bool:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return match.view_name in settings.ANONYMOUS_CACHE_VIEWS


def _key(request: HttpRequest) -> str:
    language = translation.get_language_from_request(request)
    parts = [
        request.scheme or "",
        request.get_host(),
        request.get_full_path(),
        language,
        request.META.get("HTTP_ACCEPT", ""),
    ]
    return ENTRY_KEY.format(hashlib.sha256("\n".join(parts).encode()).hexdigest())


def _storable(request: HttpRequest, response: HttpResponse) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return False
    directives = {part.split("=")[0].strip().lower() for part in cc_delim_re.split(response.get("Cache-Control", ""))}
    return not (directives & _NOT_FOR_SHARING or response.get("Vary", "").strip() == "*")


def _replay(entry: dict[str, Any], state: str) -> HttpResponse:
    response = HttpResponse(entry["content"], status=200)
    for name, value in entry["headers"]:
        response[name] = value
    response["X-Response-Cache"] = state
    return response


class AnonymousResponseCacheMiddleware:
    """Serves and keeps anonymous answers of the views in ``ANONYMOUS_CACHE_VIEWS`` (see the module)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        seconds = settings.ANONYMOUS_CACHE_SECONDS
        if seconds <= 0 or not _cacheable_request(request) or not _cacheable_view(request):
            return self.get_response(request)
        key = _key(request)
        # One round trip reads the version and the entry.
        found = cache.get_many([VERSION_KEY, key])
        version = found.get(VERSION_KEY, 0)
        entry = found.get(key)
        rebuilding = None
        if isinstance(entry, dict):
            if entry.get("version") == version and time.time() - entry.get("built", 0) < seconds:
                return _replay(entry, "hit")
            # Stale (older than the seconds, or built before a change): the first request builds it again, and the
            # ones arriving meanwhile get this copy rather than all building the same page at once (the home page
            # costs seconds when its figures are due too, and sixteen of those at once stall a small server).
            rebuilding = REBUILD_KEY.format(key)
            if not cache.add(rebuilding, 1, REBUILD_SECONDS):
                return _replay(entry, "stale")
        try:
            response = self.get_response(request)
            if _storable(request, response):
                self._keep(key, version, response, seconds)
        finally:
            if rebuilding:
                cache.delete(rebuilding)
        return response

    @staticmethod
    def _keep(key: str, version: int, response: HttpResponse, seconds: int) -> None:
        if not response.has_header("Last-Modified"):
            response["Last-Modified"] = http_date()
        if not response.has_header("ETag"):
            set_response_etag(response)
        entry = {
            "version": version,
            "built": time.time(),
            "content": response.content,
            "headers": [(k, v) for k, v in response.items() if k.lower() not in _UNCACHED_HEADERS],
        }
        # Kept past its seconds so that a stale copy can stand in while it is built again.
        cache.set(key, entry, seconds * 2 + REBUILD_SECONDS)
        response["X-Response-Cache"] = "miss"
