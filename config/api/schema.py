"""OpenAPI pieces shared by every app's API: the one error shape and the usual error responses.

Use in annotations as ``responses={200: MySerializer, **error_responses(400, 403, 404)}``.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, inline_serializer
from rest_framework import serializers

# Built with inline_serializer because a declared field may not be called `fields` on a Serializer class.
ErrorSerializer = inline_serializer(
    name="Error",
    fields={
        "code": serializers.CharField(
            help_text=_("Machine-readable code, e.g. invalid, not_found, permission_denied.")
        ),
        "detail": serializers.CharField(help_text=_("Human-readable message in the request's language.")),
        "fields": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            required=False,
            help_text=_("Invalid input only: messages by field name; non_field_errors for the rest."),
        ),
    },
)


_DESCRIPTIONS = {
    400: _("Invalid input or a broken rule; `fields` names each field and its problems."),
    401: _("Not authenticated."),
    403: _("Not allowed."),
    404: _("Not found, or not visible to you."),
    429: _("Too many requests; retry after the time in the Retry-After header."),
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
