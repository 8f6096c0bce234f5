"""Writing validated rows in chunks with bulk operations, and the import entry point."""

from __future__ import annotations

import copy

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from catalog import policies
from catalog.domestic import status_on, today
from catalog.importing.rows import (
    PRODUCT_COLUMNS,
    Dictionary,
    ImportReport,
    ProgressCallback,
    ValidRow,
    parse_header,
    validate_rows,
)
from catalog.models import Category, Product, Specification
from catalog.services.products import product_changes_record
from catalog.tabular import check_columns, read_table, read_upload
from config.audit import audit_bulk
from config.bulk import copy_insert, copy_upsert
from config.exceptions import ApplicationError

CHUNK_SIZE = 1000
IMPORT_MAX_BYTES: int = getattr(settings, "CATALOG_IMPORT_MAX_BYTES", 20 * 1024 * 1024)
IMPORT_MAX_ROWS: int = getattr(settings, "CATALOG_IMPORT_MAX_ROWS", 20000)

_PRODUCT_UPSERT_FIELDS = [
    *(name for name, _required in PRODUCT_COLUMNS if name not in ("model_number", "provinces_served", "category")),
    "category",
    "is_domestic",
    "status",
    "published_at",
    "withdrawn_at",
    "updated_at",
]
_SPEC_FIELDS = ["value", "value_min", "value_max", "value_text", "value_bool", "entered_value", "entered_unit"]
# Every stored column of a product (all but the id), for the upsert.
_PRODUCT_COLUMNS = [f.column for f in Product._meta.concrete_fields if not f.primary_key]
_PRODUCT_UPDATE_COLUMNS: list[str] = [
    f.column for f in Product._meta.concrete_fields if f.name in _PRODUCT_UPSERT_FIELDS and f.column
]


def _product_row(product: Product, now: object) -> list[object]:
    values = []
    for field in Product._meta.concrete_fields:
        if field.primary_key:
            continue
        value = getattr(product, field.attname)
        if field.name == "created_at" and value is None:
            value = now
        values.append(value)
    return values


def _write_chunk(
    chunk: list[ValidRow],
    *,
    manufacturer: Organization,
    user: User | None,
    dictionary: Dictionary,
    publish: bool,
    report: ImportReport,
) -> None:
    """Upsert one chunk: a few queries whatever its size, its changes recorded in the outbox."""
    now = timezone.now()
    on = today()
    existing = {
        p.model_number: p
        for p in Product.objects.filter(manufacturer=manufacturer, model_number__in=[r.model_number for r in chunk])
    }
    new: list[Product] = []
    changed: list[Product] = []
    moved: list[Product] = []
    # The rows as they were, for their audit entries (bulk writes send no signals to django-auditlog).
    before = {product.pk: copy.copy(product) for product in existing.values()}
    for row in chunk:
        product = existing.get(row.model_number)
        is_new = product is None
        if product is None:
            product = Product(manufacturer=manufacturer, created_by=user, status=Product.Status.DRAFT)
        was_published = product.status == Product.Status.PUBLISHED
        for name, value in row.fields.items():
            setattr(product, name, value)
        if row.category is not None:
            if not is_new and product.category_id != row.category.pk:
                moved.append(product)
            product.category = row.category
        product.is_domestic = status_on(product, on, rules=dictionary.domestic_rules).is_domestic
        if publish and not was_published:
            product.status = Product.Status.PUBLISHED
            product.published_at = now
            product.withdrawn_at = None
        product.updated_at = now
        (new if is_new else changed).append(product)
        row.product = product
    # One INSERT ... ON CONFLICT for new and existing rows alike (through COPY on PostgreSQL): far cheaper than
    # bulk_update's CASE chains. The existing rows were loaded whole above, so every written column carries its
    # current or new value.
    written = copy_upsert(
        Product,
        _PRODUCT_COLUMNS,
        [_product_row(product, now) for product in new + changed],
        unique=["manufacturer_id", "model_number"],
        update=_PRODUCT_UPDATE_COLUMNS,
        returning=["model_number", "id"],
    )
    ids = dict(written)
    for product in new:
        product.pk = ids[product.model_number]
        product._state.adding = False
        product._state.db = "default"
    report.created += len(new)
    report.updated += len(changed)
    audit_bulk([*((None, product) for product in new), *((before[product.pk], product) for product in changed)])
    copy_upsert(
        Specification,
        ["product_id", "parameter_id", *_SPEC_FIELDS],
        [
            (row.saved.pk, parameter.pk, *(clean.as_fields()[name] for name in _SPEC_FIELDS))
            for row in chunk
            for parameter, clean in row.specifications
        ],
        unique=["product_id", "parameter_id"],
        update=_SPEC_FIELDS,
    )
    for product in moved:
        # Values of parameters the new category does not have would be meaningless.
        allowed = [parameter.pk for parameter in dictionary.parameters(product.category).values()]
        Specification.objects.filter(product_id=product.pk).exclude(parameter_id__in=allowed).delete()
    with_provinces = [row for row in chunk if row.provinces is not None]
    if with_provinces:
        through = Product.provinces_served.through
        through.objects.filter(product_id__in=[row.saved.pk for row in with_provinces]).delete()
        copy_insert(
            through,
            ["product_id", "province_id"],
            [(row.saved.pk, code) for row in with_provinces for code in row.provinces or []],
        )
    report.product_ids.extend(row.saved.pk for row in chunk)
    # One change per product, all in the import's transaction: search and matching each take them as one batch
    # after commit (matching: one run per category subtree for the whole import, not one per product).
    product_changes_record(products=[row.saved for row in chunk])


