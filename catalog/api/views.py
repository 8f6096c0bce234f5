"""Catalog API: thin viewsets over catalog.selectors and catalog.services."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, cast

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from catalog import domestic, downloads, importing, policies, selectors, services, tabular
from catalog.api import serializers as s
from catalog.api.filters import CategoryFilterSet, ParameterFilterSet, ProductFilterSet
from catalog.models import Category, DomesticProductRule, Evaluation, Parameter, Product
from config.api.downloads import XLSX_TYPE, csv_response, downloadable_pagination, xlsx_response
from config.api.filters import require_boolean, strict_data
from config.api.pagination import PageNumberPagination
from config.api.schema import RowReportSerializer, error_responses, report_or_error
from search.selectors import SearchQuery, search

DOWNLOAD_DESCRIPTION = (
    "Every published product the filters select (the list's filters and keywords), oldest first; drafts and "
    "withdrawn products never. Row 1 holds the column keys, documented in the README (Open data)."
)
DOWNLOAD_Q = OpenApiParameter("q", OpenApiTypes.STR, description="Keywords, matched as the search index matches.")


def acting_user(request: HttpRequest | Request) -> User:
    """The signed-in user of a request whose view already required authentication."""
    return cast(User, request.user)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "tree",
                OpenApiTypes.BOOL,
                description=gettext_lazy(
                    "true: the whole classification as a nested tree (a bare list of top-level categories, each "
                    "with its children), not a page; the same as /categories/tree/."
                ),
            )
        ],
        responses={
            200: OpenApiResponse(
                response=PolymorphicProxySerializer(
                    component_name="CategoryPageOrTree",
                    serializers=[s.CategoryPageSerializer, s.CategoryTreeSerializer(many=True)],
                    resource_type_field_name=None,
                    many=False,
                ),
                description=gettext_lazy("A page of categories; with tree=true the nested tree."),
            )
        },
    )
)
class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """The classification table: flat (paginated, filtered by code or name) or, with ``?tree=true`` or ``/tree/``,
    nested."""

    serializer_class = s.CategorySerializer
    permission_classes = [IsAuthenticatedOrReadOnly]
    filterset_class = CategoryFilterSet
    ordering_fields = ["code", "path", "id"]

    def get_queryset(self) -> QuerySet[Category]:
        return selectors.category_list()

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if require_boolean(request, "tree"):
            return Response(s.CategoryTreeSerializer(selectors.category_tree(), many=True).data)
        return super().list(request, *args, **kwargs)

    @extend_schema(responses=s.CategoryTreeSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None)
    def tree(self, request: Request) -> Response:
        return Response(s.CategoryTreeSerializer(selectors.category_tree(), many=True).data)


class ParameterViewSet(viewsets.ReadOnlyModelViewSet):
    """The specification dictionary; filtering by category includes the parameters it inherits."""

    serializer_class = s.ParameterSerializer
    filterset_class = ParameterFilterSet
    permission_classes = [IsAuthenticatedOrReadOnly]

    def get_queryset(self) -> QuerySet[Parameter]:
        category = None
        if self.action == "list":
            filterset = ParameterFilterSet(self.request.query_params, queryset=Parameter.objects.none())
            if not filterset.is_valid():
                raise ValidationError(filterset.errors)
            category = filterset.form.cleaned_data.get("category")
            code = filterset.form.cleaned_data.get("category_code")
            if category is None and code:
                category = get_object_or_404(Category, code=code)
        return selectors.parameter_list(category=category)


@extend_schema_view(
    # partial_update goes through update(); without this the schema would describe its answer as the input.
    partial_update=extend_schema(
        request=s.ProductWriteSerializer,
        responses=s.ProductSerializer,
        description=gettext_lazy(
            "Change some fields. `specifications` are merged: each one sent adds or changes the value of its "
            "parameter; the product's other specifications stay. PUT replaces them all."
        ),
    ),
    update=extend_schema(
        request=s.ProductReplaceSerializer,
        responses=s.ProductSerializer,
        description=gettext_lazy(
            "Replace the product: `specifications` is required and becomes the whole set (the ones left out are "
            "removed). PATCH merges instead."
        ),
    ),
)
class ProductViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Products: everyone reads published ones; members of the manufacturer read its drafts and write."""

    filterset_class = ProductFilterSet
    permission_classes = [IsAuthenticatedOrReadOnly]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    pagination_class = downloadable_pagination("product")
    ordering_fields = ["published_at", "price_min", "evaluation_score", "id"]

    def get_serializer_class(self) -> type[Any]:
        if self.action == "update":
            return s.ProductReplaceSerializer
        if self.action in ("create", "partial_update"):
            return s.ProductWriteSerializer
        if self.action == "import_file":
            return s.ImportRequestSerializer
        if self.action == "documents":
            return s.DocumentUploadSerializer
        if self.action == "document":
            return s.DocumentReplaceSerializer
        if self.action == "list":
            return s.ProductListSerializer
        return s.ProductSerializer

    def get_queryset(self) -> QuerySet[Product]:
        # A list shows no specifications or documents: prefetching them is the detail's cost only.
        return selectors.product_list(user=self.request.user, with_specifications=self.action != "list")

    def _managed(self) -> Product:
        product = self.get_object()
        if not policies.can_manage_product(self.request.user, product):
            raise PermissionDenied(_("Only members of the manufacturer can change this product."))
        return product

    def _output(self, product: Product, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.product_get(user=self.request.user, pk=product.pk)
        return Response(s.ProductSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    @extend_schema(
        parameters=[OpenApiParameter("q", OpenApiTypes.STR, description="Keywords, through the search layer.")]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        text = request.query_params.get("q", "").strip()
        if not text:
            return super().list(request, *args, **kwargs)
        # Keywords page through the search backend as the product pages do: its order, its total, no cap. The
        # index holds published products; the person's own drafts and withdrawn products matching the words
        # follow the hits (unless a status filter leaves only those, when the words are matched alone).
        queryset = self.filter_queryset(self.get_queryset())
        filters = ProductFilterSet(strict_data(request, ProductFilterSet), queryset=queryset).product_filters()
        words = queryset.filter(selectors.product_words_q(text)).order_by("id")
        if filters.status in (None, Product.Status.PUBLISHED):
            query = SearchQuery(kind="products", text=text, filters=filters.as_search_filters())
            rows = cast(PageNumberPagination, self.paginator).paginate_search(
                request,
                search=lambda page, size: search(replace(query, page=page, page_size=size)),
                rows=queryset,
                tail=words.filter(selectors.product_unlisted_q()),
            )
        else:
            rows = self.paginate_queryset(words) or []
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    @extend_schema(request=s.ProductWriteSerializer, responses={201: s.ProductSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = s.ProductWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        manufacturer = data.pop("manufacturer")
        product = services.product_create(
            user=acting_user(request),
            manufacturer=manufacturer,
            specifications=data.pop("specifications", []),
            provinces_served=data.pop("provinces_served", None),
            **data,
        )
        return self._output(product, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        product = self._managed()
        partial = kwargs.pop("partial", False)
        incoming = s.ProductWriteSerializer if partial else s.ProductReplaceSerializer
        serializer = incoming(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        manufacturer = data.pop("manufacturer", None)
        if manufacturer is not None and manufacturer.pk != product.manufacturer_id:
            raise ValidationError({"manufacturer": [_("A product cannot move to another manufacturer.")]})
        specifications = data.pop("specifications", None)
        provinces = data.pop("provinces_served", None)
        product = services.product_update(
            product=product,
            user=acting_user(request),
            fields=data,
            specifications=specifications,
            provinces_served=provinces,
            merge_specifications=partial,
        )
        return self._output(product)

    @extend_schema(request=None, responses=s.ProductSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        product = services.product_publish(product=self._managed(), user=acting_user(request))
        return self._output(product)

    @extend_schema(request=None, responses=s.ProductSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        product = services.product_withdraw(product=self._managed(), user=acting_user(request))
        return self._output(product)

    @extend_schema(
        parameters=[OpenApiParameter("on", OpenApiTypes.DATE, description="The date asked (default: today).")],
        responses=s.DomesticStatusSerializer,
    )
    @action(detail=True, methods=["get"], url_path="domestic-status", pagination_class=None)
    def domestic_status(self, request: Request, pk: str | None = None) -> Response:
        """Whether the product is a domestic product under the rule in force on a date, and why."""
        query = s.DomesticStatusQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        status_ = domestic.status_on(self.get_object(), query.validated_data.get("on"))
        return Response(s.DomesticStatusSerializer(status_.as_dict()).data)

    @extend_schema(responses=s.ProductListSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def alternatives(self, request: Request, pk: str | None = None) -> Response:
        """Domestic products in the same category that meet or beat this (imported) product's specifications."""
        products = selectors.product_domestic_alternatives(product=self.get_object())
        rows = selectors.product_list_by_ids(user=request.user, ids=[p.pk for p in products])
        return Response(s.ProductListSerializer(rows, many=True, context=self.get_serializer_context()).data)

    @extend_schema(
        parameters=[s.ComparisonParamsSerializer],
        responses={200: s.ComparisonSerializer, **error_responses(400)},
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def compare(self, request: Request) -> Response:
        """Products side by side: specifications parameter by parameter, terms and evaluations, best values marked.

        An imported product first is the reference: each other product is told how many of its comparable
        specifications it meets or beats. Ids the caller may not see are a 400, like ids that do not exist.
        """
        ids = selectors.comparison_ids(request.query_params.getlist("ids"))
        comparison = selectors.product_comparison(user=request.user, ids=ids)
        return Response(s.ComparisonSerializer(comparison, context=self.get_serializer_context()).data)

    @extend_schema(
        request={"multipart/form-data": s.DocumentUploadSerializer}, responses={201: s.ProductDocumentSerializer}
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def documents(self, request: Request, pk: str | None = None) -> Response:
        product = self._managed()
        serializer = s.DocumentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        document = services.product_document_add(
            product=product,
            user=acting_user(request),
            **serializer.validated_data,
        )
        body = s.ProductDocumentSerializer(document, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[OpenApiParameter("document_id", OpenApiTypes.INT, OpenApiParameter.PATH)])
    @extend_schema(
        methods=["PUT"],
        request={"multipart/form-data": s.DocumentReplaceSerializer},
        responses={200: s.ProductDocumentSerializer, **error_responses(400, 403, 404)},
        description="Replace a document's file (its kind and title stay).",
    )
    @extend_schema(methods=["DELETE"], responses={204: None, **error_responses(403, 404)})
    @action(
        detail=True,
        methods=["put", "delete"],
        url_path=r"documents/(?P<document_id>[0-9]+)",
        parser_classes=[MultiPartParser, FormParser],
    )
    def document(self, request: Request, pk: str | None = None, document_id: str | None = None) -> Response:
        product = self._managed()
        found = selectors.product_document_get_for_manager(
            user=acting_user(request), product=product, pk=int(document_id or 0)
        )
        if found is None:
            raise NotFound
        if request.method == "DELETE":
            services.product_document_delete(document=found, user=acting_user(request))
            return Response(status=status.HTTP_204_NO_CONTENT)
        serializer = s.DocumentReplaceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        replaced = services.product_document_replace(
            document=found, user=acting_user(request), file=serializer.validated_data["file"]
        )
        return Response(s.ProductDocumentSerializer(replaced, context=self.get_serializer_context()).data)

    @extend_schema(
        request={"multipart/form-data": s.ImportRequestSerializer},
        responses={200: RowReportSerializer, 400: report_or_error("ImportFailure", RowReportSerializer)},
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[MultiPartParser, FormParser],
        permission_classes=[IsAuthenticated],
    )
    def import_file(self, request: Request) -> Response:
        """Bulk import (CSV or XLSX); answers 400 with the per-row report when rows are bad."""
        serializer = s.ImportRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        upload = data["file"]
        report = importing.products_import(
            manufacturer=data["manufacturer"],
            user=acting_user(request),
            filename=upload.name,
            data=importing.products_upload_read(upload),
            atomic=data["atomic"],
            publish=data["publish"],
        )
        body = RowReportSerializer(report).data
        return Response(body, status=status.HTTP_400_BAD_REQUEST if report.errors else status.HTTP_200_OK)

    @extend_schema(
        parameters=[s.ImportTemplateParamsSerializer],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY),
            **error_responses(400, 404),
        },
    )
    @action(detail=False, methods=["get"])
    def template(self, request: Request) -> HttpResponse:
        """An empty import file for a category, with one column per parameter (units in the headers)."""
        params = s.ImportTemplateParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        category = get_object_or_404(Category, pk=params.validated_data["category"])
        return template_response(category, params.validated_data["file_format"])

    def _download_rows(self, request: Request) -> QuerySet[Product]:
        filterset = ProductFilterSet(strict_data(request, ProductFilterSet), queryset=Product.objects.none())
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        text = request.query_params.get("q", "")
        return selectors.product_download_list(filters=filterset.product_filters(), text=text)

    @extend_schema(
        summary="The public catalog as CSV (open data)",
        description=DOWNLOAD_DESCRIPTION,
        filters=True,
        parameters=[DOWNLOAD_Q],
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY), **error_responses(400)},
    )
    @action(detail=False, methods=["get"], url_path="download/csv", pagination_class=None)
    def download_csv(self, request: Request) -> StreamingHttpResponse:
        rows = self._download_rows(request).iterator(chunk_size=tabular.DOWNLOAD_CHUNK)
        columns = downloads.product_columns(request.build_absolute_uri("/"))
        return csv_response(tabular.csv_stream(columns, rows), filename="products.csv")

    @extend_schema(
        summary="The public catalog as XLSX (open data)",
        description=DOWNLOAD_DESCRIPTION,
        filters=True,
        parameters=[DOWNLOAD_Q],
        responses={(200, XLSX_TYPE): OpenApiResponse(OpenApiTypes.BINARY), **error_responses(400)},
    )
    @action(detail=False, methods=["get"], url_path="download/xlsx", pagination_class=None)
    def download_xlsx(self, request: Request) -> HttpResponse:
        rows = self._download_rows(request).iterator(chunk_size=tabular.DOWNLOAD_CHUNK)
        columns = downloads.product_columns(request.build_absolute_uri("/"))
        return xlsx_response(tabular.xlsx_download("products", columns, rows), filename="products.xlsx")


def file_response(content: bytes, *, fmt: str, filename: str) -> HttpResponse:
    content_type = (
        "text/csv; charset=utf-8"
        if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def template_response(category: Category, fmt: str) -> HttpResponse:
    fmt = "csv" if fmt == "csv" else "xlsx"
    content = importing.products_export(category=category, products=[], fmt=fmt, example=True)
    return file_response(content, fmt=fmt, filename=f"products-{category.code}.{fmt}")


class EvaluationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Evaluations of published products; members of verified institutions write them."""

    permission_classes = [IsAuthenticatedOrReadOnly]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filterset_fields = ["product", "kind"]

    def get_serializer_class(self) -> type[Any]:
        return s.EvaluationCreateSerializer if self.action == "create" else s.EvaluationSerializer

    def get_queryset(self) -> QuerySet[Evaluation]:
        return selectors.evaluation_list()

    @extend_schema(
        request={"multipart/form-data": s.EvaluationCreateSerializer, "application/json": s.EvaluationCreateSerializer},
        responses={201: s.EvaluationSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = s.EvaluationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        evaluation = services.evaluation_create(user=acting_user(request), **serializer.validated_data)
        return Response(s.EvaluationSerializer(evaluation).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("category", OpenApiTypes.STR, description="Rules reaching this category code.")]
    )
)
class DomesticProductRuleViewSet(viewsets.ModelViewSet):
    """Versions of the domestic-product rule; everyone reads them, platform staff add and change them."""

    permission_classes = [IsAuthenticatedOrReadOnly]
    filter_backends: list[Any] = []
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_serializer_class(self) -> type[Any]:
        if self.action in ("create", "partial_update"):
            return s.DomesticProductRuleWriteSerializer
        return s.DomesticProductRuleSerializer

    def get_queryset(self) -> QuerySet[DomesticProductRule]:
        code = self.request.query_params.get("category") if self.action == "list" else None
        if code:
            category = Category.objects.filter(code=code).first()
            if category is None:
                raise ValidationError({"category": [_("Unknown category.")]})
            return selectors.domestic_rule_list(category=category)
        return selectors.domestic_rule_list()

    def _check_staff(self) -> None:
        if not policies.can_manage_domestic_rules(self.request.user):
            raise PermissionDenied(_("Only platform staff can change the domestic-product rule."))

    @extend_schema(request=s.DomesticProductRuleWriteSerializer, responses={201: s.DomesticProductRuleSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self._check_staff()
        serializer = s.DomesticProductRuleWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rule = services.domestic_rule_create(user=acting_user(request), **serializer.validated_data)
        return Response(s.DomesticProductRuleSerializer(rule).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.DomesticProductRuleWriteSerializer, responses=s.DomesticProductRuleSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self._check_staff()
        serializer = s.DomesticProductRuleWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        rule = services.domestic_rule_update(
            rule=self.get_object(), user=acting_user(request), **serializer.validated_data
        )
        return Response(s.DomesticProductRuleSerializer(rule).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self._check_staff()
        services.domestic_rule_delete(rule=self.get_object(), user=acting_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
