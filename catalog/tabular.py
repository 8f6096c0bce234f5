"""CSV and XLSX files the platform reads and writes (no ORM): the one import framework and the formula guard.

Imports (products, shared instruments) read an upload with ``read_table``, walk its rows with ``data_rows`` and
answer with a ``RowReport``: one ``RowError`` per bad cell, rows counted from the header as row 1. A problem of
the whole file (not CSV or XLSX, too large, too many rows, no header) is an ``ApplicationError`` on ``file``.

Every file the platform writes goes through ``csv_bytes`` or ``xlsx_bytes``, which apply the formula guard:
text a spreadsheet would run as a formula (OWASP "CSV injection") gets a leading quote and is shown as text.
"""

from __future__ import annotations

import csv
import datetime
import io
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from config.exceptions import ApplicationError

T = TypeVar("T")

# --- The formula guard ------------------------------------------------------------------------------------------

# Characters a spreadsheet treats as the start of a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBERISH = re.compile(r"^[+-]?\s*\d[\d.,eE+\-~\s]*[^=@()]*$")


def is_formula(text: str) -> bool:
    """Whether a spreadsheet would evaluate ``text`` as a formula; plain signed numbers are not formulas."""
    if not text or not text.startswith(FORMULA_PREFIXES):
        return False
    return not (text[0] in "+-" and _PLAIN_NUMBERISH.match(text))


def neutralise_formula(value: Any) -> Any:
    """Prefix a quote so spreadsheet software shows the text instead of running it; numbers pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def guard_cells(cells: Iterable[Any]) -> list[Any]:
    return [neutralise_formula(cell) for cell in cells]


def csv_text(rows: Iterable[Iterable[Any]]) -> str:
    """Rows as CSV text, every cell through the formula guard."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(guard_cells(row))
    return buffer.getvalue()


def csv_bytes(rows: Iterable[Iterable[Any]]) -> bytes:
    """Rows as UTF-8 CSV with a byte-order mark (so Excel keeps the Chinese intact), formula-guarded."""
    return ("\ufeff" + csv_text(rows)).encode("utf-8")


@dataclass(frozen=True)
class ColumnRule:
    """What a spreadsheet lets a person type in one column below the header (Excel's data validation).

    ``choices`` makes a drop-down list; ``whole`` or ``decimal`` a (low, high) bound. ``rows`` is how many rows
    below the header the rule covers.
    """

    column: int  # 0-based
    choices: Sequence[str] = ()
    whole: tuple[int, int] | None = None
    decimal: tuple[float, float] | None = None
    message: str = ""
    rows: int = 20000


# Excel refuses an inline list longer than this; longer lists are read from a hidden sheet.
_INLINE_LIST_CHARS = 250
LISTS_SHEET = "lists"


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def xlsx_bytes(
    sheets: Iterable[tuple[str, Iterable[Iterable[Any]]]], *, rules: dict[str, Sequence[ColumnRule]] | None = None
) -> bytes:
    """A workbook with one sheet per (name, rows), every cell through the formula guard; ``rules`` adds
    drop-down lists and bounds to a sheet's columns (long lists go to a hidden sheet)."""
    from openpyxl import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook(write_only=True)
    long_lists: list[Sequence[str]] = []
    for name, rows in sheets:
        sheet = workbook.create_sheet(name)
        for rule in (rules or {}).get(name, ()):
            cells = f"{_column_letter(rule.column)}2:{_column_letter(rule.column)}{rule.rows + 1}"
            if rule.choices:
                inline = ",".join(rule.choices)
                if len(inline) <= _INLINE_LIST_CHARS and not any("," in c or '"' in c for c in rule.choices):
                    formula = f'"{inline}"'
                else:
                    long_lists.append(rule.choices)
                    letter = _column_letter(len(long_lists) - 1)
                    formula = f"{LISTS_SHEET}!${letter}$1:${letter}${len(rule.choices)}"
                validation = DataValidation(type="list", formula1=formula, allow_blank=True)
            elif rule.whole is not None:
                validation = DataValidation(
                    type="whole", operator="between", formula1=str(rule.whole[0]), formula2=str(rule.whole[1])
                )
            elif rule.decimal is not None:
                validation = DataValidation(
                    type="decimal", operator="between", formula1=str(rule.decimal[0]), formula2=str(rule.decimal[1])
                )
            else:
                continue
            validation.allow_blank = True
            validation.showErrorMessage = True
            validation.error = rule.message or None
            validation.add(cells)
            sheet.data_validations.append(validation)
        for row in rows:
            sheet.append(guard_cells(row))
    if long_lists:
        lists = workbook.create_sheet(LISTS_SHEET)
        lists.sheet_state = "hidden"
        for index in range(max(len(values) for values in long_lists)):
            lists.append(guard_cells(values[index] if index < len(values) else None for values in long_lists))
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


# --- Open-data downloads ---------------------------------------------------------------------------------------

# Rows a download reads from the database at a time: one query per chunk (and one per prefetch), never per row.
DOWNLOAD_CHUNK = 2000


@dataclass(frozen=True)
class Column(Generic[T]):
    """One column of a download: its stable key (row 1 of the file) and how a row's value is read."""

    key: str
    value: Callable[[T], Any]


