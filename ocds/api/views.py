"""``/api/v1/ocds/``: release packages (paged, by date), records by ocid, and one bulk release package per month."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from ocds.packages import record_package, release_package, releases_for
from ocds.releases import demand_id_for
from ocds.selectors import release_index

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class ReleaseQuerySerializer(serializers.Serializer):
    date_from = serializers.DateField(required=False, help_text="Releases dated on or after this day.")
    date_to = serializers.DateField(required=False, help_text="Releases dated on or before this day.")
    page = serializers.IntegerField(required=False, min_value=1, default=1)
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=DEFAULT_PAGE_SIZE
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("date_from") and attrs.get("date_to") and attrs["date_from"] > attrs["date_to"]:
            raise ValidationError({"date_to": [_("The end date is before the start date.")]})
        return attrs


OCDS_JSON = OpenApiResponse(OpenApiTypes.OBJECT, description="An OCDS 1.1 package (see the OCDS schema).")


class ReleasePackageView(APIView):
    """Releases of every public demand, oldest first, as OCDS release packages; ``links.next`` pages on."""

    permission_classes = [AllowAny]

    @extend_schema(operation_id="ocds_releases", parameters=[ReleaseQuerySerializer], responses={200: OCDS_JSON})
    def get(self, request: Request) -> Response:
        query = ReleaseQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        since = _midnight(data["date_from"]) if data.get("date_from") else None
        until = _midnight(data["date_to"] + datetime.timedelta(days=1)) if data.get("date_to") else None
        refs = release_index(since=since, until=until)
        size, page = data["page_size"], data["page"]
        chunk = refs[(page - 1) * size : page * size]
        if page > 1 and not chunk:
            raise Http404
        links: dict[str, str] = {}
        if page * size < len(refs):
            links["next"] = request.build_absolute_uri(_page_url(request, page + 1))
        if page > 1:
            links["prev"] = request.build_absolute_uri(_page_url(request, page - 1))
        package = release_package(uri=request.build_absolute_uri(), releases=releases_for(chunk), links=links)
        # An empty page is an answer, not a package (a package holds at least one release).
        if not package["releases"]:
            return Response({"count": 0, "releases": [], "links": links})
        return Response(package, headers={"X-Total-Count": str(len(refs))})


def _page_url(request: Request, page: int) -> str:
    params = request.query_params.copy()
    params["page"] = str(page)
    return f"{request.path}?{params.urlencode()}"


class BulkMonthListView(APIView):
    """The months that have releases, each with its bulk release package."""

    permission_classes = [AllowAny]

    @extend_schema(operation_id="ocds_releases_bulk_months", responses={200: OpenApiResponse(OpenApiTypes.OBJECT)})
    def get(self, request: Request) -> Response:
        counts: dict[str, int] = {}
        for ref in release_index():
            month = timezone.localtime(ref.date).strftime("%Y-%m")
            counts[month] = counts.get(month, 0) + 1
        return Response(
            {
                "results": [
                    {
                        "month": month,
                        "releases": count,
                        "url": reverse("api:ocds-bulk-month", args=[month], request=request),
                    }
                    for month, count in sorted(counts.items())
                ]
            }
        )


class BulkMonthView(APIView):
    """Every release dated in one month (platform time), as one release package to download."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="ocds_releases_bulk_month",
        responses={
            200: OCDS_JSON,
            400: OpenApiResponse(description="Not a month (YYYY-MM)."),
            404: OpenApiResponse(description="No release that month."),
        },
    )
    def get(self, request: Request, month: str) -> Response:
        try:
            first = datetime.datetime.strptime(month, "%Y-%m").date()
        except ValueError:
            raise ValidationError({"month": [_("Give the month as YYYY-MM.")]}) from None
        following = (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        refs = release_index(since=_midnight(first), until=_midnight(following))
        if not refs:
            raise Http404
        package = release_package(uri=request.build_absolute_uri(), releases=releases_for(refs))
        return Response(package, headers={"Content-Disposition": f'attachment; filename="releases-{month}.json"'})


class RecordView(APIView):
    """The record of one contracting process: its releases and the compiled release (``ocdsmerge``)."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="ocds_record", responses={200: OCDS_JSON, 404: OpenApiResponse(description="No public process.")}
    )
    def get(self, request: Request, ocid: str) -> Response:
        demand_id = demand_id_for(ocid)
        package = record_package(uri=request.build_absolute_uri(), demand_id=demand_id) if demand_id else None
        if package is None:
            raise Http404
        return Response(package)
