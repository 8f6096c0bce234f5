"""Following a ``next`` parameter only where it stays on this site."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next_url(request: HttpRequest, *, fallback: str) -> str:
    """The request's ``next`` (form field, else query parameter) when it points into this site, else ``fallback``.

    Django's own check, as its log-in and language views use: it refuses other hosts, scheme-relative
    ``//evil.example`` and the ``/\\evil.example`` that browsers read as another host.
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback
