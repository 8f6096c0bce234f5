"""An institution's registry of instruments it already owns and shares (read by the duplicate-purchase check)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Organization, Province, User
from accounts.regions import province_code
from catalog import values
from catalog.models import Category
from catalog.tabular import RowError, RowReport, cell_text, check_columns, data_rows, read_table, read_upload
from catalog.values import InvalidValue
from config.exceptions import ApplicationError
from procurement import policies
from procurement.models import SharedInstrument

FIELDS = (
    "category",
    "product",
    "name",
    "model_name",
    "manufacturer_name",
    "location",
    "province",
    "booking_contact",
    "booking_url",
    "is_open_to_external",
)

# CSV headers (English or Chinese) and the field each fills.
CSV_HEADERS: dict[str, str] = {
    "name": "name",
    "名称": "name",
    "category": "category",
    "类别": "category",
    "model": "model_name",
    "型号": "model_name",
    "manufacturer": "manufacturer_name",
    "生产厂家": "manufacturer_name",
    "location": "location",
    "位置": "location",
    "province": "province",
    "省份": "province",
    "booking_contact": "booking_contact",
    "预约联系方式": "booking_contact",
    "booking_url": "booking_url",
    "预约链接": "booking_url",
    "open_to_external": "is_open_to_external",
    "对外开放": "is_open_to_external",
}
REQUIRED_COLUMNS = ("name", "category", "province")
MAX_IMPORT_ROWS = 2000
IMPORT_MAX_BYTES = 2 * 1024 * 1024


def _require_member(user: User, institution: Organization | int) -> None:
    if not policies.can_manage_shared_instruments(user, institution):
        raise PermissionDenied(_("Only members of the institution may change its shared instruments."))


def _validate(instrument: SharedInstrument) -> None:
    if not (instrument.name or "").strip():
        raise ApplicationError(_("Give the instrument a name."), field="name")
    try:
        instrument.full_clean()
    except ValidationError as exc:
        name, messages = next(iter(exc.message_dict.items()))
        raise ApplicationError(messages[0], field=None if name == "__all__" else name) from None


@transaction.atomic
def shared_instrument_create(*, user: User, institution: Organization, **fields: Any) -> SharedInstrument:
    _require_member(user, institution)
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ApplicationError(_("Unknown fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    instrument = SharedInstrument(institution=institution, **fields)
    _validate(instrument)
    instrument.save()
    return instrument


@transaction.atomic
def shared_instrument_update(*, instrument: SharedInstrument, user: User, **fields: Any) -> SharedInstrument:
    _require_member(user, instrument.institution_id)
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ApplicationError(_("Unknown fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    for name, value in fields.items():
        setattr(instrument, name, value)
    _validate(instrument)
    instrument.save()
    return instrument


@transaction.atomic
def shared_instrument_delete(*, instrument: SharedInstrument, user: User) -> None:
    _require_member(user, instrument.institution_id)
    instrument.delete()


def _open_to_external(text: str) -> bool:
    """An empty cell (or no such column) means not open: opening an instrument to outside users is a promise
    the institution makes in so many words, never by leaving a cell blank."""
    return False if not text else values.parse_yes_no(text)


def shared_instrument_upload_read(upload: UploadedFile) -> bytes:
    """The bytes of an uploaded instrument file, refusing one above the import limit before reading it."""
    return read_upload(upload, max_bytes=IMPORT_MAX_BYTES)


def shared_instrument_import(*, user: User, institution: Organization, filename: str, data: bytes) -> RowReport:
    """Import many instruments from a CSV or XLSX file. Every bad row is reported; if any is bad, nothing is saved.

    A problem of the whole file (not CSV or XLSX, too large, too many rows, a required column missing) is an
    ApplicationError on ``file``.
    """
    _require_member(user, institution)
    table = read_table(filename=filename, data=data, max_bytes=IMPORT_MAX_BYTES, max_rows=MAX_IMPORT_ROWS)
    fields = [CSV_HEADERS.get(cell_text(h).lower(), CSV_HEADERS.get(cell_text(h), "")) for h in table.header]
    check_columns(fields, required=REQUIRED_COLUMNS)
    categories = {c.code.lower(): c for c in Category.objects.all()}
    categories_by_name = {c.name_zh: c for c in categories.values()}
    provinces = {p.code: p for p in Province.objects.all()}

    report = RowReport()
    instruments: list[SharedInstrument] = []
    for line, _cells, texts in data_rows(table.body):
        report.total_rows += 1
        row = {name: text for name, text in zip(fields, texts, strict=False) if name}
        errors: list[RowError] = []
        category = categories.get(row.get("category", "").lower()) or categories_by_name.get(row.get("category", ""))
        if category is None:
            errors.append(
                RowError(line, "category", _("Unknown category “%(value)s”.") % {"value": row.get("category", "")})
            )
        province_text = row.get("province", "")
        province = provinces.get(province_code(province_text) or "")
        if province is None:
            errors.append(RowError(line, "province", _("Unknown province “%(value)s”.") % {"value": province_text}))
        try:
            is_open = _open_to_external(row.get("is_open_to_external", ""))
        except InvalidValue as exc:
            errors.append(RowError(line, "is_open_to_external", exc.reason))
        if errors or category is None or province is None:
            report.errors.extend(errors)
            continue
        instrument = SharedInstrument(
            institution=institution,
            category=category,
            province=province,
            name=row.get("name", ""),
            model_name=row.get("model_name", ""),
            manufacturer_name=row.get("manufacturer_name", ""),
            location=row.get("location", ""),
            booking_contact=row.get("booking_contact", ""),
            booking_url=row.get("booking_url", ""),
            is_open_to_external=is_open,
        )
        try:
            _validate(instrument)
        except ApplicationError as exc:
            report.errors.append(RowError(line, exc.field or "row", exc.message))
            continue
        instruments.append(instrument)
    if report.errors:
        return report
    if not instruments:
        raise ApplicationError(_("The file has no rows."), field="file")
    with transaction.atomic():
        SharedInstrument.objects.bulk_create(instruments)
    report.created = len(instruments)
    report.written = True
    return report
