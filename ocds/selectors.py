"""Which releases are published and loading their demands in bulk; only public demands are published."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, Q, QuerySet

from ocds.releases import AWARD, CONTRACT, PLANNING, TAG_ORDER, TENDER, TENDER_END_FIELDS, tender_end
from procurement.models import Award, Demand, Requirement
from procurement.policies import demand_visibility_q


@dataclass(frozen=True, order=True)
class ReleaseRef:
    """One release's place in the published order: by date, then process, then stage."""

    date: datetime.datetime
    demand_id: int
    order: int
    tag: str


def public_demands() -> QuerySet[Demand]:
    """The processes published: what anyone may read, and demands withdrawn after they opened, whose tender was
    public and is published as cancelled (drafts and demands withdrawn as drafts never are)."""
    withdrawn_after_opening = Q(status=Demand.Status.CANCELLED, opened_at__isnull=False)
    return Demand.objects.filter(demand_visibility_q(AnonymousUser()) | withdrawn_after_opening)


def release_index(
    *, since: datetime.datetime | None = None, until: datetime.datetime | None = None
) -> list[ReleaseRef]:
    """Every published release dated in ``[since, until)``, in published order (two queries)."""
    refs: list[ReleaseRef] = []
    for demand in public_demands().only("pk", "created_at", *TENDER_END_FIELDS):
        refs.append(ReleaseRef(demand.created_at, demand.pk, TAG_ORDER[PLANNING], PLANNING))
        if demand.opened_at is not None:
            refs.append(ReleaseRef(demand.opened_at, demand.pk, TAG_ORDER[TENDER], TENDER))
        end = tender_end(demand)
        if end is not None:
            refs.append(ReleaseRef(end[1], demand.pk, TAG_ORDER[end[0]], end[0]))
    for demand_id, created_at, confirmed_at in Award.objects.filter(demand__in=public_demands()).values_list(
        "demand_id", "created_at", "confirmed_at"
    ):
        refs.append(ReleaseRef(created_at, demand_id, TAG_ORDER[AWARD], AWARD))
        if confirmed_at is not None:
            refs.append(ReleaseRef(confirmed_at, demand_id, TAG_ORDER[CONTRACT], CONTRACT))
    if since is not None:
        refs = [ref for ref in refs if ref.date >= since]
    if until is not None:
        refs = [ref for ref in refs if ref.date < until]
    refs.sort()
    return refs


def demands_for_releases(ids: list[int]) -> dict[int, Demand]:
    """The demands with everything their releases read, in a fixed number of queries."""
    qs = (
        public_demands()
        .filter(pk__in=ids)
        .select_related(
            "institution",
            "institution__province",
            "category",
            "award",
            "award__product",
            "award__product__category",
            "award__product__manufacturer",
            "award__product__manufacturer__province",
            "award__quote",
            "award__quote__product",
            "award__quote__product__category",
            "award__quote__product__manufacturer",
            "award__quote__product__manufacturer__province",
        )
        .prefetch_related(
            Prefetch(
                "requirements",
                queryset=Requirement.objects.select_related("parameter").order_by("sort_order", "id"),
            )
        )
    )
    return {demand.pk: demand for demand in qs}


def public_demand(pk: int) -> Demand | None:
    return demands_for_releases([pk]).get(pk)
