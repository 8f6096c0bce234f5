"""``GET /api/v1/history/{kind}/{id}/``: who changed what and when, for the owning organization and staff."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated

from audit.api.serializers import HistoryEntrySerializer
from audit.history import KINDS, history_entries, history_kind, history_object


@extend_schema(
    parameters=[
        OpenApiParameter("kind", OpenApiTypes.STR, OpenApiParameter.PATH, enum=sorted(KINDS)),
        OpenApiParameter("pk", OpenApiTypes.INT, OpenApiParameter.PATH),
    ]
)
class HistoryView(generics.ListAPIView):
    """The audit history of a demand (with its requirements, award and import justification), a quote, a
    product or a domestic-product rule, newest first."""

    serializer_class = HistoryEntrySerializer
    permission_classes = [IsAuthenticated]
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Any]:
        kind = history_kind(self.kwargs["kind"])
        if kind is None:
            raise Http404
        obj = history_object(kind=kind, user=self.request.user, pk=self.kwargs["pk"])
        if obj is None:
            raise Http404
        if not kind.can_read(self.request.user, obj):
            raise PermissionDenied(_("Only the owning organization and platform staff can read this history."))
        return history_entries(kind=kind, obj=obj)
