"""The history page of an object: who changed what and when."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from audit.api.serializers import ACTIONS
from audit.history import history_entries, history_kind, history_object

PAGE_SIZE = 50


@login_required
def history(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    found = history_kind(kind)
    obj = history_object(kind=found, user=request.user, pk=pk) if found is not None else None
    if found is None or obj is None:
        raise Http404
    if not found.can_read(request.user, obj):
        raise PermissionDenied(_("Only the owning organization and platform staff can read this history."))
    page = Paginator(history_entries(kind=found, obj=obj), PAGE_SIZE).get_page(request.GET.get("page"))
    rows: list[dict[str, Any]] = [
        {
            "entry": entry,
            "action": ACTIONS.get(entry.action, ""),
            "model": entry.content_type.model_class()._meta.verbose_name if entry.content_type.model_class() else "",
            "changes": entry.changes_display_dict,
        }
        for entry in page
    ]
    return render(request, "audit/history.html", {"kind": found, "object": obj, "rows": rows, "page": page})
