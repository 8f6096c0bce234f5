"""Matching API: runs, matches, reports and statistics; thin over matching.selectors and services."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, AllowAny, BasePermission, IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.policies import is_staff
from config.api.filters import IntegerFilter
from matching import reports, selectors, services
from matching.api import serializers as s
from matching.models import Match, MatchReport, MatchRun


class ReadOrStaff(BasePermission):
    """Anyone reads; only staff write."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return request.method in SAFE_METHODS or is_staff(request.user)


class MatchRunFilter(filters.FilterSet):
    class Meta:
        model = MatchRun
        fields = ["kind", "status", "trigger", "demand", "product"]


class MatchRunViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Runs of the matching engine. Everyone reads their status; staff start a full run or a demand run."""

    permission_classes = [ReadOrStaff]
    serializer_class = s.MatchRunSerializer
    filterset_class = MatchRunFilter
    ordering_fields = ["created_at", "id"]

    def get_queryset(self) -> QuerySet[MatchRun]:
        return selectors.match_run_list()

    @extend_schema(
        request=s.MatchRunStartSerializer,
        responses={201: s.MatchRunSerializer, 400: OpenApiResponse(description="Refused, e.g. a full run is running")},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = s.MatchRunStartSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        run = services.match_run_start(
            kind=incoming.validated_data["kind"],
            demand_id=incoming.validated_data.get("demand"),
            started_by=request.user,  # type: ignore[arg-type]
        )
        run.refresh_from_db()
        return Response(s.MatchRunSerializer(run).data, status=status.HTTP_201_CREATED)


class MatchFilter(filters.FilterSet):
    demand = IntegerFilter(field_name="demand_id")
    product = IntegerFilter(field_name="product_id")
    is_near_miss = filters.BooleanFilter()

    class Meta:
        model = Match
        fields = ["demand", "product", "is_near_miss"]


class MatchViewSet(viewsets.ReadOnlyModelViewSet):
    """Matches and near misses. Seen by the demand's institution and the product's manufacturer; by everyone
    once a published report lists the pair (near misses stay private)."""

    permission_classes = [AllowAny]
    serializer_class = s.MatchSerializer
    filterset_class = MatchFilter
    ordering_fields = ["score", "rank", "matched_at", "updated_at"]

    def get_queryset(self) -> QuerySet[Match]:
        return selectors.match_list(user=self.request.user)

    def _with_requirements(self, matches: list[Match]) -> dict[str, Any]:
        # Stored results are compact; what each requirement says is read once for the whole page.
        context = self.get_serializer_context()
        context["requirements"] = selectors.requirement_info(demand_ids={m.demand_id for m in matches})
        return context

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = list(page if page is not None else queryset)
        data = s.MatchSerializer(rows, many=True, context=self._with_requirements(rows)).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        match = self.get_object()
        return Response(s.MatchSerializer(match, context=self._with_requirements([match])).data)


class MatchReportViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Match reports: published ones are public and permanent; drafts are for staff, who generate and publish."""

    permission_classes = [ReadOrStaff]
    ordering_fields = ["period_end", "published_at", "id"]

    def get_queryset(self) -> QuerySet[MatchReport]:
        qs = selectors.report_list(user=self.request.user)
        if self.action == "retrieve":
            qs = MatchReport.objects.filter(pk__in=qs.values("pk")).prefetch_related(
                Prefetch("superseded_by", queryset=MatchReport.objects.defer("snapshot"))
            )
        return qs

    def get_serializer_class(self) -> Any:
        return (
            s.MatchReportSerializer if self.action in ("retrieve", "create", "publish") else s.MatchReportListSerializer
        )

    @extend_schema(request=s.MatchReportCreateSerializer, responses={201: s.MatchReportSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = s.MatchReportCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        report = reports.report_generate(
            period_start=data["period_start"],
            period_end=data["period_end"],
            supersedes_id=data.get("supersedes"),
            note=data.get("note", ""),
            user=request.user,  # type: ignore[arg-type]
        )
        return Response(
            s.MatchReportSerializer(report, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=None, responses={200: s.MatchReportSerializer})
    @action(detail=True, methods=["post"], permission_classes=[IsAdminUser])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        if pk is None or not str(pk).isdecimal() or not MatchReport.objects.filter(pk=int(pk)).exists():
            raise Http404
        report = reports.report_publish(report_id=int(pk), user=request.user)  # type: ignore[arg-type]
        return Response(s.MatchReportSerializer(report, context=self.get_serializer_context()).data)


class StatsView(APIView):
    """Platform counts: open demands, domestic and imported products, match coverage, the largest gaps."""

    permission_classes = [AllowAny]

    @extend_schema(responses=s.StatsSerializer)
    def get(self, request: Request) -> Response:
        return Response(s.StatsSerializer(selectors.matching_stats()).data)
