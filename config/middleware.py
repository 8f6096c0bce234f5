"""Project middleware: answers while the database is down, and the Content-Security-Policy header."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.defaults import server_error as default_server_error

logger = logging.getLogger(__name__)

# Seconds a client is asked to wait before retrying while the database is unreachable.
RETRY_AFTER_SECONDS = 30


def _database_unavailable(error: BaseException) -> bool:
    # OperationalError covers "connection refused", "server closed the connection", "the database system is
    # starting up"; InterfaceError a connection that is already gone. Other database errors are bugs: 500.
    return isinstance(error, (OperationalError, InterfaceError))


def service_unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 in the API's error shape for `/api/`, a plain page (no database, no base template) otherwise."""
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {
                "code": "service_unavailable",
                "detail": _("The service is temporarily unavailable. Try again in a moment."),
            },
            status=503,
        )
    else:
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Turns "the database does not answer" into a 503 (JSON for the API) instead of an HTML 500.

    The database is the source of truth: nothing can be served without it, but clients should hear that this is
    temporary. Errors raised outside views (a session saved on the way out) reach `handler500` below.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not _database_unavailable(exception):
            return None
        logger.error("database unavailable while serving %s: %s", request.path, exception)
        return service_unavailable_response(request)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a 503 when the failure was the database being down, else the usual 500 page."""
    error = sys.exc_info()[1]
    if error is not None and _database_unavailable(error):
        return service_unavailable_response(request)
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "server_error", "detail": _("Server error.")}, status=500)
    return default_server_error(request)


class ContentSecurityPolicyMiddleware:
    """Sends the CONTENT_SECURITY_POLICY setting on every response that does not set its own.

    The pages run no inline script (their scripts are static files), so `script-src 'self'` holds everywhere,
    the admin and the Swagger UI included.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = settings.CONTENT_SECURITY_POLICY
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response
