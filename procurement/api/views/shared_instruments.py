"""`shared-instruments`: an institution's registry, with CSV import."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.schema import RowReportSerializer, report_or_error
from procurement import policies, selectors, services
from procurement.api.serializers import (
    SharedInstrumentImportSerializer,
    SharedInstrumentInSerializer,
    SharedInstrumentOutSerializer,
)
from procurement.api.views.common import ERRORS, one_institution
from procurement.models import SharedInstrument


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
            if key in filters and not str(filters[key]).isdecimal():
                raise serializers.ValidationError({key: [_("Give an id.")]})
            if key in filters:
                filters[key] = int(filters[key])
        if "\x00" in filters.get("q", ""):
            # PostgreSQL text cannot hold a NUL byte, so the query could not even be sent.
            raise serializers.ValidationError({"q": [_("Null characters are not allowed.")]})
        if params.get("mine") in ("1", "true"):
            filters["mine"] = True
        return selectors.shared_instrument_list(user=self.request.user, filters=filters)

    def _editable(self) -> SharedInstrument:
        instrument = self.get_object()
        if not policies.can_edit_shared_instrument(self.request.user, instrument):
            raise PermissionDenied(_("Only members of the institution may change its shared instruments."))
        return instrument

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = SharedInstrumentInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        institution = one_institution(request, data.pop("institution", None))
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
        summary="Import shared instruments from a CSV or XLSX file",
        description="All rows or none: if any row is bad, nothing is saved and every bad row is reported (400).",
        request={"multipart/form-data": SharedInstrumentImportSerializer},
        responses={
            201: RowReportSerializer,
            400: report_or_error("SharedInstrumentImportFailure", RowReportSerializer),
        },
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser, FormParser])
    def import_csv(self, request: Request) -> Response:
        incoming = SharedInstrumentImportSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        institution = one_institution(request, incoming.validated_data.get("institution"))
        upload = incoming.validated_data["file"]
        report = services.shared_instrument_import(
            user=request.user,  # type: ignore[arg-type]
            institution=institution,
            filename=upload.name or "",
            data=services.shared_instrument_upload_read(upload),
        )
        body = RowReportSerializer(report).data
        return Response(body, status=status.HTTP_201_CREATED if report.ok else status.HTTP_400_BAD_REQUEST)
