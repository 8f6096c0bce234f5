"""`awards`: the public award notices, and the buyer's confirmation of the contract."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.models import Category
from procurement import selectors, services
from procurement.api.comparison import AwardNoticeSerializer
from procurement.api.views.common import EDIT_ERRORS
from procurement.models import Award


@extend_schema_view(
    list=extend_schema(
        summary="Award notices (public)",
        parameters=[
            OpenApiParameter("category", str, description="A category code: its subtree's awards."),
            OpenApiParameter(
                "flagged", bool, description="Only imports although a domestic product met the requirements."
            ),
        ],
    ),
    retrieve=extend_schema(summary="One award notice (public)"),
)
class AwardViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [permissions.AllowAny]
    serializer_class = AwardNoticeSerializer
    filter_backends: list[Any] = []
    queryset = Award.objects.none()

    def get_queryset(self) -> QuerySet[Award]:
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
        return selectors.award_notice_list(category=category, flagged=flagged)

    @extend_schema(
        summary="Confirm that the contract is signed (the buyer institution)",
        request=None,
        responses={200: AwardNoticeSerializer, **EDIT_ERRORS},
    )
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        award = services.award_confirm_contract(award=self.get_object(), user=request.user)  # type: ignore[arg-type]
        return Response(AwardNoticeSerializer(selectors.award_notice_get(pk=award.pk)).data)
