"""The log-in guard: slows down password guessing on every log-in (page, admin, API token) without letting an
attacker lock a real person out.

Three limits, all kept in the database (the source of truth; the guard holds while Redis is lost):
- **per account** (from addresses it never logged in from): after `ACCOUNT_FREE_FAILURES` failures within a day,
  each further attempt waits `ACCOUNT_BACKOFF_START` seconds after the last failure, doubling with each failure
  up to `ACCOUNT_BACKOFF_MAX`. Rotating addresses does not help an attacker, and a person waits at most that long.
- **per account and address**: `PAIR_MAX_FAILURES` failures within `WINDOW` from one address make that address
  wait out the window for that account. It is what limits guessing from an address the account knows.
- **per address** (any account): `ADDRESS_MAX_FAILURES` failures within `WINDOW` make the address wait out the
  window, so one client cannot spray passwords over many accounts.

An address the account logged in from within `KNOWN_ADDRESS_DAYS` is *known*: the per-account backoff does not
apply there, so the owner still gets in from their usual place while someone elsewhere guesses.
Addresses come from `config.clients.client_address` (trusted-proxy aware).
"""

from __future__ import annotations

import ipaddress
import math
from datetime import datetime, timedelta

from django.db.models import Count, Max, Min
from django.utils import timezone

from accounts.models import KnownLoginAddress, LoginFailure

ACCOUNT_FREE_FAILURES = 5
ACCOUNT_BACKOFF_START = 30.0
ACCOUNT_BACKOFF_MAX = 15 * 60.0
ACCOUNT_WINDOW = timedelta(days=1)
PAIR_MAX_FAILURES = 10
ADDRESS_MAX_FAILURES = 50
WINDOW = timedelta(minutes=15)
KNOWN_ADDRESS_DAYS = 90


def _normalize(email: str) -> str:
    return email.strip().lower()[:254]


def _address(client_ip: str) -> str | None:
    try:
        return str(ipaddress.ip_address(client_ip.strip()))
    except ValueError:  # no address, or a forwarded value that is not one
        return None


def _is_known(*, email: str, client_ip: str | None, now: datetime) -> bool:
    if client_ip is None:
        return False
    since = now - timedelta(days=KNOWN_ADDRESS_DAYS)
    return KnownLoginAddress.objects.filter(email=email, client_ip=client_ip, last_success_at__gte=since).exists()


def _seconds_until(moment: datetime | None, now: datetime) -> float:
    return max(0.0, (moment - now).total_seconds()) if moment else 0.0


def account_backoff_seconds(failures: int) -> float:
    """How long the account waits after its last failure, given its failures from unknown addresses."""
    if failures < ACCOUNT_FREE_FAILURES:
        return 0.0
    return min(ACCOUNT_BACKOFF_START * 2 ** (failures - ACCOUNT_FREE_FAILURES), ACCOUNT_BACKOFF_MAX)


def login_wait_seconds(*, email: str, client_ip: str) -> int:
    """Seconds before a log-in attempt for `email` from `client_ip` is considered; 0 means go ahead."""
    email, address, now = _normalize(email), _address(client_ip), timezone.now()
    waits = [0.0]
    recent = LoginFailure.objects.filter(created_at__gte=now - WINDOW)
    if address is not None:
        by_address = recent.filter(client_ip=address).aggregate(n=Count("id"), first=Min("created_at"))
        if by_address["n"] >= ADDRESS_MAX_FAILURES:
            waits.append(_seconds_until(by_address["first"] + WINDOW, now))
        by_pair = recent.filter(client_ip=address, email=email).aggregate(n=Count("id"), first=Min("created_at"))
        if by_pair["n"] >= PAIR_MAX_FAILURES:
            waits.append(_seconds_until(by_pair["first"] + WINDOW, now))
    if not _is_known(email=email, client_ip=address, now=now):
        by_account = LoginFailure.objects.filter(
            email=email, from_known_address=False, created_at__gte=now - ACCOUNT_WINDOW
        ).aggregate(n=Count("id"), last=Max("created_at"))
        backoff = account_backoff_seconds(by_account["n"])
        if backoff:
            waits.append(_seconds_until(by_account["last"] + timedelta(seconds=backoff), now))
    return math.ceil(max(waits))


def login_failure_record(*, email: str, client_ip: str) -> None:
    email, address, now = _normalize(email), _address(client_ip), timezone.now()
    LoginFailure.objects.create(
        email=email, client_ip=address, from_known_address=_is_known(email=email, client_ip=address, now=now)
    )
    # Nothing older than the longest window is ever read again.
    LoginFailure.objects.filter(created_at__lt=now - ACCOUNT_WINDOW).delete()


def login_success_record(*, email: str, client_ip: str) -> None:
    """The address becomes known to the account, and its own earlier failures from there are forgotten."""
    email, address = _normalize(email), _address(client_ip)
    LoginFailure.objects.filter(email=email, client_ip=address).delete()
    if address is not None:
        KnownLoginAddress.objects.update_or_create(
            email=email, client_ip=address, defaults={"last_success_at": timezone.now()}
        )
