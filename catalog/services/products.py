"""Product writes: create, update, specifications, publish, withdraw.

Every write records the product's change in the change outbox in the same transaction; search re-indexes it and
matching re-matches what it affects, after commit and in batches.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, Province, User
from catalog import domestic, policies
from catalog.models import Category, Product, Specification
from catalog.selectors import category_dictionary, category_subtree_q
from catalog.specvalues import clean_specification
from catalog.values import InvalidValue, key_part_origin
from changes.services import change_record
from config.exceptions import ApplicationError

# The change outbox's name for products.
PRODUCT_ENTITY = "product"

# Fields a manufacturer edits directly; everything else is derived (is_domestic, status, aggregates).
EDITABLE_FIELDS = (
    "name_zh",
    "name_en",
    "model_number",
    "category",
    "description_zh",
    "description_en",
    "country_of_origin",
    "domestic_content",
    "key_components",
    "key_processes",
    "price_min",
    "price_max",
    "lead_time_days",
    "warranty_months",
    "certifications",
)


def _check_manager(user: User, manufacturer: Organization) -> None:
    if not policies.can_manage_products_of(user, manufacturer):
        raise PermissionDenied(_("Only members of the manufacturer can change its products."))


def _clean_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ApplicationError(_("Unknown product field: %(field)s") % {"field": sorted(unknown)[0]})
    cleaned = dict(fields)
    for money in ("price_min", "price_max", "domestic_content"):
        if money in cleaned and cleaned[money] not in (None, ""):
            try:
                cleaned[money] = Decimal(str(cleaned[money]))
            except InvalidOperation as exc:
                raise ApplicationError(_("Enter a number."), field=money) from exc
        elif money in cleaned:
            cleaned[money] = Decimal(0) if money == "domestic_content" else None
    for text in ("name_zh", "name_en", "model_number", "description_zh", "description_en"):
        if text in cleaned:
            cleaned[text] = (cleaned[text] or "").strip()
    return cleaned


def _key_parts(value: Any, *, field: str) -> list[dict[str, str]]:
    """Key components or key processes: a list of ``{"name": ..., "origin": <country code>}``."""
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        message = (
            _("Key components must be a list.") if field == "key_components" else _("Key processes must be a list.")
        )
        raise ApplicationError(message, field=field)
    result = []
    unknown = []
    for item in value:
        if not isinstance(item, Mapping) or not str(item.get("name", "")).strip():
            message = (
                _("Each key component needs a name and an origin.")
                if field == "key_components"
                else _("Each key process needs a name and where it is done.")
            )
            raise ApplicationError(message, field=field)
        name, origin = str(item["name"]).strip(), str(item.get("origin", "") or "").strip()
        try:
            origin = key_part_origin(name, origin, process=field == "key_processes")
        except InvalidValue as exc:
            unknown.append(str(exc))
        result.append({"name": name, "origin": origin})
    if unknown:
        # Where a key part is made decides whether the product is domestic: a guess would be saved silently.
        raise ApplicationError(" ".join(unknown), field=field)
    return result


def _clean_key_parts(cleaned: dict[str, Any], *, creating: bool) -> None:
    for name in ("key_components", "key_processes"):
        if creating or name in cleaned:
            cleaned[name] = _key_parts(cleaned.get(name), field=name)


def _validate(product: Product) -> None:
    if product.price_min is not None and product.price_max is not None and product.price_min > product.price_max:
        raise ApplicationError(_("The lowest price cannot exceed the highest price."), field="price_min")
    if product.manufacturer.kind != Organization.Kind.MANUFACTURER:
        raise ApplicationError(_("Products belong to manufacturers."), field="manufacturer")
    duplicate = Product.objects.filter(manufacturer=product.manufacturer, model_number=product.model_number)
    if product.pk:
        duplicate = duplicate.exclude(pk=product.pk)
    if duplicate.exists():
        raise ApplicationError(_("This manufacturer already lists this model number."), field="model_number")
    try:
        product.full_clean(exclude=["manufacturer", "category", "created_by"], validate_unique=False)
    except DjangoValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise ApplicationError(messages[0], field=None if field == "__all__" else field) from exc


def _set_provinces(product: Product, provinces: Iterable[Province | str] | None) -> None:
    if provinces is None:
        return
    codes = [p.code if isinstance(p, Province) else str(p) for p in provinces]
    found = list(Province.objects.filter(code__in=codes))
    if len(found) != len(set(codes)):
        missing = sorted(set(codes) - {p.code for p in found})
        raise ApplicationError(
            _("Unknown province code: %(code)s") % {"code": ", ".join(missing)}, field="provinces_served"
        )
    product.provinces_served.set(found)


def _derive(product: Product, rules: domestic.RuleBook | None = None) -> None:
    """The stored flag: what the domestic-product rule in force today says."""
    product.is_domestic = domestic.status_on(product, rules=rules).is_domestic


def product_changes_record(*, products: Iterable[Product], fields: Sequence[str] = ()) -> None:
    """Record, in the caller's transaction, that these products changed (``fields`` says what; empty: anything).

    Their categories should be loaded: each change carries its category path.
    """
    rows = list(products)
    change_record(
        entity=PRODUCT_ENTITY,
        ids=[p.pk for p in rows],
        fields=fields,
        category_paths={p.pk: p.category.path for p in rows if p.category_id is not None},
    )


def _after_write(product: Product) -> None:
    product_changes_record(products=[product])


def _spec_errors_to_application_error(errors: dict[str, str]) -> ApplicationError:
    message = "; ".join(f"{key}: {reason}" for key, reason in errors.items())
    return ApplicationError(message, field="specifications", extra={"specifications": errors})


def _write_specifications(
    product: Product, specifications: Iterable[Mapping[str, Any]], *, replace: bool
) -> list[Specification]:
    dictionary = category_dictionary(product.category)
    errors: dict[str, str] = {}
    rows: list[Specification] = []
    seen: set[str] = set()
    for index, item in enumerate(specifications):
        key = str(item.get("parameter") or "").strip()
        label = key or f"#{index + 1}"
        parameter = dictionary.get(key)
        if parameter is None:
            errors[label] = _("unknown parameter for category %(category)s") % {"category": product.category.code}
            continue
        if key in seen:
            errors[key] = _("given more than once")
            continue
        seen.add(key)
        try:
            clean = clean_specification(
                parameter,
                value=item.get("value"),
                value_min=item.get("min", item.get("value_min")),
                value_max=item.get("max", item.get("value_max")),
                choice=item.get("choice"),
                flag=item.get("bool"),
                unit=item.get("unit"),
            )
        except InvalidValue as exc:
            errors[key] = exc.reason
            continue
        rows.append(Specification(product=product, parameter=parameter, **clean.as_fields()))
    if errors:
        raise _spec_errors_to_application_error(errors)
    if replace:
        product.specifications.exclude(parameter__in=[row.parameter for row in rows]).delete()
    Specification.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["product", "parameter"],
        update_fields=["value", "value_min", "value_max", "value_text", "value_bool", "entered_value", "entered_unit"],
    )
    return rows


@transaction.atomic
def product_create(
    *,
    user: User,
    manufacturer: Organization,
    category: Category,
    model_number: str,
    name_zh: str,
    name_en: str = "",
    specifications: Iterable[Mapping[str, Any]] = (),
    provinces_served: Iterable[Province | str] | None = None,
    **fields: Any,
) -> Product:
    """Create a draft product with its specifications."""
    _check_manager(user, manufacturer)
    cleaned = _clean_fields({"model_number": model_number, "name_zh": name_zh, "name_en": name_en, **fields})
    _clean_key_parts(cleaned, creating=True)
    product = Product(
        manufacturer=manufacturer,
        category=category,
        created_by=user if user.is_authenticated else None,
        status=Product.Status.DRAFT,
        **cleaned,
    )
    _derive(product)
    _validate(product)
    product.save()
    _set_provinces(product, provinces_served)
    _write_specifications(product, specifications, replace=True)
    _after_write(product)
    return product


@transaction.atomic
def product_update(
    *,
    product: Product,
    user: User,
    fields: Mapping[str, Any] | None = None,
    specifications: Iterable[Mapping[str, Any]] | None = None,
    provinces_served: Iterable[Province | str] | None = None,
    merge_specifications: bool = False,
) -> Product:
    """Change a product; ``specifications``, when given, replace the whole set, or with ``merge_specifications``
    add to it and change the ones of the same parameters (the others stay)."""
    _check_manager(user, product.manufacturer)
    product = Product.objects.select_for_update().select_related("manufacturer", "category").get(pk=product.pk)
    cleaned = _clean_fields(fields or {})
    _clean_key_parts(cleaned, creating=False)
    category_changed = "category" in cleaned and cleaned["category"].pk != product.category_id
    for name, value in cleaned.items():
        setattr(product, name, value)
    _derive(product)
    _validate(product)
    product.save()
    _set_provinces(product, provinces_served)
    if specifications is not None:
        _write_specifications(product, specifications, replace=not merge_specifications)
    if category_changed and (specifications is None or merge_specifications):
        # Values of parameters the new category does not have would be meaningless.
        keep = [p.pk for p in category_dictionary(product.category).values()]
        product.specifications.exclude(parameter_id__in=keep).delete()
    _after_write(product)
    return product


@transaction.atomic
def product_specifications_set(
    *, product: Product, user: User, specifications: Iterable[Mapping[str, Any]], replace: bool = False
) -> list[Specification]:
    """Add or change some specifications (or replace them all)."""
    _check_manager(user, product.manufacturer)
    rows = _write_specifications(product, specifications, replace=replace)
    Product.objects.filter(pk=product.pk).update(updated_at=timezone.now())
    _after_write(product)
    return rows


@transaction.atomic
def product_publish(*, product: Product, user: User) -> Product:
    _check_manager(user, product.manufacturer)
    product = Product.objects.select_for_update().select_related("manufacturer", "category").get(pk=product.pk)
    if product.status == Product.Status.PUBLISHED:
        raise ApplicationError(_("The product is already published."), field="status")
    if not product.manufacturer.is_verified:
        raise ApplicationError(_("Only verified manufacturers can publish products."), field="status")
    _derive(product)
    product.status = Product.Status.PUBLISHED
    product.published_at = timezone.now()
    product.withdrawn_at = None
    product.save(update_fields=["status", "published_at", "withdrawn_at", "is_domestic", "updated_at"])
    _after_write(product)
    return product


@transaction.atomic
def product_withdraw(*, product: Product, user: User) -> Product:
    _check_manager(user, product.manufacturer)
    product = Product.objects.select_for_update().get(pk=product.pk)
    if product.status != Product.Status.PUBLISHED:
        raise ApplicationError(_("Only a published product can be withdrawn."), field="status")
    product.status = Product.Status.WITHDRAWN
    product.withdrawn_at = timezone.now()
    product.save(update_fields=["status", "withdrawn_at", "updated_at"])
    _after_write(product)
    return product


@transaction.atomic
def products_delete(*, product_ids: Iterable[int], user: User) -> int:
    """Delete products for good (platform staff; manufacturers withdraw theirs instead); returns how many.

    Their changes go to the outbox like any other: search removes them from the indexes, and matching forgets the
    candidate pools holding them and re-ranks the open demands of their subtrees, one run per subtree. A product
    that a quote, award, import justification or published report names is kept, and the whole batch refused.
    """
    products = list(
        Product.objects.select_for_update(of=("self",))
        .select_related("category")
        .filter(pk__in=list(product_ids))
        .order_by("pk")
    )
    for product in products:
        if not policies.can_delete_product(user, product):
            raise PermissionDenied(_("Only platform staff can delete products; withdraw it instead."))
    ids = [product.pk for product in products]
    if not ids:
        return 0
    # Recorded before the rows go: each change keeps its product's category path, by which matching finds the
    # subtrees and demands the product leaves.
    product_changes_record(products=products)
    try:
        with transaction.atomic():
            Product.objects.filter(pk__in=ids).delete()
    except ProtectedError as exc:
        raise ApplicationError(
            _("A quote, award, import justification or published report names this product; withdraw it instead.")
        ) from exc
    return len(ids)


@transaction.atomic
def products_domestic_refresh(*, category: Category | None = None) -> int:
    """Re-derive is_domestic by the rule in force today, for a category's subtree or every product; returns rows
    changed.

    Called when a rule is added or changed (through the change outbox, ``catalog.outbox``) and daily, when a dated
    rule or a transition end comes into force. The rules are read once; only rows whose flag flips are written and
    recorded as changed, in one batch (re-indexed and, when published, re-matched).
    """
    rules = domestic.RuleBook.load()
    on = domestic.today()
    products = (
        Product.objects.select_related("category")
        .select_for_update(of=("self",))
        .only(
            "pk",
            "is_domestic",
            "country_of_origin",
            "domestic_content",
            "key_components",
            "key_processes",
            "category__path",
        )
    )
    if category is not None:
        products = products.filter(category_subtree_q(category))
    changed: list[Product] = []
    for product in products.order_by("pk"):
        flag = domestic.status_on(product, on, rules=rules).is_domestic
        if flag != product.is_domestic:
            product.is_domestic = flag
            changed.append(product)
    Product.objects.bulk_update(changed, ["is_domestic"], batch_size=2000)
    if changed:
        product_changes_record(products=changed, fields=["is_domestic"])
    return len(changed)
