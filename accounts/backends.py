"""The authentication backend of every log-in: Django's, with the log-in guard around it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from accounts.models import User
from accounts.services import login_guard
from config.clients import client_address

# Set on the request when the guard refused an attempt, so the form or API can say how long to wait.
WAIT_ATTRIBUTE = "login_wait_seconds"


def login_wait_of(request: Any) -> int:
    """Seconds the guard asked this request's log-in to wait (0 when it did not refuse it)."""
    return int(getattr(request, WAIT_ATTRIBUTE, 0) or 0)


class GuardedModelBackend(ModelBackend):
    """Page log-in, the admin's log-in and the API token all call `authenticate(request, ...)`, so all are guarded.

    A refused attempt raises PermissionDenied, which makes Django stop trying backends; the password is not even
    checked, so waiting attempts tell an attacker nothing.
    """

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if request is None:  # management commands and the shell: nobody guessing over the network
            return super().authenticate(request, username=username, password=password, **kwargs)
        email = username or kwargs.get("email") or ""
        client_ip = client_address(request)
        wait = login_guard.login_wait_seconds(email=email, client_ip=client_ip)
        if wait:
            setattr(request, WAIT_ATTRIBUTE, wait)
            raise PermissionDenied
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            login_guard.login_failure_record(email=email, client_ip=client_ip)
        else:
            login_guard.login_success_record(email=email, client_ip=client_ip)
        return user
