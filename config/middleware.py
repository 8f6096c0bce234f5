"""Project middleware: the platform's own error pages while DEBUG is on (`make run`)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import Resolver404, get_resolver
from django.views import defaults

logger = logging.getLogger("django.request")
# Django answers these with its 400 and 403 pages (the platform's templates) whatever DEBUG says.
HANDLED_BY_DJANGO = (PermissionDenied, BadRequest, SuspiciousOperation, MultiPartParserError)


class FriendlyErrorPagesMiddleware:
    """With DEBUG on, answer a missing page or a crash with the platform's 404 and 500 pages, not Django's.

    With DEBUG off Django already renders templates/404.html and 500.html. The embedded platform (`make run`)
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
                return defaults.page_not_found(request, exc)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not self._active():
            return None
        if isinstance(exception, Http404):
            return defaults.page_not_found(request, exception)
        if isinstance(exception, HANDLED_BY_DJANGO):
            return None
        logger.error("Internal Server Error: %s", request.path, exc_info=exception)
        return defaults.server_error(request)
