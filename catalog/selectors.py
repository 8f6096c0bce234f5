"""Catalog reads that carry rules: visibility, filtering, prefetching, inheritance, alternatives."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Avg, Count, F, Prefetch, Q, QuerySet
from django.db.models.fields.files import FieldFile
from django.http import HttpRequest
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from accounts.policies import user_organization_ids
from catalog.comparison import (
    HIGHER,
    LOWER,
    ComparedValue,
    Comparison,
    ComparisonRow,
    SpecValue,
    compare,
    fact_row,
    spec_value,
    specification_rows,
)
from catalog.models import (
    Category,
    DomesticProductRule,
    Evaluation,
    Parameter,
    Product,
    ProductDocument,
    Specification,
)
from catalog.policies import product_visibility_q
from catalog.specvalues import display_value
from config.exceptions import ApplicationError
from config.formatting import amount_cny
from search.backends.base import RELEVANCE, sort_plan
from search.selectors import facets_from_counts, search_matching_ids

AnyUser = User | AnonymousUser


# --- Categories and the specification dictionary ---------------------------------------------------------


def category_list() -> QuerySet[Category]:
    return Category.objects.select_related("parent").order_by("path")


@dataclass
class CategoryNode:
    category: Category
    children: list[CategoryNode]


def category_tree() -> list[CategoryNode]:
    """The whole classification table as nested nodes, from one query."""
    nodes: dict[int, CategoryNode] = {}
    roots: list[CategoryNode] = []
    for category in Category.objects.order_by("depth", "sort_order", "code"):
        node = CategoryNode(category=category, children=[])
        nodes[category.pk] = node
        if category.parent_id is None:
            roots.append(node)
        elif category.parent_id in nodes:
            nodes[category.parent_id].children.append(node)
    return roots


def category_subtree_q(category: Category | int, *, prefix: str = "category__") -> Q:
    """Rows whose category (reached through ``prefix``; "" for categories themselves) is ``category`` or below it.

    The one definition of "a category and its subtree": ``path`` is the chain of codes from the root, kept by
    ``catalog.services.categories`` alone.
    """
    if isinstance(category, Category):
        path = category.path
    else:
        # An id that names no category matches nothing (no path is "-").
        path = Category.objects.filter(pk=category).values_list("path", flat=True).first() or "-"
    return Q(**{f"{prefix}path": path}) | Q(**{f"{prefix}path__startswith": path + "/"})


def category_is_within(category: Category, root: Category) -> bool:
    """Whether ``category`` is ``root`` or lies in its subtree (no query)."""
    return category.path == root.path or category.path.startswith(root.path + "/")


def category_ancestor_codes(category: Category | str) -> list[str]:
    """The codes from the root down to the category itself (a category or its path); no query."""
    path = category.path if isinstance(category, Category) else category
    return path.split("/")


def category_ancestors(category: Category) -> list[Category]:
    """The category and its ancestors, root first."""
    codes = category_ancestor_codes(category)
    by_code = {c.code: c for c in Category.objects.filter(code__in=codes)}
    return [by_code[code] for code in codes if code in by_code]


def category_parameters(category: Category) -> list[Parameter]:
    """The category's specification dictionary including its ancestors' entries (root first).

    A key defined again lower in the tree overrides the ancestor's definition. The one source of the inherited
    dictionary: forms, services, the import and the demand pages all read it here.
    """
    parameters = Parameter.objects.filter(category__code__in=category_ancestor_codes(category)).select_related(
        "category"
    )
    by_key: dict[str, Parameter] = {}
    for parameter in sorted(parameters, key=lambda p: (p.category.depth, p.sort_order, p.key)):
        by_key[parameter.key] = parameter
    return list(by_key.values())


def category_dictionary(category: Category) -> dict[str, Parameter]:
    """``category_parameters`` by key."""
    return {parameter.key: parameter for parameter in category_parameters(category)}


def domestic_rule_list(*, category: Category | None = None) -> QuerySet[DomesticProductRule]:
    """Every version of the domestic-product rule (national default first), or those that reach ``category``
    (set on it or an ancestor, or national); which one is in force on a date is ``catalog.domestic``'s answer."""
    qs = DomesticProductRule.objects.select_related("category")
    if category is not None:
        qs = qs.filter(Q(category__isnull=True) | Q(category__code__in=category_ancestor_codes(category)))
    return qs.order_by(F("category__path").asc(nulls_first=True), "effective_from", "id")


def parameter_list(*, category: Category | None = None) -> QuerySet[Parameter]:
    """Every parameter, or a category's dictionary as ``category_parameters`` defines it (overridden keys once)."""
    qs = Parameter.objects.select_related("category")
    if category is not None:
        qs = qs.filter(pk__in=[parameter.pk for parameter in category_parameters(category)])
    return qs.order_by("category__depth", "sort_order", "key")


# --- Products ----------------------------------------------------------------------------------------------


def _manufacturer_ids(user: AnyUser) -> set[int]:
    return user_organization_ids(user, kind=Organization.Kind.MANUFACTURER)


def product_words_q(text: str) -> Q:
    """Products whose names or model number hold every word of ``text`` (a database match, for rows the search
    index does not hold)."""
    words = text.replace("\x00", "").split()
    if not words:
        return Q(pk__in=[])
    q = Q()
    for word in words[:10]:
        q &= Q(name_zh__icontains=word) | Q(name_en__icontains=word) | Q(model_number__icontains=word)
    return q


def product_unlisted_q() -> Q:
    """What the search index does not hold: products that are not published."""
    return ~Q(status=Product.Status.PUBLISHED)


@dataclass(frozen=True)
class ProductFilters:
    category: Category | None = None
    is_domestic: bool | None = None
    province: str | None = None
    manufacturer: int | None = None
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    status: str | None = None

    def as_search_filters(self) -> dict[str, Any]:
        """The same filters in the shape search.selectors.SearchQuery expects."""
        filters: dict[str, Any] = {}
        if self.category is not None:
            filters["category"] = self.category.pk
        if self.is_domestic is not None:
            filters["is_domestic"] = self.is_domestic
        if self.province:
            filters["province"] = self.province
        if self.manufacturer:
            filters["manufacturer"] = self.manufacturer
        if self.price_min is not None:
            filters["price_min"] = self.price_min
        if self.price_max is not None:
            filters["price_max"] = self.price_max
        return filters


def product_filter(qs: QuerySet[Product], filters: ProductFilters) -> QuerySet[Product]:
    if filters.category is not None:
        qs = qs.filter(category_subtree_q(filters.category))
    if filters.is_domestic is not None:
        qs = qs.filter(is_domestic=filters.is_domestic)
    if filters.province:
        qs = qs.filter(provinces_served__code=filters.province).distinct()
    if filters.manufacturer:
        qs = qs.filter(manufacturer_id=filters.manufacturer)
    # A product whose price range overlaps the wanted range matches.
    if filters.price_min is not None:
        qs = qs.filter(
            Q(price_max__gte=filters.price_min) | Q(price_max__isnull=True, price_min__gte=filters.price_min)
        )
    if filters.price_max is not None:
        qs = qs.filter(price_min__lte=filters.price_max)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return qs


def _with_list_relations(qs: QuerySet[Product]) -> QuerySet[Product]:
    return qs.select_related("manufacturer", "manufacturer__province", "category").prefetch_related("provinces_served")


def _with_detail_relations(qs: QuerySet[Product]) -> QuerySet[Product]:
    return _with_list_relations(qs).prefetch_related(
        Prefetch(
            "specifications",
            queryset=Specification.objects.select_related("parameter").order_by(
                "parameter__category__depth", "parameter__sort_order", "parameter__key"
            ),
        ),
        Prefetch("documents", queryset=ProductDocument.objects.order_by("kind", "id")),
    )


def product_list(
    *, user: AnyUser, filters: ProductFilters | None = None, with_specifications: bool = False
) -> QuerySet[Product]:
    qs = Product.objects.filter(product_visibility_q(user))
    if filters is not None:
        qs = product_filter(qs, filters)
    qs = _with_detail_relations(qs) if with_specifications else _with_list_relations(qs)
    return qs.order_by("-published_at", "id")


