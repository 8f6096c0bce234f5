"""`demands`, `shared-instruments` and `quotes`: querysets from selectors, writes through services."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Organization
from accounts.selectors import user_organization_ids
from catalog.models import Product
from procurement import selectors, services
from procurement.api.serializers import (
    AwardInSerializer,
    AwardOutSerializer,
    DemandCreateSerializer,
    DemandFilterSerializer,
    DemandOutSerializer,
    DemandReviseSerializer,
    DemandRevisionSerializer,
    DemandUpdateSerializer,
    ImportJustificationInSerializer,
    ImportJustificationOutSerializer,
    QuoteInSerializer,
    QuoteOutSerializer,
    SharedCheckSerializer,
    SharedInstrumentImportReportSerializer,
    SharedInstrumentImportSerializer,
    SharedInstrumentInSerializer,
    SharedInstrumentOutSerializer,
)
from procurement.models import Demand, ImportJustification, Quote, SharedInstrument

ERRORS = {400: OpenApiResponse(description="Invalid input: `fields` names each bad field.")}
EDIT_ERRORS = {
    **ERRORS,
    403: OpenApiResponse(description="Not a member of the demand's institution."),
    404: OpenApiResponse(description="No such demand visible to you."),
}


def _one_institution(request: Request, given: Organization | None) -> Organization:
    """The institution named in the request, or the requester's only one."""
    if given is not None:
        return given
    org_ids = user_organization_ids(request.user, kind=Organization.Kind.INSTITUTION)
    if len(org_ids) == 1:
        return Organization.objects.get(pk=next(iter(org_ids)))
    if not org_ids:
        raise PermissionDenied(_("You are not a member of a research institution."))
    raise serializers.ValidationError({"institution": [_("You belong to several institutions: name one.")]})