def products_upload_read(upload: UploadedFile) -> bytes:
    """The bytes of an uploaded product file, refusing one above the import limit before reading it."""
    return read_upload(upload, max_bytes=IMPORT_MAX_BYTES)


def products_import(
    *,
    manufacturer: Organization,
    user: User | None,
    filename: str,
    data: bytes,
    atomic: bool = True,
    publish: bool = False,
    default_category: Category | None = None,
    progress: ProgressCallback | None = None,
) -> ImportReport:
    """Import products from a CSV or XLSX file for ``manufacturer``.

    ``user`` None means a trusted caller (the management command); otherwise the user must belong to the
    manufacturer. With ``atomic`` nothing is written when any row is bad; without it the good rows are written
    and the bad ones reported.
    """
    if user is not None and not policies.can_manage_products_of(user, manufacturer):
        raise PermissionDenied(_("Only members of the manufacturer can import its products."))
    if manufacturer.kind != Organization.Kind.MANUFACTURER:
        raise ApplicationError(_("Products belong to manufacturers."), field="manufacturer")
    if publish and not manufacturer.is_verified:
        raise ApplicationError(_("Only verified manufacturers can publish products."), field="publish")
    table = read_table(
        filename=filename, data=data, max_bytes=IMPORT_MAX_BYTES, max_rows=IMPORT_MAX_ROWS, sheet="products"
    )
    columns = parse_header(table.header)
    check_columns([name for name, _unit in columns], required=["model_number"])
    dictionary = Dictionary()
    existing = {p.model_number: p for p in Product.objects.filter(manufacturer=manufacturer).select_related("category")}
    report = ImportReport()
    valid = validate_rows(
        table.body,
        columns=columns,
        dictionary=dictionary,
        existing=existing,
        default_category=default_category,
        report=report,
        progress=progress,
    )
    if report.errors and atomic:
        return report
    with transaction.atomic():
        for start in range(0, len(valid), CHUNK_SIZE):
            _write_chunk(
                valid[start : start + CHUNK_SIZE],
                manufacturer=manufacturer,
                user=user,
                dictionary=dictionary,
                publish=publish,
                report=report,
            )
            if progress is not None:
                progress("write", min(start + CHUNK_SIZE, len(valid)), len(valid))
    report.written = True
    return report
