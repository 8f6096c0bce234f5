"""The comparison of a demand's quotes: the page and its XLSX and PDF downloads (the buyer institution only)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from procurement import selectors
from procurement.comparison import (
    cell_text,
    derivation,
    domestic_message,
    is_made_in_china,
    quote_label,
    requirement_label,
)
from procurement.comparison_export import XLSX, comparison_pdf, comparison_xlsx, file_download


def comparison_context(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The snapshot arranged for the template: each requirement row with its cells in rank order."""
    columns = [
        {
            **column,
            "label": quote_label(column),
            "domestic_text": domestic_message(column),
            "is_made_in_china": is_made_in_china(column),
            "derivation": derivation({**column, "rule_date": snapshot.get("rule_date", "")}),
        }
        for column in snapshot["quotes"]
    ]
    rows = []
    for index, requirement in enumerate(snapshot["requirements"]):
        rows.append(
            {
                "label": requirement_label(requirement),
                "is_mandatory": requirement["is_mandatory"],
                "cells": [
                    {**c["cells"][index], "text": cell_text(c["cells"][index], requirement.get("unit", ""))}
                    for c in columns
                ],
            }
        )
    return {"columns": columns, "rows": rows, "snapshot": snapshot}


@login_required
@require_GET
def demand_comparison(request: HttpRequest, pk: int) -> HttpResponse:
    demand = selectors.demand_get_for_edit(user=request.user, pk=pk)
    snapshot = selectors.comparison_for(user=request.user, demand=demand)
    context = {"demand": demand, "is_frozen": hasattr(demand, "award"), **comparison_context(snapshot)}
    return render(request, "procurement/comparison.html", context)


@login_required
@require_GET
def demand_comparison_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    demand = selectors.demand_get_for_edit(user=request.user, pk=pk)
    snapshot = selectors.comparison_for(user=request.user, demand=demand)
    return file_download(comparison_xlsx(snapshot, title=demand.title), XLSX, f"comparison-{demand.pk}.xlsx")


@login_required
@require_GET
def demand_comparison_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    demand = selectors.demand_get_for_edit(user=request.user, pk=pk)
    snapshot = selectors.comparison_for(user=request.user, demand=demand)
    return file_download(comparison_pdf(snapshot, title=demand.title), "application/pdf", f"comparison-{demand.pk}.pdf")
