"""Reads of demands, shared instruments and quotes that carry rules: visibility, ordering, prefetching.

Pages and the API use the same selectors, so a person sees the same rows through both.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.fields.files import FieldFile
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest

from accounts.models import Organization
from accounts.policies import AnyUser, user_organization_ids
from catalog.models import Category, Product, Specification
from catalog.selectors import category_ancestor_codes, category_subtree_q, product_list_by_ids
from procurement import policies
from procurement.comparison import comparison_build, domestic_alternatives
from procurement.models import (
    Award,
    Demand,
    DemandRevision,
    ExpertReview,
    ImportJustification,
    Quote,
    QuoteDocument,
    Requirement,
    SharedInstrument,
)
from procurement.policies import (
    demand_access,
    demand_visibility_q,
    quote_visibility_q,
    shared_instrument_visibility_q,
)
from search.selectors import SearchQuery, SearchResult, search, search_matching_ids

# --- categories ------------------------------------------------------------------------------------------------


def category_choices() -> QuerySet[Category]:
    return Category.objects.order_by("path")


# --- demands ---------------------------------------------------------------------------------------------------


def _with_related(qs: QuerySet[Demand]) -> QuerySet[Demand]:
    return qs.select_related("institution", "category", "delivery_province", "posted_by")


def demand_requirements_prefetch() -> Prefetch:
    return Prefetch(
        "requirements",
        queryset=Requirement.objects.select_related("parameter").order_by("sort_order", "id"),
    )


def demand_list(*, user: AnyUser, filters: dict[str, Any] | None = None) -> QuerySet[Demand]:
    """Demands the user may see, filtered, with what lists and the API read."""
    qs = _with_related(Demand.objects.filter(demand_visibility_q(user))).prefetch_related(
        demand_requirements_prefetch()
    )
    return demand_filter(qs, filters or {}, user=user)


def demand_filter(qs: QuerySet[Demand], filters: dict[str, Any], *, user: AnyUser) -> QuerySet[Demand]:
    """The filters the pages and the API share (the keys of SearchQuery's demand filters, plus a few)."""
    if filters.get("category"):
        qs = qs.filter(category_subtree_q(filters["category"]))
    if filters.get("province"):
        qs = qs.filter(delivery_province_id=filters["province"])
    if filters.get("budget_min") is not None:
        qs = qs.filter(budget__gte=filters["budget_min"])
    if filters.get("budget_max") is not None:
        qs = qs.filter(budget__lte=filters["budget_max"])
    if filters.get("deadline_after"):
        qs = qs.filter(deadline__gte=filters["deadline_after"])
    if filters.get("deadline_before"):
        qs = qs.filter(deadline__lte=filters["deadline_before"])
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("institution"):
        qs = qs.filter(institution_id=filters["institution"])
    if filters.get("mine"):
        qs = qs.filter(institution_id__in=demand_access(user).org_ids)
    if filters.get("q"):
        # (The API's keyword list pages through the search interface itself, in the search order.)
        # Open demands match as the search index matches them, filtered in the database with no cap on the hits
        # (the list keeps its own order); the institution's own demands in other statuses (drafts first of all),
        # which the index does not hold, match on their title and description.
        indexed = search_matching_ids("demands", filters["q"])
        qs = qs.filter(Q(pk__in=indexed) | (demand_unlisted_q(user=user) & demand_words_q(filters["q"])))
    return qs


def open_demand_download_list(*, user: AnyUser, filters: dict[str, Any]) -> QuerySet[Demand]:
    """Open demands as a download: the lists' filters (words matched as the search index matches them, no cap),
    with their requirements, oldest first so a file's order is stable."""
    qs = demand_filter(Demand.objects.filter(status=Demand.Status.OPEN), filters, user=user)
    return _with_related(qs).prefetch_related(demand_requirements_prefetch()).order_by("id")


def demand_words_q(text: str) -> Q:
    """Demands whose title or description holds every word of ``text`` (a database match, for rows the search
    index does not hold)."""
    words = str(text).replace("\x00", "").split()
    if not words:
        return Q(pk__in=[])
    q = Q()
    for word in words[:10]:
        q &= Q(title__icontains=word) | Q(description__icontains=word)
    return q


def demand_unlisted_q(*, user: AnyUser) -> Q:
    """What the search index does not hold (demands that are not open) that keyword lists add for this person:
    their institutions' own (drafts first of all); staff, all."""
    access = demand_access(user)
    if not (access.is_staff or access.org_ids):
        return Q(pk__in=[])
    q = ~Q(status=Demand.Status.OPEN)
    return q if access.is_staff else q & Q(institution_id__in=access.org_ids)


def demand_get(*, user: AnyUser, pk: int) -> Demand:
    """A demand the user may see, or 404 (drafts of other institutions do not exist for them)."""
    demand = (
        _with_related(Demand.objects.filter(demand_visibility_q(user)))
        .prefetch_related(demand_requirements_prefetch())
        .filter(pk=pk)
        .first()
    )
    if demand is None:
        raise Http404
    return demand


def demand_get_for_edit(*, user: AnyUser, pk: int) -> Demand:
    """A demand of one of the user's institutions, or 404 (pages do not reveal what others may not change)."""
    demand = demand_get(user=user, pk=pk)
    if not policies.can_edit_demand(user, demand):
        raise Http404
    return demand


def demand_revisions(*, demand: Demand) -> QuerySet[DemandRevision]:
    return demand.revisions.select_related("created_by").order_by("-number")


def institution_demand_list(*, user: AnyUser, status: str | None = None) -> QuerySet[Demand]:
    """Every demand of the user's institutions, drafts included."""
    org_ids = demand_access(user).org_ids
    qs = _with_related(Demand.objects.filter(institution_id__in=org_ids)).order_by("-created_at", "-id")
    if status:
        qs = qs.filter(status=status)
    return qs


def manufacturer_category_codes(*, user: AnyUser) -> set[str]:
    """Codes of the categories the user's manufacturers publish products in, and of all their ancestors.

    A demand in a category is met by products in its subtree, so a maker of A/A01 products cares about demands
    posted in A/A01 and in A.
    """
    org_ids = user_organization_ids(user, kind=Organization.Kind.MANUFACTURER)
    if not org_ids:
        return set()
    paths = (
        Product.objects.filter(manufacturer_id__in=org_ids, status=Product.Status.PUBLISHED)
        .values_list("category__path", flat=True)
        .distinct()
    )
    return {code for path in paths for code in category_ancestor_codes(path)}


# Orders of the manufacturer's demand list: the search orders of demands, and how well the maker's own products
# match ("match": the best score of a product of the user's manufacturers, demands without a match last).
MANUFACTURER_DEMAND_SORTS = ("", "match", "newest", "-budget")


def manufacturer_demand_list(
    *, user: AnyUser, filters: dict[str, Any] | None = None, sort: str = ""
) -> QuerySet[Demand]:
    """Open demands in the categories the user's manufacturers make products for; soonest deadline first unless
    ``sort`` (one of MANUFACTURER_DEMAND_SORTS) says otherwise."""
    codes = manufacturer_category_codes(user=user)
    qs = demand_filter(
        _with_related(Demand.objects.filter(status=Demand.Status.OPEN, category__code__in=codes)),
        filters or {},
        user=user,
    )
    if sort == "match":
        org_ids = user_organization_ids(user, kind=Organization.Kind.MANUFACTURER)
        # Matches are written by the matching app above this one; the reverse relation is read, never imported.
        best = Max(
            "matches__score", filter=Q(matches__product__manufacturer_id__in=org_ids, matches__is_near_miss=False)
        )
        return qs.annotate(best_match=best).order_by(F("best_match").desc(nulls_last=True), "deadline", "id")
    if sort == "newest":
        return qs.order_by(F("opened_at").desc(nulls_last=True), "-id")
    if sort == "-budget":
        return qs.order_by(F("budget").desc(nulls_last=True), "deadline", "id")
    return qs.order_by("deadline", "id")


def open_demand_search(
    *, text: str = "", filters: dict[str, Any] | None = None, page: int = 1, page_size: int = 20, sort: str = ""
) -> tuple[SearchResult, list[Demand]]:
    """Open demands through the search interface; rows loaded from the database in the search order."""
    result = search(
        SearchQuery(
            kind="demands",
            text=text,
            filters=filters or {},
            facets=("category", "province"),
            page=page,
            page_size=page_size,
            sort=sort,
        )
    )
    return result, demands_in_order(result.ids)


def demands_in_order(ids: Iterable[int]) -> list[Demand]:
    ids = list(ids)
    rows = {d.pk: d for d in _with_related(Demand.objects.filter(pk__in=ids, status=Demand.Status.OPEN))}
    return [rows[i] for i in ids if i in rows]


# --- shared instruments --------------------------------------------------------------------------------------


def _shared_related(qs: QuerySet[SharedInstrument]) -> QuerySet[SharedInstrument]:
    return qs.select_related("institution", "category", "province", "product", "product__manufacturer")


def shared_instrument_list(*, user: AnyUser, filters: dict[str, Any] | None = None) -> QuerySet[SharedInstrument]:
    """Instruments open to outside users, plus all of the user's own institutions' instruments."""
    qs = _shared_related(SharedInstrument.objects.filter(shared_instrument_visibility_q(user)))
    filters = filters or {}
    if filters.get("category"):
        qs = qs.filter(category_subtree_q(filters["category"]))
    if filters.get("province"):
        qs = qs.filter(province_id=filters["province"])
    if filters.get("institution"):
        qs = qs.filter(institution_id=filters["institution"])
    if filters.get("mine"):
        qs = qs.filter(institution_id__in=demand_access(user).org_ids)
    if filters.get("q"):
        text = filters["q"]
        qs = qs.filter(Q(name__icontains=text) | Q(model_name__icontains=text) | Q(manufacturer_name__icontains=text))
    return qs.order_by("category__path", "province_id", "id")


def shared_instrument_get(*, user: AnyUser, pk: int) -> SharedInstrument:
    instrument = shared_instrument_list(user=user).filter(pk=pk).first()
    if instrument is None:
        raise Http404
    return instrument


def shared_instrument_get_for_edit(*, user: AnyUser, pk: int) -> SharedInstrument:
    instrument = _shared_related(SharedInstrument.objects.filter(pk=pk)).first()
    if instrument is None or not policies.can_edit_shared_instrument(user, instrument):
        raise Http404
    return instrument


def shared_instrument_candidates(*, demand: Demand) -> list[SharedInstrument]:
    """Shared instruments a demand might use instead of buying: the category's subtree, own institution first,
    then the delivery province, then the rest. Other institutions' instruments count only when open to outsiders.
    """
    qs = SharedInstrument.objects.filter(category_subtree_q(demand.category)).filter(
        Q(institution_id=demand.institution_id) | Q(is_open_to_external=True)
    )
    qs = qs.annotate(
        proximity=Case(
            When(institution_id=demand.institution_id, then=Value(0)),
            When(province_id=demand.delivery_province_id, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    )
    # The specifications of a candidate's catalog product the demand asks about (all of them when it asks about
    # none), so the poster can see whether the instrument would do.
    wanted = [r.parameter_id for r in demand.requirements.all()]
    specifications = Specification.objects.select_related("parameter").order_by(
        "parameter__category__depth", "parameter__sort_order", "parameter__key"
    )
    if wanted:
        specifications = specifications.filter(parameter_id__in=wanted)
    return list(
        _shared_related(qs)
        .prefetch_related(Prefetch("product__specifications", queryset=specifications, to_attr="shown_specifications"))
        .order_by("proximity", "category__path", "id")
    )


# --- quotes --------------------------------------------------------------------------------------------------


def quote_list(*, user: AnyUser, demand: Demand | None = None) -> QuerySet[Quote]:
    """Quotes whose content the user may read: its manufacturer's, and the buyer's once sent and opened."""
    qs = Quote.objects.filter(quote_visibility_q(user))
    if demand is not None:
        qs = qs.filter(demand=demand)
    return (
        qs.select_related(
            "demand", "demand__institution", "manufacturer", "product", "product__category", "submitted_by"
        )
        .prefetch_related("service_provinces", "documents")
        .order_by("unit_price", "id")
    )


def demand_submitted_quote_count(*, demand: Demand) -> int:
    """Quotes still waiting for the buyer's answer (for the confirmation of an award, a close or a cancel)."""
    return Quote.objects.filter(demand=demand, status=Quote.Status.SUBMITTED).count()


def with_quote_counts(qs: QuerySet[Demand]) -> QuerySet[Demand]:
    """Each demand with ``submitted_quote_count`` (shown only to its institution, see ``DemandOutSerializer``)."""
    counts = (
        Quote.objects.filter(demand=OuterRef("pk"), status=Quote.Status.SUBMITTED)
        .order_by()
        .values("demand")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.annotate(submitted_quote_count=Coalesce(Subquery(counts, output_field=IntegerField()), 0))


def demand_quote_count(*, user: AnyUser, demand: Demand) -> int | None:
    """How many quotes arrived on the demand, for its institution (the one figure a sealed demand shows)."""
    if not policies.can_count_quotes(user, demand):
        return None
    return demand_submitted_quote_count(demand=demand)


def comparison_for(*, user: AnyUser, demand: Demand) -> dict[str, Any]:
    """The comparison of a demand's quotes for its institution: the frozen one of its award, else the live one.
    404 for anyone else, and for the buyer too while sealed quotes are unopened."""
    if not policies.can_compare_quotes(user, demand):
        raise Http404
    award = Award.objects.filter(demand=demand).only("comparison").first()
    if award is not None and award.comparison:
        return award.comparison
    return comparison_build(demand=demand)


# --- award notices ----------------------------------------------------------------------------------------------


def award_notice_list(*, category: Category | None = None, flagged: bool | None = None) -> QuerySet[Award]:
    """Award notices are public: who bought what from whom, at what price, domestic or not, and why."""
    qs = Award.objects.select_related(
        "demand",
        "demand__institution",
        "demand__category",
        "product",
        "product__manufacturer",
        "product__category",
        "quote",
    ).order_by("-created_at", "id")
    if category is not None:
        qs = qs.filter(category_subtree_q(category, prefix="demand__category__"))
    if flagged is not None:
        qs = qs.filter(imported_despite_domestic=flagged)
    return qs


def award_notice_download_list(*, category: Category | None = None, flagged: bool | None = None) -> QuerySet[Award]:
    """Award notices as a download, oldest first so a file's order is stable."""
    return award_notice_list(category=category, flagged=flagged).order_by("id")


def award_notice_get(*, pk: int) -> Award:
    award = award_notice_list().filter(pk=pk).first()
    if award is None:
        raise Http404
    return award


def award_notice_alternatives(awards: Iterable[Award]) -> dict[int, list[Product]]:
    """For each award, the domestic products its notice names as having met every mandatory requirement.

    A notice is public, so it names catalog products as anyone may read them (published ones, with their maker)
    and nothing of another bidder's quote: which domestic products could have been bought is the transparency the
    import rule asks for; the losing bidders' prices and terms are theirs. One query for all the awards.
    """
    awards = list(awards)
    wanted = {
        award.pk: [item["product"] for item in award.domestic_alternatives or () if isinstance(item, dict)]
        for award in awards
    }
    ids = sorted({pk for pks in wanted.values() for pk in pks if isinstance(pk, int)})
    by_id = {product.pk: product for product in product_list_by_ids(user=AnonymousUser(), ids=ids)} if ids else {}
    return {award_pk: [by_id[pk] for pk in pks if pk in by_id] for award_pk, pks in wanted.items()}


def award_domestic_alternatives(*, user: AnyUser, demand: Demand, quote: Quote) -> list[dict[str, Any]]:
    """For the buyer about to award ``quote``: the domestic products that met every mandatory requirement, when the
    quote's product is imported (such an award is flagged and needs a reason); else nothing."""
    snapshot = comparison_for(user=user, demand=demand)
    column = next((c for c in snapshot["quotes"] if c["quote"] == quote.pk), None)
    if column is None or column["is_domestic"]:
        return []
    return domestic_alternatives(demand, snapshot)


def award_column(award: Award) -> dict[str, Any] | None:
    """The winning quote's column of the award's frozen comparison (None for an award without a quote)."""
    for column in (award.comparison or {}).get("quotes", []):
        if column.get("quote") == award.quote_id:
            return {**column, "rule_date": award.comparison.get("rule_date", "")}
    return None


def quote_document_file(request: HttpRequest, name: str) -> FieldFile | None:
    """A quote's document, for whoever may read the quote (its manufacturer; the buyer once it is open)."""
    document = QuoteDocument.objects.filter(file=name).select_related("quote", "quote__demand").first()
    if document is None or not policies.can_see_quote(request.user, document.quote):
        return None
    return document.file


def quote_get(*, user: AnyUser, pk: int) -> Quote:
    quote = quote_list(user=user).filter(pk=pk).first()
    if quote is None:
        raise Http404
    return quote


def quotable_products(*, user: AnyUser, demand: Demand) -> QuerySet[Product]:
    """Published products of the user's verified manufacturers in the demand's category subtree."""
    org_ids = user_organization_ids(user, kind=Organization.Kind.MANUFACTURER)
    return (
        Product.objects.filter(
            manufacturer_id__in=org_ids,
            manufacturer__is_verified=True,
            status=Product.Status.PUBLISHED,
        )
        .filter(category_subtree_q(demand.category))
        .select_related("manufacturer")
        .order_by("model_number", "id")
    )


# --- import justifications --------------------------------------------------------------------------------------


def import_justification_for(*, user: AnyUser, demand: Demand) -> ImportJustification | None:
    """The demand's justification, for members of its institution and platform administrators only."""
    if not policies.can_see_import_justification(user, demand):
        return None
    return (
        ImportJustification.objects.filter(demand=demand)
        .select_related("imported_product", "imported_product__manufacturer", "submitted_by", "reviewed_by")
        .prefetch_related("domestic_products_considered")
        .first()
    )


def import_justification_file(request: HttpRequest, name: str) -> FieldFile | None:
    """A justification's evidence document, for the buyer institution's members and platform administrators."""
    justification = ImportJustification.objects.filter(document=name).select_related("demand").first()
    if justification is None:
        return None
    return justification.document if policies.can_see_import_justification(request.user, justification.demand) else None


def import_justification_queue(*, user: AnyUser, status: str | None = None) -> QuerySet[ImportJustification]:
    """Justifications for administrators to review (all of them when no status is given)."""
    if not policies.can_review_import_justifications(user):
        return ImportJustification.objects.none()
    qs = ImportJustification.objects.select_related(
        "demand", "demand__institution", "imported_product", "imported_product__manufacturer", "submitted_by"
    ).prefetch_related("domestic_products_considered", "expert_reviews")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("created_at", "id")


def justification_for_expert(*, user: AnyUser, pk: int) -> tuple[ImportJustification, ExpertReview]:
    """A justification whose panel the user sits on, with the user's review; 404 for anyone else."""
    review = (
        ExpertReview.objects.filter(justification_id=pk, expert_id=user.pk)
        .select_related("justification", "justification__demand", "justification__imported_product")
        .first()
        if user.is_authenticated
        else None
    )
    if review is None:
        raise Http404
    return review.justification, review


def justification_for_dossier(*, user: AnyUser, demand: Demand) -> ImportJustification:
    """The demand's justification for those who may read its dossier (buyer, staff, the panel); else 404."""
    justification = import_justification_for(user=user, demand=demand)
    if justification is None:
        raise Http404
    return justification


def imported_products_for(*, demand: Demand) -> QuerySet[Product]:
    return (
        Product.objects.filter(status=Product.Status.PUBLISHED, is_domestic=False)
        .filter(category_subtree_q(demand.category))
        .select_related("manufacturer")
        .order_by("manufacturer__name_zh", "model_number")
    )


def domestic_products_for(*, demand: Demand) -> QuerySet[Product]:
    return (
        Product.objects.filter(status=Product.Status.PUBLISHED, is_domestic=True)
        .filter(category_subtree_q(demand.category))
        .select_related("manufacturer")
        .order_by("manufacturer__name_zh", "model_number")
    )
