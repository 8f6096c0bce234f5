"""A comparison as an XLSX workbook (through the formula guard of ``catalog.tabular``) and as a PDF."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _

from catalog.tabular import xlsx_bytes
from procurement import pdf
from procurement.comparison import comparison_table

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def file_download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    """A generated file for the one person who asked (never kept by a shared cache)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-cache"
    return response


def comparison_xlsx(snapshot: dict[str, Any], *, title: str) -> bytes:
    header, rows = comparison_table(snapshot)
    return xlsx_bytes([(_("Comparison")[:31], [[title], [], header, *rows])])


def comparison_pdf(snapshot: dict[str, Any], *, title: str) -> bytes:
    header, rows = comparison_table(snapshot)
    count = len(header)
    first = 0.22 if count > 1 else 1.0
    widths = [first, *[(1 - first) / (count - 1)] * (count - 1)] if count > 1 else [1.0]
    blocks = [
        pdf.small(_("Quotes meeting every mandatory requirement rank first, by evaluated price, then match score.")),
        pdf.table([header, *rows], widths=widths),
    ]
    return pdf.pdf_bytes(_("Comparison of quotes: %(title)s") % {"title": title}, blocks, wide=True)
