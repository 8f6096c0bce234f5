"""Who is asking: the client's address as the trusted proxies in front of the platform saw it."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's address, the same one DRF's throttles key on (`NUM_PROXIES` is `TRUSTED_PROXY_COUNT`).

    With no trusted proxy it is the socket's peer (`REMOTE_ADDR`); anything the client wrote in X-Forwarded-For is
    ignored. Behind N trusted proxies it is the N-th address from the right of X-Forwarded-For: the one the
    outermost trusted proxy saw; addresses further left were written by the client and may be forged.
    """
    remote = request.META.get("REMOTE_ADDR") or ""
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if count == 0 or not forwarded:
        return remote
    addresses = [part.strip() for part in forwarded.split(",")]
    return addresses[-min(count, len(addresses))]
