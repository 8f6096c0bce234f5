"""Procurement plans through the API: upload a plan to have it checked, read its report, post chosen lines."""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from catalog.models import Category
from catalog.tabular import read_upload
from config.api.schema import error_responses
from config.exceptions import ApplicationError
from plans import selectors, services
from plans.api import serializers as s
from plans.models import ProcurementPlan


@extend_schema_view(
    list=extend_schema(responses={200: s.PlanSerializer(many=True), **error_responses(401)}),
    retrieve=extend_schema(responses={200: s.PlanSerializer, **error_responses(401, 404)}),
)
class PlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Plans of your institutions only; another institution's are a 404."""

    serializer_class = s.PlanSerializer
    permission_classes = [IsAuthenticated]
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[ProcurementPlan]:
        return selectors.plan_list(user=self.request.user)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        plan = self.get_object()
        return Response(s.PlanSerializer(plan, context={"lines": selectors.plan_lines(plan=plan)}).data)

    @extend_schema(
        request={"multipart/form-data": s.PlanUploadSerializer},
        responses={201: s.PlanSerializer, **error_responses(400, 401, 403)},
    )
    def create(self, request: Request) -> Response:
        upload = s.PlanUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        plan = services.plan_check(
            user=cast(User, request.user),
            institution=data["institution"],
            category=data["category"],
            filename=data["file"].name,
            data=read_upload(data["file"], max_bytes=services.MAX_BYTES),
        )
        body = s.PlanSerializer(plan, context={"lines": selectors.plan_lines(plan=plan)}).data
        return Response(body, status=status.HTTP_201_CREATED)

    def get_parsers(self) -> list[Any]:
        if getattr(self, "action", None) == "create":
            return [MultiPartParser(), FormParser()]
        return super().get_parsers()

    @extend_schema(
        request=s.PlanPostSerializer, responses={201: s.PlanPostedSerializer, **error_responses(400, 401, 404)}
    )
    @action(detail=True, methods=["post"], url_path="post")
    def post_lines(self, request: Request, pk: str | None = None) -> Response:
        plan = self.get_object()
        body = s.PlanPostSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        demands = services.plan_post(user=cast(User, request.user), plan=plan, rows=body.validated_data["rows"])
        return Response({"demands": [d.pk for d in demands]}, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[
            OpenApiParameter("category", OpenApiTypes.INT, required=True),
            OpenApiParameter("fmt", OpenApiTypes.STR, enum=["csv", "xlsx"]),
        ],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, **error_responses(400, 404)},
    )
    @action(detail=False, methods=["get"], url_path="template")
    def template(self, request: Request) -> HttpResponse:
        raw = request.query_params.get("category", "")
        if not raw.isdigit():
            raise ApplicationError(_("Choose a category."), field="category")
        category = get_object_or_404(Category, pk=int(raw))
        fmt = request.query_params.get("fmt", "xlsx")
        if fmt not in ("csv", "xlsx"):
            raise ApplicationError(_("Choose CSV or XLSX."), field="fmt")
        return template_response(category, fmt)


def template_response(category: Category, fmt: str) -> HttpResponse:
    content_type = (
        "text/csv; charset=utf-8"
        if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = HttpResponse(services.plan_template(category=category, fmt=fmt), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="plan-{category.code}.{fmt}"'
    return response