def product_download_list(*, filters: ProductFilters, text: str = "") -> QuerySet[Product]:
    """The public catalog as a download: published products only, whoever asks, filtered as the lists are (words
    as the search index matches them, no cap), oldest first so a file's order is stable."""
    qs = product_filter(Product.objects.all(), filters).filter(status=Product.Status.PUBLISHED)
    if text.strip():
        qs = qs.filter(pk__in=search_matching_ids("products", text))
    return _with_list_relations(qs).prefetch_related("provinces_served").order_by("id")


def product_order(qs: QuerySet[Product], sort: str = "") -> QuerySet[Product]:
    """``qs`` in a search order (search.backends.base.SORTS["products"]), so a list browsed from the database
    orders as its keyword search does: by default domestic first, then newest."""
    fields = {"sort_date": "published_at"}
    order: list[Any] = []
    for name, direction in sort_plan("products", sort):
        if name == RELEVANCE:
            continue
        column = F(fields.get(name, name))
        order.append(column.desc(nulls_last=True) if direction == "desc" else column.asc(nulls_last=True))
    return qs.order_by(*order, "id")


def product_facets(qs: QuerySet[Product]) -> dict[str, list[tuple[str, str, int]]]:
    """The search facets (category, origin, province served, manufacturer) of the products ``qs``, counted in the
    database: a list browsed without words shows them too."""
    rows = qs.order_by().values("pk")
    served = Product.provinces_served.through.objects.filter(product_id__in=rows)
    counts = {
        "category": {str(r["category_id"]): r["n"] for r in _grouped(qs, "category_id")},
        "domestic": {("true" if r["is_domestic"] else "false"): r["n"] for r in _grouped(qs, "is_domestic")},
        "province": {
            r["province_id"]: r["n"] for r in served.values("province_id").annotate(n=Count("product_id")).order_by()
        },
        "manufacturer": {str(r["manufacturer_id"]): r["n"] for r in _grouped(qs, "manufacturer_id")},
    }
    return facets_from_counts(counts)


def _grouped(qs: QuerySet[Product], column: str) -> QuerySet[Any]:
    return Product.objects.filter(pk__in=qs.order_by().values("pk")).values(column).annotate(n=Count("id")).order_by()


def product_list_by_ids(*, user: AnyUser, ids: list[int], with_specifications: bool = False) -> list[Product]:
    """Rows for ids from the search layer, in the search layer's order, still applying visibility."""
    qs = Product.objects.filter(product_visibility_q(user), pk__in=ids)
    qs = _with_detail_relations(qs) if with_specifications else _with_list_relations(qs)
    by_id = {product.pk: product for product in qs}
    return [by_id[pk] for pk in ids if pk in by_id]


def product_get(*, user: AnyUser, pk: int) -> Product | None:
    qs = _with_detail_relations(Product.objects.filter(product_visibility_q(user), pk=pk)).prefetch_related(
        Prefetch("evaluations", queryset=Evaluation.objects.select_related("organization", "author")),
    )
    return qs.first()


def product_list_for_manager(*, user: AnyUser) -> QuerySet[Product]:
    """The products of the manufacturers the user belongs to, in every status (the dashboard)."""
    return (
        _with_list_relations(Product.objects.filter(manufacturer_id__in=_manufacturer_ids(user)))
        .prefetch_related("documents")
        .order_by("status", "-updated_at", "id")
    )


def product_list_for_export(*, user: AnyUser, category: Category) -> QuerySet[Product]:
    """The user's manufacturers' products of exactly ``category`` (its columns fit them), with what export reads."""
    return (
        Product.objects.filter(manufacturer_id__in=_manufacturer_ids(user), category=category)
        .select_related("category")
        .prefetch_related("specifications", "provinces_served")
        .order_by("model_number", "id")
    )


def user_product_categories(*, user: AnyUser) -> QuerySet[Category]:
    """Categories the user's manufacturers list products in (for per-category exports)."""
    return Category.objects.filter(products__manufacturer_id__in=_manufacturer_ids(user)).distinct().order_by("path")