def download_cell(value: Any) -> Any:
    """A value as a download writes it: empty for none, ``true``/``false``, ISO 8601 dates and UTC times."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC)
        return value.replace(microsecond=0, tzinfo=None).isoformat() + "Z"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def download_row(columns: Sequence[Column[T]], row: T) -> list[Any]:
    return [download_cell(column.value(row)) for column in columns]


def csv_stream(columns: Sequence[Column[T]], rows: Iterable[T]) -> Iterator[str]:
    """A download as CSV lines, produced as the rows are read: the keys first, then one line per row (UTF-8 with a
    byte-order mark, formula-guarded like every file the platform writes)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells: Iterable[Any]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(guard_cells(cells))
        return buffer.getvalue()

    yield "\ufeff" + line(column.key for column in columns)
    for row in rows:
        yield line(download_row(columns, row))


def xlsx_download(sheet: str, columns: Sequence[Column[T]], rows: Iterable[T]) -> bytes:
    """A download as a one-sheet workbook: the keys in row 1, then one row per row (a write-only workbook)."""
    return xlsx_bytes([(sheet, _download_rows(columns, rows))])


def _download_rows(columns: Sequence[Column[T]], rows: Iterable[T]) -> Iterator[list[Any]]:
    yield [column.key for column in columns]
    for row in rows:
        yield download_row(columns, row)


# --- Reading uploads ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int  # line in the file, the header being row 1
    column: str
    reason: str


@dataclass
class RowReport:
    """What an import did: rows read, rows created or updated, whether anything was written, the bad cells."""

    total_rows: int = 0
    created: int = 0
    updated: int = 0
    written: bool = False
    errors: list[RowError] = field(default_factory=list)

    @property
    def bad_rows(self) -> int:
        return len({error.row for error in self.errors})

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class Table:
    header: tuple[Any, ...]
    body: list[tuple[Any, ...]]


def _too_large(max_bytes: int) -> ApplicationError:
    return ApplicationError(
        _("The file is too large (limit %(mb)s MB).") % {"mb": f"{max_bytes / (1024 * 1024):g}"}, field="file"
    )


def read_upload(upload: UploadedFile, *, max_bytes: int) -> bytes:
    """The bytes of an uploaded file, refusing an oversized one before reading it into memory."""
    if (upload.size or 0) > max_bytes:
        raise _too_large(max_bytes)
    return upload.read()


def check_upload(name: str, data: bytes, *, max_bytes: int) -> str:
    """Refuse anything but a CSV or XLSX file of sensible size; return "csv" or "xlsx"."""
    extension = os.path.splitext(name or "")[1].lower()
    if extension not in (".csv", ".xlsx"):
        raise ApplicationError(_("Upload a CSV or XLSX file."), field="file")
    if len(data) > max_bytes:
        raise _too_large(max_bytes)
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


def read_rows(kind: str, data: bytes, *, sheet: str | None = None) -> list[tuple[Any, ...]]:
    """Every row of a CSV text or of an XLSX workbook's sheet ``sheet`` (else its first sheet)."""
    if kind == "csv":
        return [tuple(row) for row in csv.reader(io.StringIO(_decode(data)))]
    from openpyxl import load_workbook

    try:
        # data_only=False: a formula arrives as its text ("=..."), never as a value someone else computed.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many unrelated types for a broken archive
        raise ApplicationError(_("The file is not a valid XLSX workbook."), field="file") from exc
    try:
        chosen = workbook[sheet] if sheet in workbook.sheetnames else workbook.worksheets[0]
        return [tuple(row) for row in chosen.iter_rows(values_only=True)]
    finally:
        workbook.close()


def read_table(*, filename: str, data: bytes, max_bytes: int, max_rows: int, sheet: str | None = None) -> Table:
    """The header and the rows below it of an uploaded CSV or XLSX file, or an ApplicationError on ``file``."""
    rows = read_rows(check_upload(filename, data, max_bytes=max_bytes), data, sheet=sheet)
    if not rows or not any(cell_text(cell) for cell in rows[0]):
        raise ApplicationError(_("The file has no header row."), field="file")
    body = rows[1:]
    if len(body) > max_rows:
        raise ApplicationError(
            _("The file has more than %(limit)s rows; split it.") % {"limit": max_rows}, field="file"
        )
    return Table(header=rows[0], body=body)


def check_columns(names: Sequence[str], *, required: Sequence[str] = ()) -> None:
    """Refuse a header that lacks a required column or names one twice (``names`` already normalised)."""
    present = [name for name in names if name]
    missing = [name for name in required if name not in present]
    if missing:
        raise ApplicationError(
            _("The header row lacks these columns: %(names)s") % {"names": ", ".join(missing)}, field="file"
        )
    twice = sorted({name for name in present if present.count(name) > 1})
    if twice:
        raise ApplicationError(
            _("Columns appear more than once: %(names)s") % {"names": ", ".join(twice)}, field="file"
        )


def cell_text(value: Any) -> str:
    """A cell as trimmed text; a formula our exports quoted reads as the text it was."""
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


# A row whose first cell starts with this is an example or a note (the templates' example row), never imported.
COMMENT_PREFIX = "#"


def data_rows(body: Sequence[tuple[Any, ...]]) -> Iterator[tuple[int, tuple[Any, ...], list[str]]]:
    """(row number, raw cells, cell texts) of each row that is neither blank nor a comment (first cell starting
    with ``#``, as the templates' example row does); the header is row 1."""
    for index, cells in enumerate(body):
        texts = [cell_text(cell) for cell in cells]
        if any(texts) and not (texts and texts[0].startswith(COMMENT_PREFIX)):
            yield index + 2, cells, texts
