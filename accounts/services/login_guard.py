"""Slowing down password guessing on the log-in page (the API token endpoint has its own throttle)."""

from __future__ import annotations

import hashlib

from django.core.cache import cache

# After this many failures for one address from one client within the window, log-in waits for the window.
MAX_FAILURES = 10
WINDOW_SECONDS = 15 * 60


def _key(*, email: str, client_ip: str) -> str:
    digest = hashlib.sha256(f"{email.strip().lower()}|{client_ip}".encode()).hexdigest()[:32]
    return f"login-failures:{digest}"


def login_is_blocked(*, email: str, client_ip: str) -> bool:
    return int(cache.get(_key(email=email, client_ip=client_ip), 0)) >= MAX_FAILURES


def login_failure_record(*, email: str, client_ip: str) -> None:
    key = _key(email=email, client_ip=client_ip)
    # add() starts the window on the first failure; later failures do not extend it.
    if not cache.add(key, 1, WINDOW_SECONDS):
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, WINDOW_SECONDS)


def login_failures_clear(*, email: str, client_ip: str) -> None:
    cache.delete(_key(email=email, client_ip=client_ip))