def product_get_for_manager(*, user: AnyUser, pk: int) -> Product | None:
    """A product the user may change, or None (pages answer 404 so others' drafts stay invisible)."""
    return _with_detail_relations(Product.objects.filter(manufacturer_id__in=_manufacturer_ids(user), pk=pk)).first()


def product_document_get_for_manager(*, user: AnyUser, product: Product, pk: int) -> ProductDocument | None:
    """A document of a product the user manages, or None."""
    if product.manufacturer_id not in _manufacturer_ids(user):
        return None
    return ProductDocument.objects.select_related("product").filter(product=product, pk=pk).first()


def user_manufacturers(*, user: AnyUser) -> QuerySet[Organization]:
    return Organization.objects.filter(pk__in=_manufacturer_ids(user)).order_by("name_zh")


def evaluation_list(*, product: Product | None = None) -> QuerySet[Evaluation]:
    qs = Evaluation.objects.filter(product__status=Product.Status.PUBLISHED).select_related(
        "organization", "author", "product"
    )
    if product is not None:
        qs = qs.filter(product=product)
    return qs.order_by("-created_at", "id")


# --- Uploaded files ------------------------------------------------------------------------------------------


def product_document_file(request: HttpRequest, name: str) -> FieldFile | None:
    """A product document, for whoever may see its product (published: everyone; drafts: the maker, staff)."""
    visible = Product.objects.filter(product_visibility_q(request.user))
    document = ProductDocument.objects.filter(file=name, product__in=visible).first()
    return document.file if document else None


def evaluation_document_file(request: HttpRequest, name: str) -> FieldFile | None:
    """An evaluation's report document, for whoever may see the evaluated product."""
    visible = Product.objects.filter(product_visibility_q(request.user))
    evaluation = Evaluation.objects.filter(document=name, product__in=visible).first()
    return evaluation.document if evaluation else None


# --- Domestic alternatives -----------------------------------------------------------------------------------


def _spec_values(specifications: list[Specification]) -> dict[str, SpecValue]:
    return {spec.parameter.key: spec_value(spec.parameter, spec) for spec in specifications}


def product_domestic_alternatives(*, product: Product, limit: int = 20) -> list[Product]:
    """Published domestic products in the same category whose specifications meet or beat ``product``'s.

    Ordered by how many parameters they were compared on (best evidence first), then evaluation score.
    """
    if product.is_domestic:
        return []
    reference = _spec_values(list(product.specifications.select_related("parameter")))
    if not reference:
        return []
    candidates = (
        Product.objects.filter(category_id=product.category_id, status=Product.Status.PUBLISHED, is_domestic=True)
        .exclude(pk=product.pk)
        .select_related("manufacturer", "category")
        .prefetch_related(Prefetch("specifications", queryset=Specification.objects.select_related("parameter")))
    )
    ranked = []
    for candidate in candidates:
        outcome = compare(reference, _spec_values(list(candidate.specifications.all())))
        if outcome.is_alternative:
            ranked.append((-outcome.met, -(candidate.evaluation_score or 0), candidate.pk, candidate))
    ranked.sort(key=lambda row: row[:3])
    return [row[3] for row in ranked[:limit]]


# --- Side-by-side comparison ---------------------------------------------------------------------------------

# More columns than this no longer fit a page, even scrolled.
MAX_COMPARED = 6


@dataclass
class ProductComparison:
    """Products side by side: their specifications parameter by parameter, then the terms of sale and the
    evaluations, the best value of each row marked. ``reference`` is the first product when it is imported
    (a comparison with its domestic alternatives); ``reference_outcomes`` then says, per other product, how
    many of the reference's comparable specifications it meets or beats."""

    products: list[Product]
    specifications: list[ComparisonRow]
    facts: list[ComparisonRow]
    reference: Product | None = None
    reference_outcomes: dict[int, Comparison] | None = None


