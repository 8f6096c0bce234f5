"""Project middleware: answers while the database is down, the platform's own error pages while DEBUG is on
(`make run`), and the Content-Security-Policy header."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string
from django.urls import Resolver404, get_resolver
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.defaults import server_error as default_server_error

logger = logging.getLogger(__name__)

# Seconds a client is asked to wait before retrying while the database is unreachable.
RETRY_AFTER_SECONDS = 30
# Django answers these with its 400 and 403 pages (the platform's templates) whatever DEBUG says.
HANDLED_BY_DJANGO = (PermissionDenied, BadRequest, SuspiciousOperation, MultiPartParserError)


def _database_unavailable(error: BaseException) -> bool:
    # OperationalError covers "connection refused", "server closed the connection", "the database system is
    # starting up"; InterfaceError a connection that is already gone. Other database errors are bugs: 500.
    return isinstance(error, (OperationalError, InterfaceError))


def service_unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 in the API's error shape for `/api/`, a plain page (no database, no base template) otherwise."""
    response: HttpResponse
    if is_api(request):
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


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def api_error(code: str, detail: str, status: int) -> JsonResponse:
    """The API's one error shape (config.api.errors) for answers that never reach a DRF view."""
    return JsonResponse({"code": code, "detail": detail}, status=status)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: under `/api/` a JSON 404 (a URL no route takes, an id that does not fit its route)."""
    if is_api(request):
        return api_error("not_found", _("Not found."), 404)
    return defaults.page_not_found(request, exception or Http404())


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400 (a disallowed host, a broken upload): JSON under `/api/`."""
    if is_api(request):
        return api_error("bad_request", _("Bad request."), 400)
    return defaults.bad_request(request, exception or BadRequest())


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler403: JSON under `/api/`."""
    if is_api(request):
        return api_error("permission_denied", str(exception or "") or _("Not allowed."), 403)
    return defaults.permission_denied(request, exception or PermissionDenied())


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a 503 when the failure was the database being down, else the usual 500 page."""
    error = sys.exc_info()[1]
    if error is not None and _database_unavailable(error):
        return service_unavailable_response(request)
    if is_api(request):
        return api_error("server_error", _("Server error."), 500)
    return default_server_error(request)


class FriendlyErrorPagesMiddleware:
    """With DEBUG on, answer a missing page or a crash with the platform's 404 and 500 pages, not Django's.

    With DEBUG off Django already renders templates/404.html and `handler500`. The embedded platform (`make run`)
    runs with DEBUG on and is what people first try, so it shows them the same pages in their language; the
    traceback of a crash still goes to the console. DJANGO_DEBUG_ERROR_PAGES=true brings Django's technical pages
    back for debugging.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @staticmethod
    def _active() -> bool:
        return bool(settings.DEBUG) and not settings.DEBUG_ERROR_PAGES

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._active():
            try:
                get_resolver(getattr(request, "urlconf", None)).resolve(request.path_info)
            except Resolver404 as exc:
                return page_not_found(request, exc)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # A database outage is left to DatabaseUnavailableMiddleware (a 503), which comes after this one.
        if not self._active() or isinstance(exception, HANDLED_BY_DJANGO) or _database_unavailable(exception):
            return None
        if isinstance(exception, Http404):
            return page_not_found(request, exception)
        logging.getLogger("django.request").error("Internal Server Error: %s", request.path, exc_info=exception)
        return server_error(request)


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
