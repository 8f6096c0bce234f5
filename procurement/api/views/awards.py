"""`awards`: the public award notices, and the buyer's confirmation of the contract."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.models import Category
from catalog.tabular import DOWNLOAD_CHUNK, csv_stream, xlsx_download
from config.api.downloads import XLSX_TYPE, csv_response, downloadable_pagination, xlsx_response
from config.api.schema import error_responses
from procurement import downloads, selectors, services
from procurement.api.comparison import AwardNoticeSerializer
from procurement.api.views.common import EDIT_ERRORS
from procurement.models import Award

NOTICE_FILTERS = [
    OpenApiParameter("category", str, description="A category code: its subtree's awards."),
    OpenApiParameter("flagged", bool, description="Only imports although a domestic product met the requirements."),
]
DOWNLOAD_DESCRIPTION = (
    "Every award notice the filters select, oldest first. Row 1 holds the column keys, documented in the README "
    "(Open data)."
)


@extend_schema_view(
    list=extend_schema(summary="Award notices (public)", parameters=NOTICE_FILTERS),
    retrieve=extend_schema(summary="One award notice (public)"),
)
class AwardViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [permissions.AllowAny]
    serializer_class = AwardNoticeSerializer
    filter_backends: list[Any] = []
    queryset = Award.objects.none()
    pagination_class = downloadable_pagination("award")

    def _notice_filters(self) -> tuple[Category | None, bool | None]:
        category = None
        code = self.request.query_params.get("category")
        if code:
            category = Category.objects.filter(code=code).first()
            if category is None:
                raise serializers.ValidationError({"category": [_("No such category.")]})
        flagged_text = self.request.query_params.get("flagged")
        flagged = None
        if flagged_text:
            if flagged_text not in ("true", "false", "1", "0"):
                raise serializers.ValidationError({"flagged": [_("Give true or false.")]})
            flagged = flagged_text in ("true", "1")
        return category, flagged

    def get_queryset(self) -> QuerySet[Award]:
        category, flagged = self._notice_filters()
        return selectors.award_notice_list(category=category, flagged=flagged)

    def _download_rows(self) -> Iterator[Award]:
        category, flagged = self._notice_filters()
        rows = selectors.award_notice_download_list(category=category, flagged=flagged)
        return rows.iterator(chunk_size=DOWNLOAD_CHUNK)

    @extend_schema(
        summary="Award notices as CSV (open data)",
        description=DOWNLOAD_DESCRIPTION,
        parameters=NOTICE_FILTERS,
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY), **error_responses(400)},
    )
    @action(detail=False, methods=["get"], url_path="download/csv", pagination_class=None)
    def download_csv(self, request: Request) -> StreamingHttpResponse:
        columns = downloads.award_columns(request.build_absolute_uri("/"))
        return csv_response(csv_stream(columns, self._download_rows()), filename="award-notices.csv")

    @extend_schema(
        summary="Award notices as XLSX (open data)",
        description=DOWNLOAD_DESCRIPTION,
        parameters=NOTICE_FILTERS,
        responses={(200, XLSX_TYPE): OpenApiResponse(OpenApiTypes.BINARY), **error_responses(400)},
    )
    @action(detail=False, methods=["get"], url_path="download/xlsx", pagination_class=None)
    def download_xlsx(self, request: Request) -> HttpResponse:
        columns = downloads.award_columns(request.build_absolute_uri("/"))
        content = xlsx_download("award_notices", columns, self._download_rows())
        return xlsx_response(content, filename="award-notices.xlsx")

    @extend_schema(
        summary="Confirm that the contract is signed (the buyer institution)",
        request=None,
        responses={200: AwardNoticeSerializer, **EDIT_ERRORS},
    )
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        award = services.award_confirm_contract(award=self.get_object(), user=request.user)  # type: ignore[arg-type]
        return Response(AwardNoticeSerializer(selectors.award_notice_get(pk=award.pk)).data)