def comparison_ids(raw: list[str]) -> list[int]:
    """Product ids from a query string: ``ids=1,2`` and ``ids=1&ids=2`` alike, in order, once each.

    Raises ApplicationError (field ``ids``) for anything that is not a list of 2 to MAX_COMPARED ids.
    """
    ids: list[int] = []
    for part in ",".join(raw).split(","):
        part = part.strip()
        if not part:
            continue
        if not (part.isascii() and part.isdigit()) or len(part) > 12:
            raise ApplicationError(_("“%(value)s” is not a product id.") % {"value": part[:20]}, field="ids")
        if int(part) not in ids:
            ids.append(int(part))
    if len(ids) < 2:
        raise ApplicationError(_("Choose at least two products to compare."), field="ids")
    if len(ids) > MAX_COMPARED:
        raise ApplicationError(
            _("At most %(count)s products can be compared at once.") % {"count": MAX_COMPARED}, field="ids"
        )
    return ids


def product_comparison(*, user: AnyUser, ids: list[int]) -> ProductComparison:
    """The comparison of the products ``ids`` the user may see, in that order (from a fixed number of queries).

    Raises ApplicationError (field ``ids``) when some of them do not exist or are not visible to the user: a
    comparison with a column silently missing would mislead.
    """
    products = product_list_by_ids(user=user, ids=ids, with_specifications=True)
    missing = [pk for pk in ids if pk not in {product.pk for product in products}]
    if missing:
        raise ApplicationError(
            _("No product with id %(ids)s can be shown.") % {"ids": ", ".join(str(pk) for pk in missing)},
            field="ids",
        )
    scores = {
        row["product"]: row
        for row in Evaluation.objects.filter(product_id__in=ids)
        .values("product")
        .annotate(
            accuracy=Avg("accuracy"), stability=Avg("stability"), reliability=Avg("reliability"), service=Avg("service")
        )
    }
    specifications = specification_rows(products, display=display_value, name=lambda parameter: parameter.name)

    def days(value: Any) -> str:
        return ngettext("%(count)s day", "%(count)s days", value) % {"count": value}

    def months(value: Any) -> str:
        return ngettext("%(count)s month", "%(count)s months", value) % {"count": value}

    def score(value: Any) -> str:
        return f"{value:.1f} / 5"

    facts = [
        fact_row("price_min", _("Price from"), LOWER, products, [p.price_min for p in products], amount_cny),
        fact_row("price_max", _("Price up to"), LOWER, products, [p.price_max for p in products], amount_cny),
        fact_row("lead_time_days", _("Lead time"), LOWER, products, [p.lead_time_days for p in products], days),
        fact_row("warranty_months", _("Warranty"), HIGHER, products, [p.warranty_months for p in products], months),
    ]
    # Chinese lists names with the enumeration comma, English with a comma and a space.
    separator = "、" if (get_language() or "").startswith("zh") else ", "
    served = ComparisonRow(key="provinces_served", name=_("Provinces served"), canonical_unit="", better="none")
    for product in products:
        provinces = list(product.provinces_served.all())
        served.values.append(
            ComparedValue(
                product_id=product.pk,
                display=separator.join(p.name for p in provinces) if provinces else _("Nationwide or on request"),
                value=[p.code for p in provinces],
            )
        )
    facts.append(served)
    facts.append(
        fact_row(
            "evaluation_score",
            _("Evaluation score"),
            HIGHER,
            products,
            [p.evaluation_score if p.evaluation_count else None for p in products],
            score,
        )
    )
    for key, name in (
        ("accuracy", _("Accuracy")),
        ("stability", _("Stability")),
        ("reliability", _("Reliability")),
        ("service", _("Service")),
    ):
        values = [scores[p.pk][key] if p.pk in scores else None for p in products]
        facts.append(fact_row(key, name, HIGHER, products, values, score))
    counts = ComparisonRow(key="evaluation_count", name=_("Evaluations"), canonical_unit="", better="none")
    counts.values = [
        ComparedValue(product_id=p.pk, display=str(p.evaluation_count), value=p.evaluation_count) for p in products
    ]
    facts.append(counts)
    comparison = ProductComparison(products=products, specifications=specifications, facts=facts)
    first = products[0]
    if not first.is_domestic:
        reference = _spec_values(list(first.specifications.all()))
        comparison.reference = first
        comparison.reference_outcomes = {
            product.pk: compare(reference, _spec_values(list(product.specifications.all()))) for product in products[1:]
        }
    return comparison
