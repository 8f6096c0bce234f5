"""`demands`: querysets from selectors, writes through services."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any, cast

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.tabular import DOWNLOAD_CHUNK, csv_stream, xlsx_download
from config.api.downloads import XLSX_TYPE, csv_response, downloadable_pagination, xlsx_response
from config.api.pagination import PageNumberPagination
from procurement import downloads, policies, selectors, services
from procurement.api.comparison import QuoteComparisonSerializer, comparison_payload
from procurement.api.serializers import (
    DemandCreateSerializer,
    DemandFilterSerializer,
    DemandOutSerializer,
    DemandReplaceSerializer,
    DemandReviseSerializer,
    DemandRevisionSerializer,
    DemandUpdateSerializer,
    ImportJustificationInSerializer,
    ImportJustificationOutSerializer,
    SharedCheckSerializer,
    SharedInstrumentOutSerializer,
)
from procurement.api.views.common import EDIT_ERRORS, ERRORS, one_institution
from procurement.comparison_export import XLSX, comparison_pdf, comparison_xlsx, file_download
from procurement.dossier import dossier_pdf
from procurement.models import Demand
from search.selectors import SearchQuery, search

DOWNLOAD_DESCRIPTION = (
    "Every open demand the filters select (the list's filters and keywords), oldest first, with its requirements; "
    "no contact details and nothing of its quotes. Row 1 holds the column keys, documented in the README (Open data)."
)
# The demand filters the search index applies itself.
SEARCH_FILTERS = ("category", "province", "budget_min", "budget_max", "deadline_after", "deadline_before")


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
        summary="Change some fields of a draft or open demand",
        description="`requirements` are merged: each one sent adds or changes the requirement on its parameter, "
        "the demand's other requirements stay (PUT replaces them all). On an open demand, changed requirements "
        "create a new revision (the previous ones are kept) and the category cannot change.",
        request=DemandUpdateSerializer,
        responses={200: DemandOutSerializer, **EDIT_ERRORS},
    ),
    update=extend_schema(
        summary="Replace a draft or open demand",
        description="The demand as a whole: `requirements` is required and becomes the whole set (the ones left "
        "out are removed). PATCH merges instead. On an open demand this creates a new revision.",
        request=DemandReplaceSerializer,
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
    queryset = Demand.objects.none()
    pagination_class = downloadable_pagination("demand")

    def _list_filters(self) -> dict[str, Any]:
        parser = DemandFilterSerializer(data=self.request.query_params)
        parser.is_valid(raise_exception=True)
        return dict(parser.validated_data)

    def get_queryset(self) -> QuerySet[Demand]:
        filters: dict[str, Any] = {}
        if self.action == "list":
            filters = self._list_filters()
            filters.pop("q", None)  # keywords page through the search backend in list()
        return selectors.with_quote_counts(selectors.demand_list(user=self.request.user, filters=filters)).order_by(
            "-opened_at", "-created_at", "id"
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        filters = self._list_filters()
        text = str(filters.get("q") or "").strip()
        if not text:
            return super().list(request, *args, **kwargs)
        # Keywords page through the search backend as the demand pages do: its order, its total, no cap. The
        # index holds open demands; the person's own demands in other statuses matching the words follow the hits.
        # A filter the index cannot apply (another status, an institution, "mine") matches the words alone.
        queryset = self.get_queryset()
        words = queryset.filter(selectors.demand_words_q(text))
        searchable = filters.get("status") in (None, Demand.Status.OPEN) and not (
            filters.get("institution") or filters.get("mine")
        )
        if searchable:
            query = SearchQuery(
                kind="demands", text=text, filters={k: filters[k] for k in SEARCH_FILTERS if k in filters}
            )
            rows = cast(PageNumberPagination, self.paginator).paginate_search(
                request,
                search=lambda page, size: search(replace(query, page=page, page_size=size)),
                rows=queryset,
                tail=words.filter(selectors.demand_unlisted_q(user=request.user)),
            )
        else:
            rows = self.paginate_queryset(words) or []
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    def _download_rows(self) -> Iterator[Demand]:
        rows = selectors.open_demand_download_list(user=self.request.user, filters=self._list_filters())
        return rows.iterator(chunk_size=DOWNLOAD_CHUNK)

    @extend_schema(
        summary="Open demands as CSV (open data)",
        description=DOWNLOAD_DESCRIPTION,
        parameters=[DemandFilterSerializer],
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY), **ERRORS},
    )
    @action(detail=False, methods=["get"], url_path="download/csv", pagination_class=None)
    def download_csv(self, request: Request) -> StreamingHttpResponse:
        columns = downloads.demand_columns(request.build_absolute_uri("/"))
        return csv_response(csv_stream(columns, self._download_rows()), filename="open-demands.csv")

    @extend_schema(
        summary="Open demands as XLSX (open data)",
        description=DOWNLOAD_DESCRIPTION,
        parameters=[DemandFilterSerializer],
        responses={(200, XLSX_TYPE): OpenApiResponse(OpenApiTypes.BINARY), **ERRORS},
    )
    @action(detail=False, methods=["get"], url_path="download/xlsx", pagination_class=None)
    def download_xlsx(self, request: Request) -> HttpResponse:
        columns = downloads.demand_columns(request.build_absolute_uri("/"))
        content = xlsx_download("open_demands", columns, self._download_rows())
        return xlsx_response(content, filename="open-demands.xlsx")

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["access"] = policies.demand_access(self.request.user)
        return context

    def _editable(self) -> Demand:
        demand = self.get_object()
        if not policies.can_edit_demand(self.request.user, demand):
            raise PermissionDenied(_("Only members of the demand's institution may change it."))
        return demand

    def _out(self, demand: Demand, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.demand_get(user=self.request.user, pk=demand.pk)
        return Response(DemandOutSerializer(fresh, context=self.get_serializer_context()).data, status=status_code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = DemandCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        institution = one_institution(request, data.pop("institution", None))
        demand = services.demand_create(
            user=request.user,  # type: ignore[arg-type]
            institution=institution,
            requirements=data.pop("requirement_inputs"),
            **data,
        )
        return self._out(demand, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partial = kwargs.pop("partial", False)
        demand = self._editable()
        incoming_class = DemandUpdateSerializer if partial else DemandReplaceSerializer
        incoming = incoming_class(data=request.data, partial=partial, context={"demand": demand})
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        demand = services.demand_update(
            demand=demand,
            user=request.user,  # type: ignore[arg-type]
            requirements=data.pop("requirement_inputs", None),
            revision_reason=data.pop("revision_reason", ""),
            merge_requirements=partial,
            **data,
        )
        return self._out(demand)

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

    # --- the comparison of quotes ------------------------------------------------------------------------------

    def _comparison(self) -> tuple[Demand, dict[str, Any]]:
        demand = self.get_object()
        return demand, selectors.comparison_for(user=self.request.user, demand=demand)

    @extend_schema(
        summary="The comparison of the demand's quotes (the buyer institution, once the quotes are open)",
        description="Requirements (`requirements`) and quotes in rank order (`quotes`), each with a cell per "
        "requirement (`pass`, `fail` with `gap`, `unknown`), match score, prices, lead time, warranty, evaluations, "
        "whether it is a 本国产品 under the rule in force on `rule_date`, the `evaluated_price` and its `derivation`. "
        "After an award: the comparison it was made on, frozen.",
        responses={200: QuoteComparisonSerializer, 404: OpenApiResponse(description="Not the buyer, or still sealed.")},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def comparison(self, request: Request, pk: str | None = None) -> Response:
        demand, snapshot = self._comparison()
        return Response(comparison_payload(demand, snapshot))

    @extend_schema(summary="The comparison as XLSX", responses={(200, XLSX): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="comparison/xlsx", pagination_class=None)
    def comparison_xlsx(self, request: Request, pk: str | None = None) -> HttpResponse:
        demand, snapshot = self._comparison()
        return file_download(comparison_xlsx(snapshot, title=demand.title), XLSX, f"comparison-{demand.pk}.xlsx")

    @extend_schema(summary="The comparison as PDF", responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="comparison/pdf", pagination_class=None)
    def comparison_pdf(self, request: Request, pk: str | None = None) -> HttpResponse:
        demand, snapshot = self._comparison()
        return file_download(
            comparison_pdf(snapshot, title=demand.title), "application/pdf", f"comparison-{demand.pk}.pdf"
        )

    # --- the import-justification dossier ------------------------------------------------------------------------

    def _dossier(self) -> tuple[Any, dict[str, Any]]:
        demand = self.get_object()
        justification = selectors.justification_for_dossier(user=self.request.user, demand=demand)
        content = services.import_dossier_build(justification=justification, user=self.request.user)  # type: ignore[arg-type]
        return justification, content

    @extend_schema(
        summary="The import-justification dossier, built from the platform's records (buyer, staff, the panel)",
        description="The import-product application's fields (`application`, in zh-hans and en), the requirements, "
        "every domestic product considered with its per-requirement results, the quotes and the drafted expert "
        "opinion. A 400 on `demand` says why when no imported product was quoted.",
        responses={200: OpenApiTypes.OBJECT, **ERRORS, 404: OpenApiResponse(description="Not yours to read.")},
    )
    @action(detail=True, methods=["get"], url_path="import-justification/dossier", pagination_class=None)
    def import_dossier(self, request: Request, pk: str | None = None) -> Response:
        justification, content = self._dossier()
        api = reverse("api:demand-detail", args=[justification.demand_id])
        return Response({**content, "pdf_url": f"{api}import-justification/dossier/pdf/"})

    @extend_schema(
        summary="The dossier as a PDF (`?language=en` for English; Chinese by default)",
        parameters=[OpenApiParameter("language", str, enum=["zh-hans", "en"])],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, **ERRORS},
    )
    @action(detail=True, methods=["get"], url_path="import-justification/dossier/pdf", pagination_class=None)
    def import_dossier_pdf(self, request: Request, pk: str | None = None) -> HttpResponse:
        justification, content = self._dossier()
        language = "en" if request.query_params.get("language") == "en" else "zh-hans"
        return file_download(
            dossier_pdf(justification, content, language),
            "application/pdf",
            f"import-dossier-{justification.demand_id}-{'en' if language == 'en' else 'zh'}.pdf",
        )
