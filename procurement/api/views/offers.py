"""`quotes` (with award) and `import-justifications` (administrators' review)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.models import Product
from procurement import policies, selectors, services
from procurement.api.comparison import AwardNoticeSerializer
from procurement.api.serializers import (
    AwardInSerializer,
    ExpertOpinionSerializer,
    ExpertPanelSerializer,
    ExpertReviewSerializer,
    ImportJustificationOutSerializer,
    QuoteInSerializer,
    QuoteOutSerializer,
    QuoteUpdateSerializer,
)
from procurement.api.views.common import EDIT_ERRORS, ERRORS
from procurement.models import ImportJustification, Quote


@extend_schema_view(
    list=extend_schema(
        summary="Quotes you wrote or received",
        description="A quote is seen only by its manufacturer (drafts too) and by the buyer institution once sent; "
        "on a sealed demand the buyer reads it only after the quotes open at the deadline (the demand's "
        "`quote_count` says how many arrived). Nobody else, platform staff included, sees a quote.",
    ),
    retrieve=extend_schema(summary="One quote"),
    create=extend_schema(
        summary="Quote one of your published products on an open demand",
        request=QuoteInSerializer,
        responses={201: QuoteOutSerializer, **ERRORS, 403: OpenApiResponse(description="Not the product's maker.")},
    ),
    update=extend_schema(
        summary="Complete a draft quote (and send it with `draft: false`)",
        request=QuoteUpdateSerializer,
        responses={200: QuoteOutSerializer, **ERRORS},
    ),
)
class QuoteViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = QuoteOutSerializer
    filter_backends: list[Any] = []
    queryset = Quote.objects.none()
    # A draft's terms are replaced whole (PUT); there is no partial change of a quote.
    http_method_names = ["get", "post", "put", "head", "options"]

    def get_queryset(self) -> QuerySet[Quote]:
        qs = selectors.quote_list(user=self.request.user)
        demand = self.request.query_params.get("demand")
        if demand:
            if not demand.isdecimal():
                raise serializers.ValidationError({"demand": [_("Give an id.")]})
            qs = qs.filter(demand_id=int(demand))
        return qs

    def _product(self, pk: int) -> Product:
        product = Product.objects.select_related("manufacturer", "category").filter(pk=pk).first()
        if product is None:
            raise serializers.ValidationError({"product": [_("No such product.")]})
        return product

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = QuoteInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        try:
            demand = selectors.demand_get(user=request.user, pk=data.pop("demand"))
        except Http404:
            raise serializers.ValidationError({"demand": [_("No such demand.")]}) from None
        product = self._product(data.pop("product"))
        quote = services.quote_submit(user=request.user, demand=demand, product=product, **data)  # type: ignore[arg-type]
        return Response(self._out(quote), status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Replace a draft's terms; with ``draft: false`` the quote is sent."""
        quote = self.get_object()
        incoming = QuoteUpdateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        product = self._product(data.pop("product")) if "product" in data else quote.product
        quote = services.quote_submit(
            user=request.user,  # type: ignore[arg-type]
            demand=quote.demand,
            product=product,
            quote=quote,
            **data,
        )
        return Response(self._out(quote))

    def _out(self, quote: Quote) -> dict[str, Any]:
        fresh = selectors.quote_get(user=self.request.user, pk=quote.pk)
        return QuoteOutSerializer(fresh, context=self.get_serializer_context()).data

    @extend_schema(summary="Withdraw your quote", request=None, responses={200: QuoteOutSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        quote = services.quote_withdraw(quote=self.get_object(), user=request.user)  # type: ignore[arg-type]
        return Response(self._out(quote))

    @extend_schema(
        summary="Award the demand to this quote (buyer only)",
        request=AwardInSerializer,
        responses={200: AwardNoticeSerializer, **EDIT_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def award(self, request: Request, pk: str | None = None) -> Response:
        quote = self.get_object()
        demand = selectors.demand_get(user=request.user, pk=quote.demand_id)
        if not policies.can_edit_demand(request.user, demand):
            raise PermissionDenied(_("Only the buyer institution may award its demand."))
        incoming = AwardInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        award = services.demand_award(
            demand=demand,
            user=request.user,  # type: ignore[arg-type]
            quote=quote,
            note=incoming.validated_data["note"],
        )
        return Response(AwardNoticeSerializer(selectors.award_notice_get(pk=award.pk)).data)


class IsStaff(permissions.BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return policies.can_review_import_justifications(request.user)


@extend_schema_view(
    list=extend_schema(
        summary="Import justifications to review (administrators)",
        parameters=[OpenApiParameter("status", str, enum=ImportJustification.Status.values)],
    ),
    retrieve=extend_schema(summary="One import justification (administrators)"),
)
class ImportJustificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsStaff]
    serializer_class = ImportJustificationOutSerializer
    filter_backends: list[Any] = []
    queryset = ImportJustification.objects.none()

    def get_queryset(self) -> QuerySet[ImportJustification]:
        status_filter = self.request.query_params.get("status")
        if status_filter and status_filter not in ImportJustification.Status.values:
            raise serializers.ValidationError({"status": [_("Unknown status.")]})
        return selectors.import_justification_queue(user=self.request.user, status=status_filter)

    def _review(self, approve: bool) -> Response:
        justification = services.import_justification_review(
            justification=self.get_object(),
            user=self.request.user,  # type: ignore[arg-type]
            approve=approve,
        )
        return Response(ImportJustificationOutSerializer(justification).data)

    @extend_schema(summary="Approve", request=None, responses={200: ImportJustificationOutSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return self._review(True)

    @extend_schema(summary="Reject", request=None, responses={200: ImportJustificationOutSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        return self._review(False)

    @extend_schema(
        summary="Assign the expert panel (administrators)",
        description="An odd number of at least five experts by email, at least one legal expert; product experts "
        "from outside the buying institution. Every broken rule is reported at once.",
        request=ExpertPanelSerializer,
        responses={200: ExpertReviewSerializer(many=True), **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def panel(self, request: Request, pk: str | None = None) -> Response:
        incoming = ExpertPanelSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        reviews = services.expert_panel_assign(
            justification=self.get_object(),
            user=request.user,  # type: ignore[arg-type]
            legal_experts=incoming.validated_data["legal_experts"],
            product_experts=incoming.validated_data["product_experts"],
        )
        return Response(ExpertReviewSerializer(reviews, many=True).data)

    @extend_schema(
        summary="Sign your opinion (an expert of the panel)",
        description="Once per expert; the panel's majority approves or rejects the justification.",
        request=ExpertOpinionSerializer,
        responses={200: ExpertReviewSerializer, **ERRORS, 404: OpenApiResponse(description="Not on this panel.")},
    )
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def opinion(self, request: Request, pk: str | None = None) -> Response:
        if not (pk or "").isascii() or not (pk or "").isdecimal() or len(pk or "") > 18:
            raise Http404  # an id that is not a whole number (or past bigint) names no justification
        justification, _review = selectors.justification_for_expert(user=request.user, pk=int(pk or 0))
        incoming = ExpertOpinionSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        review = services.expert_opinion_sign(
            justification=justification,
            user=request.user,  # type: ignore[arg-type]
            decision=incoming.validated_data["decision"],
            opinion=incoming.validated_data["opinion"],
        )
        return Response(ExpertReviewSerializer(review).data)
