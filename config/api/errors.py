"""One error shape for the whole API.

Every error response is ``{"code": str, "detail": str, "fields": {name: [message, ...]}}``; ``fields`` is
present for validation errors only, and ``non_field_errors`` holds errors that belong to no single field.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.exceptions import ApplicationError


def _flatten(detail: Any) -> Any:
    """Turn DRF's nested ErrorDetail structures into plain strings, lists and dicts."""
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten(item) for item in detail]
    return str(detail)


def _django_validation_fields(exc: DjangoValidationError) -> dict[str, Any]:
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if key == "__all__" else key): [str(m) for m in messages]
            for key, messages in exc.message_dict.items()
        }
    return {"non_field_errors": [str(m) for m in exc.messages]}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        body: dict[str, Any] = {"code": "invalid", "detail": exc.message}
        if exc.field:
            body["fields"] = {exc.field: [exc.message]}
        if isinstance(exc.extra.get("fields"), dict):
            # A service that checks every field reports them all, the way a serializer does.
            body["fields"] = {
                ("non_field_errors" if name == "__all__" else name): messages
                for name, messages in exc.extra["fields"].items()
            }
        if exc.extra:
            body["extra"] = exc.extra
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_django_validation_fields(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        # Services say why someone may not act; keep their reason.
        exc = exceptions.PermissionDenied(str(exc) or None)

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = _flatten(exc.detail)
        if not isinstance(detail, dict):
            detail = {"non_field_errors": detail if isinstance(detail, list) else [detail]}
        response.data = {"code": "invalid", "detail": _("Invalid input."), "fields": detail}
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        response.data = {
            "code": codes if isinstance(codes, str) else "error",
            "detail": str(exc.detail) if not isinstance(exc.detail, (dict, list)) else _flatten(exc.detail),
        }
    return response
