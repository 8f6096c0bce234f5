"""django-auditlog's middleware with the actor read when an entry is written, not when the request arrives."""

from __future__ import annotations

from typing import Any

from auditlog.context import auditlog_value
from auditlog.middleware import AuditlogMiddleware
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from accounts.models import User


def _signed_in(request: HttpRequest) -> User | None:
    user = getattr(request, "user", None)
    return user if isinstance(user, User) and user.is_authenticated else None


class AuditActorMiddleware(AuditlogMiddleware):
    """API clients with a token are authenticated by DRF inside the view, after every middleware has run; the
    stock middleware would record their changes without an actor. Reading the request's user lazily, when the
    first entry is written, finds whoever DRF authenticated (DRF sets it on the underlying request)."""

    @staticmethod
    def _get_actor(request: HttpRequest) -> Any:
        return SimpleLazyObject(lambda: _signed_in(request))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # django-auditlog leaves the request's context behind in the thread; without clearing it, work done after
        # the request (a task, a command, the next test) would be recorded under this request's user.
        try:
            response: HttpResponse = super().__call__(request)
        finally:
            auditlog_value.set({})
        return response
