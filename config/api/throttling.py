"""API throttles keyed on the client address the trusted proxies saw (config.clients), like the log-in guard."""

from __future__ import annotations

from rest_framework import throttling
from rest_framework.request import Request

from config.clients import client_address


class _ClientAddressMixin:
    def get_ident(self, request: Request) -> str:
        return client_address(request)


class AnonRateThrottle(_ClientAddressMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(_ClientAddressMixin, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(_ClientAddressMixin, throttling.ScopedRateThrottle):
    pass
