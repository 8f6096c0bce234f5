"""Reading uploaded CSV and XLSX files into rows of cells; refusing anything else."""

from __future__ import annotations

import csv
import io
import os
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from config.exceptions import ApplicationError

IMPORT_MAX_BYTES: int = getattr(settings, "CATALOG_IMPORT_MAX_BYTES", 20 * 1024 * 1024)
IMPORT_MAX_ROWS: int = getattr(settings, "CATALOG_IMPORT_MAX_ROWS", 20000)


def read_upload(upload: UploadedFile) -> bytes:
    """The bytes of an uploaded import file, refusing an oversized one before reading it into memory."""
    if (upload.size or 0) > IMPORT_MAX_BYTES:
        raise ApplicationError(
            _("The file is too large (limit %(mb)s MB).") % {"mb": IMPORT_MAX_BYTES // (1024 * 1024)}, field="file"
        )
    return upload.read()


def check_upload(name: str, data: bytes) -> str:
    """Refuse anything but a CSV or XLSX file of sensible size; return "csv" or "xlsx"."""
    extension = os.path.splitext(name or "")[1].lower()
    if extension not in (".csv", ".xlsx"):
        raise ApplicationError(_("Upload a CSV or XLSX file."), field="file")
    if len(data) > IMPORT_MAX_BYTES:
        raise ApplicationError(
            _("The file is too large (limit %(mb)s MB).") % {"mb": IMPORT_MAX_BYTES // (1024 * 1024)}, field="file"
        )
    if not data:
        raise ApplicationError(_("The file is empty."), field="file")
    if extension == ".xlsx":
        if not data.startswith(b"PK\x03\x04"):
            raise ApplicationError(_("The file is not a valid XLSX workbook."), field="file")
        return "xlsx"
    if b"\x00" in data[:8192] or data.startswith(b"PK\x03\x04"):
        raise ApplicationError(_("The file is not a CSV text file."), field="file")
    return "csv"


def _decode(data: bytes) -> str:
    # Excel in China saves CSV as GB18030 unless told otherwise.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ApplicationError(_("The CSV file is neither UTF-8 nor GB18030 text."), field="file")


def read_rows(kind: str, data: bytes) -> list[tuple[Any, ...]]:
    if kind == "csv":
        return [tuple(row) for row in csv.reader(io.StringIO(_decode(data)))]
    from openpyxl import load_workbook

    try:
        # data_only=False: a formula arrives as its text ("=..."), never as a value someone else computed.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many unrelated types for a broken archive
        raise ApplicationError(_("The file is not a valid XLSX workbook."), field="file") from exc
    try:
        sheet = workbook["products"] if "products" in workbook.sheetnames else workbook.worksheets[0]
        return [tuple(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value).strip()
    # A leading quote is how our exports neutralise formulas; take it off again on the way back in.
    if text.startswith("'") and text[1:2] in ("=", "+", "-", "@"):
        return text[1:]
    return text
