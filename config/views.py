"""Project-level views: the favicon and the health check."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.db import connection, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import app
from search.backends import get_backend


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page links; send them to the static icon."""
    return redirect(static("favicon.ico"), permanent=True)


def _timed(check: Any) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        detail = check()
    except Exception as exc:  # a health check reports every failure, whatever its type
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    result = {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}
    if isinstance(detail, dict):
        result.update(detail)
    return result


def _check_database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"vendor": connection.vendor}


def _check_cache(backend: BaseCache) -> dict[str, Any]:
    backend.set("healthz", "1", 5)
    if backend.get("healthz") != "1":
        raise RuntimeError("cache did not return the value just written")
    return {"backend": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]}


def _check_broker() -> dict[str, Any]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"mode": "eager"}
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=1)
    return {"mode": "broker"}


def _check_search() -> dict[str, Any]:
    backend = get_backend()
    backend.ping()
    return {"backend": backend.name}


# The whole answer comes within about this many seconds, whatever hangs: a probe (timeout 5 s) must hear from a
# live web process even while Elasticsearch or Redis does not answer.
HEALTHZ_TIMEOUT = 1.0
# Checks of services other than the database run side by side in these threads. A check that hangs keeps its
# thread busy until its own socket timeout; later probes then report it as timed out too, which is the truth.
_CHECKS = ThreadPoolExecutor(max_workers=6, thread_name_prefix="healthz")


def _in_thread(check: Callable[[], Any]) -> dict[str, Any]:
    try:
        return _timed(check)
    finally:
        # Nothing here should open a connection, but if one did it must not outlive the check.
        connections.close_all()


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 while the database answers; cache, broker and search are reported but never fatal."""
    started = time.monotonic()
    # This request's cache object (Django keeps one per thread) is handed to the check's thread.
    threaded: dict[str, Callable[[], Any]] = {
        "cache": functools.partial(_check_cache, caches["default"]),
        "broker": _check_broker,
    }
    inline: dict[str, Callable[[], Any]] = {}
    # The database search backend is the database: checked here, on this request's connection.
    (inline if settings.SEARCH_BACKEND == "database" else threaded)["search"] = _check_search
    pending = {name: _CHECKS.submit(_in_thread, check) for name, check in threaded.items()}
    checks = {"database": _timed(_check_database)}
    checks.update({name: _timed(check) for name, check in inline.items()})
    remaining = max(0.0, HEALTHZ_TIMEOUT - (time.monotonic() - started))
    wait(pending.values(), timeout=remaining)
    for name, future in pending.items():
        if future.done():
            checks[name] = future.result()
        else:
            future.cancel()
            checks[name] = {"ok": False, "error": f"no answer within {HEALTHZ_TIMEOUT:g} s"}
    healthy = checks["database"]["ok"]
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)


@never_cache
@require_GET
def liveness(request: HttpRequest) -> JsonResponse:
    """The process answers: no database, cache or broker (a liveness probe, and the load benchmark's yardstick
    for what the server itself costs per request)."""
    return JsonResponse({"status": "ok"})