@extend_schema_view(
    list=extend_schema(
        summary="List demands",
        description="Open, awarded, closed and expired demands for everyone; drafts and cancelled demands only to "
        "members of their institution. Contact fields are null unless you belong to a verified manufacturer or "
        "to the demand's institution.",
        parameters=[DemandFilterSerializer],
        responses={200: DemandOutSerializer(many=True), **ERRORS},
    ),
    retrieve=extend_schema(summary="One demand with its requirements", responses={200: DemandOutSerializer}),
    create=extend_schema(
        summary="Create a draft demand with its requirements",
        request=DemandCreateSerializer,
        responses={201: DemandOutSerializer, **ERRORS, 403: OpenApiResponse(description="Not a member.")},
    ),
    partial_update=extend_schema(
        summary="Change a draft or open demand",
        description="On an open demand, `requirements` create a new revision (the previous ones are kept) and "
        "the category cannot change.",
        request=DemandUpdateSerializer,
        responses={200: DemandOutSerializer, **EDIT_ERRORS},
    ),
)
class DemandViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    serializer_class = DemandOutSerializer
    filter_backends: list[Any] = []
    http_method_names = ["get", "post", "patch", "head", "options"]
    queryset = Demand.objects.none()

    def get_queryset(self) -> QuerySet[Demand]:
        filters: dict[str, Any] = {}
        if self.action == "list":
            parser = DemandFilterSerializer(data=self.request.query_params)
            parser.is_valid(raise_exception=True)
            filters = dict(parser.validated_data)
        return selectors.demand_list(user=self.request.user, filters=filters).order_by(
            "-opened_at", "-created_at", "id"
        )

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["access"] = selectors.demand_access(self.request.user)
        return context

    def _editable(self) -> Demand:
        demand = self.get_object()
        if not selectors.demand_access(self.request.user).can_edit(demand):
            raise PermissionDenied(_("Only members of the demand's institution may change it."))
        return demand

    def _out(self, demand: Demand, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.demand_get(user=self.request.user, pk=demand.pk)
        return Response(DemandOutSerializer(fresh, context=self.get_serializer_context()).data, status=status_code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = DemandCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        institution = _one_institution(request, data.pop("institution", None))
        demand = services.demand_create(
            user=request.user,  # type: ignore[arg-type]
            institution=institution,
            requirements=data.pop("requirement_inputs"),
            **data,
        )
        return self._out(demand, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        demand = self._editable()
        incoming = DemandUpdateSerializer(data=request.data, partial=True, context={"demand": demand})
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        demand = services.demand_update(
            demand=demand,
            user=request.user,  # type: ignore[arg-type]
            requirements=data.pop("requirement_inputs", None),
            revision_reason=data.pop("revision_reason", ""),
            **data,
        )
        return self._out(demand)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(
        summary="Answer the shared-instrument check",
        description="Required before opening. `still_needed` needs a reason; `withdrawn` cancels the demand.",
        request=SharedCheckSerializer,
        responses={200: DemandOutSerializer, **EDIT_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def check(self, request: Request, pk: str | None = None) -> Response:
        demand = self._editable()
        incoming = SharedCheckSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        demand = services.demand_shared_check_answer(
            demand=demand,
            user=request.user,  # type: ignore[arg-type]
            answer=incoming.validated_data["answer"],
            reason=incoming.validated_data["reason"],
        )
        return self._out(demand)

    @extend_schema(
        summary="Open a draft demand",
        description="Refused (400, with the reason) until the shared-instrument check is answered, when the "
        "deadline has passed, or when the demand states no requirement at all.",
        request=None,
        responses={200: DemandOutSerializer, **EDIT_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def open(self, request: Request, pk: str | None = None) -> Response:
        demand = services.demand_open(demand=self._editable(), user=request.user)  # type: ignore[arg-type]
        return self._out(demand)

    @extend_schema(
        summary="Cancel a draft or open demand", request=None, responses={200: DemandOutSerializer, **EDIT_ERRORS}
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        demand = services.demand_cancel(demand=self._editable(), user=request.user)  # type: ignore[arg-type]
        return self._out(demand)

    @extend_schema(
        summary="Close an open demand without an award",
        request=None,
        responses={200: DemandOutSerializer, **EDIT_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        demand = services.demand_close(demand=self._editable(), user=request.user)  # type: ignore[arg-type]
        return self._out(demand)

    @extend_schema(
        summary="Revise an open demand's requirements",
        description="The current requirements are kept as a revision; matching runs again.",
        request=DemandReviseSerializer,
        responses={200: DemandOutSerializer, **EDIT_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def revise(self, request: Request, pk: str | None = None) -> Response:
        demand = self._editable()
        incoming = DemandReviseSerializer(data=request.data, context={"demand": demand})
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        demand = services.demand_revise(
            demand=demand,
            user=request.user,  # type: ignore[arg-type]
            requirements=data["requirement_inputs"],
            free_text_requirements=data.get("free_text_requirements"),
            reason=data["reason"],
        )
        return self._out(demand)

    @extend_schema(summary="Earlier requirements of a demand", responses={200: DemandRevisionSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def revisions(self, request: Request, pk: str | None = None) -> Response:
        demand = self.get_object()
        return Response(DemandRevisionSerializer(selectors.demand_revisions(demand=demand), many=True).data)

    @extend_schema(
        summary="Shared instruments this demand might use instead",
        description="Same category subtree; own institution first, then the delivery province, then the rest.",
        responses={200: SharedInstrumentOutSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], url_path="shared-candidates", pagination_class=None)
    def shared_candidates(self, request: Request, pk: str | None = None) -> Response:
        demand = self.get_object()
        candidates = selectors.shared_instrument_candidates(demand=demand)
        return Response(SharedInstrumentOutSerializer(candidates, many=True).data)

    @extend_schema(
        methods=["GET"],
        summary="The demand's import justification",
        description="Members of the demand's institution and platform administrators only.",
        responses={200: ImportJustificationOutSerializer, 404: OpenApiResponse(description="None filed.")},
    )
    @extend_schema(
        methods=["POST"],
        summary="File or refile the import justification",
        description="Needed before fiscal funds buy an imported product. Refiling resets it to submitted; an "
        "approved justification cannot change.",
        request={
            "multipart/form-data": ImportJustificationInSerializer,
            "application/json": ImportJustificationInSerializer,
        },
        responses={200: ImportJustificationOutSerializer, **EDIT_ERRORS},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="import-justification",
        parser_classes=[JSONParser, MultiPartParser, FormParser],
    )
    def import_justification(self, request: Request, pk: str | None = None) -> Response:
        if request.method == "GET":
            demand = self.get_object()
            justification = selectors.import_justification_for(user=request.user, demand=demand)
            if justification is None:
                raise Http404
            return Response(ImportJustificationOutSerializer(justification).data)
        demand = self._editable()
        incoming = ImportJustificationInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        justification = services.import_justification_submit(
            demand=demand,
            user=request.user,  # type: ignore[arg-type]
            imported_product=data["imported_product"],
            reason=data["reason"],
            domestic_products_considered=data.get("domestic_products_considered", []),
            document=data.get("document"),
        )
        return Response(ImportJustificationOutSerializer(justification).data)


@extend_schema_view(
    list=extend_schema(
        summary="List shared instruments",
        description="Instruments open to outside users, plus your own institutions' instruments.",
    ),
    retrieve=extend_schema(summary="One shared instrument"),
    create=extend_schema(
        summary="Add a shared instrument of your institution",
        request=SharedInstrumentInSerializer,
        responses={201: SharedInstrumentOutSerializer, **ERRORS},
    ),
    partial_update=extend_schema(
        summary="Change a shared instrument of your institution",
        request=SharedInstrumentInSerializer,
        responses={200: SharedInstrumentOutSerializer, **ERRORS},
    ),
    destroy=extend_schema(summary="Remove a shared instrument of your institution"),
)
class SharedInstrumentViewSet(viewsets.ModelViewSet):
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    serializer_class = SharedInstrumentOutSerializer
    filter_backends: list[Any] = []
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    queryset = SharedInstrument.objects.none()

    def get_queryset(self) -> QuerySet[SharedInstrument]:
        params = self.request.query_params
        filters: dict[str, Any] = {
            key: params[key] for key in ("category", "province", "institution", "q") if params.get(key)
        }
        for key in ("category", "institution"):
            if key in filters and not str(filters[key]).isdigit():
                raise serializers.ValidationError({key: [_("Give an id.")]})
            if key in filters:
                filters[key] = int(filters[key])
        if params.get("mine") in ("1", "true"):
            filters["mine"] = True
        return selectors.shared_instrument_list(user=self.request.user, filters=filters)

    def _editable(self) -> SharedInstrument:
        instrument = self.get_object()
        if instrument.institution_id not in user_organization_ids(self.request.user):
            raise PermissionDenied(_("Only members of the institution may change its shared instruments."))
        return instrument

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = SharedInstrumentInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        institution = _one_institution(request, data.pop("institution", None))
        instrument = services.shared_instrument_create(user=request.user, institution=institution, **data)  # type: ignore[arg-type]
        return Response(SharedInstrumentOutSerializer(instrument).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instrument = self._editable()
        incoming = SharedInstrumentInSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        data.pop("institution", None)
        instrument = services.shared_instrument_update(instrument=instrument, user=request.user, **data)  # type: ignore[arg-type]
        return Response(SharedInstrumentOutSerializer(instrument).data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.shared_instrument_delete(instrument=self._editable(), user=request.user)  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Import shared instruments from a CSV file",
        description="All rows or none: if any row is bad, nothing is saved and every bad row is reported (400).",
        request={"multipart/form-data": SharedInstrumentImportSerializer},
        responses={201: SharedInstrumentImportReportSerializer, 400: SharedInstrumentImportReportSerializer},
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser, FormParser])
    def import_csv(self, request: Request) -> Response:
        incoming = SharedInstrumentImportSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        institution = _one_institution(request, incoming.validated_data.get("institution"))
        upload = incoming.validated_data["file"]
        if upload.size > 2 * 1024 * 1024:
            raise serializers.ValidationError({"file": [_("The file is larger than 2 MB.")]})
        report = services.shared_instrument_import_csv(
            user=request.user,  # type: ignore[arg-type]
            institution=institution,
            content=upload.read(),
        )
        body = SharedInstrumentImportReportSerializer(report).data
        return Response(body, status=status.HTTP_201_CREATED if report.ok else status.HTTP_400_BAD_REQUEST)


@extend_schema_view(
    list=extend_schema(
        summary="Quotes you wrote or received",
        description="A quote is seen only by its manufacturer and by the buyer institution.",
    ),
    retrieve=extend_schema(summary="One quote"),
    create=extend_schema(
        summary="Quote one of your published products on an open demand",
        request=QuoteInSerializer,
        responses={201: QuoteOutSerializer, **ERRORS, 403: OpenApiResponse(description="Not the product's maker.")},
    ),
)
class QuoteViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = QuoteOutSerializer
    filter_backends: list[Any] = []
    queryset = Quote.objects.none()

    def get_queryset(self) -> QuerySet[Quote]:
        qs = selectors.quote_list(user=self.request.user)
        demand = self.request.query_params.get("demand")
        if demand:
            if not demand.isdigit():
                raise serializers.ValidationError({"demand": [_("Give an id.")]})
            qs = qs.filter(demand_id=int(demand))
        return qs

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = QuoteInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        try:
            demand = selectors.demand_get(user=request.user, pk=data.pop("demand"))
        except Http404:
            raise serializers.ValidationError({"demand": [_("No such demand.")]}) from None
        product = Product.objects.select_related("manufacturer", "category").filter(pk=data.pop("product")).first()
        if product is None:
            raise serializers.ValidationError({"product": [_("No such product.")]})
        quote = services.quote_submit(user=request.user, demand=demand, product=product, **data)  # type: ignore[arg-type]
        return Response(QuoteOutSerializer(quote).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Withdraw your quote", request=None, responses={200: QuoteOutSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        quote = services.quote_withdraw(quote=self.get_object(), user=request.user)  # type: ignore[arg-type]
        return Response(QuoteOutSerializer(quote).data)

    @extend_schema(
        summary="Award the demand to this quote (buyer only)",
        request=AwardInSerializer,
        responses={200: AwardOutSerializer, **EDIT_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def award(self, request: Request, pk: str | None = None) -> Response:
        quote = self.get_object()
        demand = selectors.demand_get(user=request.user, pk=quote.demand_id)
        if not selectors.demand_access(request.user).can_edit(demand):
            raise PermissionDenied(_("Only the buyer institution may award its demand."))
        incoming = AwardInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        award = services.demand_award(
            demand=demand,
            user=request.user,  # type: ignore[arg-type]
            quote=quote,
            note=incoming.validated_data["note"],
        )
        return Response(AwardOutSerializer(award).data)


class IsStaff(permissions.BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


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
