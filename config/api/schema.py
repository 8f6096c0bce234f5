"""OpenAPI pieces shared by every app's API: the one error shape, the usual error responses, and the AutoSchema
that lists on every operation the error statuses it can answer.

The error statuses of an operation follow from what it is (``AutoSchema.error_statuses``), so a new endpoint is
documented exactly without annotations; ``responses={...}`` in ``extend_schema`` still overrides per status.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.request import Request

# Built with inline_serializer because a declared field may not be called `fields` on a Serializer class.
ErrorSerializer = inline_serializer(
    name="Error",
    fields={
        "code": serializers.CharField(
            help_text=_("Machine-readable code, e.g. invalid, not_found, permission_denied.")
        ),
        "detail": serializers.CharField(help_text=_("Human-readable message in the request's language.")),
        "fields": serializers.DictField(
            child=serializers.JSONField(),
            required=False,
            help_text=_(
                "Invalid input only: a list of messages by field name (non_field_errors for the rest); a nested "
                "object's fields, or a list's rows by index, nest the same way."
            ),
        ),
    },
)


_DESCRIPTIONS = {
    400: _("Invalid input or a broken rule; `fields` names each field and its problems."),
    401: _("Not authenticated."),
    403: _("Not allowed."),
    404: _("Not found, or not visible to you."),
    405: _("Method not allowed."),
    415: _("Unsupported media type of the request body."),
    429: _("Too many requests; retry after the time in the Retry-After header."),
    503: _("The database is unreachable; retry after the time in the Retry-After header."),
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    return {status: OpenApiResponse(response=ErrorSerializer, description=_DESCRIPTIONS[status]) for status in statuses}


def report_or_error(name: str, report: type[serializers.Serializer]) -> PolymorphicProxySerializer:
    """A 400 of an import: the per-row report when rows are bad, the one error shape when the request itself is."""
    return PolymorphicProxySerializer(
        component_name=name, serializers=[report, ErrorSerializer], resource_type_field_name=None
    )


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text=_("Line in the file; the header is row 1."))
    column = serializers.CharField()
    reason = serializers.CharField()


class RowReportSerializer(serializers.Serializer):
    """What a CSV or XLSX import did (products, shared instruments): counts and one error per bad cell."""

    total_rows = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    written = serializers.BooleanField()
    errors = RowErrorSerializer(many=True)  # type: ignore[assignment]


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's AutoSchema, with truthful security and every error status an operation can answer."""

    def anonymous_allowed(self) -> bool:
        """Whether the view's permissions let a visitor without credentials make this request."""
        django_request = HttpRequest()
        django_request.method = self.method
        request = Request(django_request)
        request.user = AnonymousUser()
        try:
            return all(permission.has_permission(request, self.view) for permission in self.view.get_permissions())
        except Exception:  # a permission that needs more of a request than a method says nothing here
            return False

    def get_auth(self) -> list[dict[str, Any]]:
        # drf-spectacular knows AllowAny and IsAuthenticatedOrReadOnly only; ask the permissions themselves.
        auths = [auth for auth in super().get_auth() if auth]
        if self.anonymous_allowed():
            auths.append({})
        return auths

    def error_statuses(self, operation: dict[str, Any]) -> list[int]:
        """The error statuses this operation can answer, from its method, parameters, body and view."""
        has_body = self.method in ("POST", "PUT", "PATCH")
        parameters = operation.get("parameters", [])
        in_query = any(p.get("in") == "query" for p in parameters)
        in_path = any(p.get("in") == "path" for p in parameters)
        statuses = []
        if has_body or in_query or operation.get("requestBody"):
            statuses.append(400)
        if self.view.get_authenticators():
            statuses.append(401)  # credentials that are wrong or expired, on any operation that reads them
        if self.method not in permissions.SAFE_METHODS or not self.anonymous_allowed() or in_path:
            statuses.append(403)
        if in_path or in_query:
            statuses.append(404)  # an id that names nothing visible, a page past the last
        if has_body:
            statuses.append(415)
        if self.view.get_throttles():
            statuses.append(429)
        statuses.append(503)
        return statuses

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation["responses"]
        for code in self.error_statuses(operation):
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(
                    OpenApiResponse(response=ErrorSerializer, description=_DESCRIPTIONS[code]), str(code)
                )
        operation["responses"] = dict(sorted(responses.items()))
        return operation
