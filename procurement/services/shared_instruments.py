"""An institution's registry of instruments it already owns and shares (read by the duplicate-purchase check)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Organization, Province, User
from accounts.selectors import user_organization_ids
from catalog.models import Category
from config.exceptions import ApplicationError
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


def _require_member(user: User, institution: Organization | int) -> None:
    org_id = institution if isinstance(institution, int) else institution.pk
    if org_id not in user_organization_ids(user, kind=Organization.Kind.INSTITUTION):
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


@dataclass
class RowError:
    row: int  # line number in the file, header = 1
    field: str
    message: str


@dataclass
class ImportReport:
    created: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _truthy(text: str) -> bool | None:
    value = text.strip().lower()
    if value in {"", "yes", "y", "true", "1", "是", "开放"}:
        return True
    if value in {"no", "n", "false", "0", "否", "不开放"}:
        return False
    return None


def shared_instrument_import_csv(*, user: User, institution: Organization, content: bytes | str) -> ImportReport:
    """Import many instruments at once. Every bad row is reported; if any row is bad, nothing is saved."""
    _require_member(user, institution)
    if isinstance(content, bytes):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = content.decode("gb18030")
            except UnicodeDecodeError:
                return ImportReport(errors=[RowError(0, "file", _("The file is not UTF-8 or GB18030 text."))])
    else:
        text = content.lstrip("\ufeff")
    reader = csv.DictReader(io.StringIO(text))
    headers = {
        h: CSV_HEADERS.get((h or "").strip().lower(), CSV_HEADERS.get((h or "").strip(), ""))
        for h in (reader.fieldnames or [])
    }
    present = set(headers.values())
    missing = [c for c in REQUIRED_COLUMNS if c not in present]
    if missing:
        return ImportReport(
            errors=[RowError(1, "file", _("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)})]
        )
    categories = {c.code.lower(): c for c in Category.objects.all()}
    categories_by_name = {c.name_zh: c for c in categories.values()}
    provinces = {p.code: p for p in Province.objects.all()}
    provinces_by_name = {n: p for p in provinces.values() for n in (p.name_zh, p.name_en.lower())}

    report = ImportReport()
    instruments: list[SharedInstrument] = []
    for line, raw in enumerate(reader, start=2):
        if line - 1 > MAX_IMPORT_ROWS:
            report.errors.append(RowError(line, "file", _("At most %(max)d rows per file.") % {"max": MAX_IMPORT_ROWS}))
            break
        row = {headers.get(k, ""): (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(row.values()):
            continue
        category = categories.get(row.get("category", "").lower()) or categories_by_name.get(row.get("category", ""))
        if category is None:
            report.errors.append(
                RowError(line, "category", _("Unknown category “%(value)s”.") % {"value": row.get("category", "")})
            )
        province_text = row.get("province", "")
        province = (
            provinces.get(province_text)
            or provinces_by_name.get(province_text)
            or provinces_by_name.get(province_text.lower())
        )
        if province is None:
            report.errors.append(
                RowError(line, "province", _("Unknown province “%(value)s”.") % {"value": province_text})
            )
        is_open = _truthy(row.get("is_open_to_external", ""))
        if is_open is None:
            report.errors.append(RowError(line, "is_open_to_external", _("Write yes or no.")))
        if category is None or province is None or is_open is None:
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
        return ImportReport(errors=[RowError(1, "file", _("The file has no rows."))])
    with transaction.atomic():
        SharedInstrument.objects.bulk_create(instruments)
    report.created = len(instruments)
    return report
