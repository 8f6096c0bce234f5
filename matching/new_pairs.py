"""Telling the two sides of new pairs: one notification per demand and person, listing the new products."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.urls import reverse

from accounts.models import Membership, User
from catalog.models import Product
from config.bulk import id_array
from matching import notices
from notifications.messages import localized
from notifications.services import News, Notice, notify_each
from procurement.models import Demand


def notify_new_pairs(pairs: Sequence[tuple[int, int, float]]) -> int:
    """Tell the demand's institution and the product's manufacturers about new pairs above the threshold.

    Each demand's new products fold into one notification per person ("5 new domestic matches for your demand
    X"); the keys make this safe to call again for the same pair: nobody hears of a pair twice.
    Returns the notifications created or extended.
    """
    demands = {
        pk: (title, institution_id)
        for pk, title, institution_id in Demand.objects.filter(pk__in=id_array({d for d, _p, _s in pairs})).values_list(
            "pk", "title", "institution_id"
        )
    }
    makers = dict(
        Product.objects.filter(pk__in=id_array({p for _d, p, _s in pairs})).values_list("pk", "manufacturer_id")
    )
    org_ids = {inst for _t, inst in demands.values()} | set(makers.values())
    members: dict[int, list[User]] = defaultdict(list)
    for membership in Membership.objects.filter(
        organization_id__in=id_array(org_ids), user__is_active=True
    ).select_related("user"):
        members[membership.organization_id].append(membership.user)
    # Only pairs someone can hear of: a side without active members would get notices for nobody (and no keys).
    pairs = [
        (demand_id, product_id, score)
        for demand_id, product_id, score in pairs
        if demand_id in demands
        and product_id in makers
        and (demands[demand_id][1] in members or makers[product_id] in members)
    ]
    if not pairs:
        return 0
    products = {
        pk: (localized(f"{name_zh} {model}", f"{name_en} {model}" if name_en else ""), manufacturer_id)
        for pk, name_zh, name_en, model, manufacturer_id in Product.objects.filter(
            pk__in=id_array({p for _d, p, _s in pairs})
        ).values_list("pk", "name_zh", "name_en", "model_number", "manufacturer_id")
    }
    # demand -> its new products; (demand, manufacturer) -> that manufacturer's new products
    for_buyers: dict[int, list[News]] = defaultdict(list)
    for_makers: dict[tuple[int, int], list[News]] = defaultdict(list)
    for demand_id, product_id, score in sorted(pairs, key=lambda pair: (pair[0], -pair[2], pair[1])):
        if demand_id not in demands or product_id not in products:
            continue
        name, manufacturer_id = products[product_id]
        values = {"product": name, "score": f"{score:.2f}"}
        for_buyers[demand_id].append(News(key=f"match:{demand_id}:{product_id}:demand", params=values))
        for_makers[(demand_id, manufacturer_id)].append(
            News(key=f"match:{demand_id}:{product_id}:product", params=values)
        )
    notices_: list[Notice] = []
    # One reverse() for all demands (it costs more than the rest of a notice): the path with the id put in.
    sentinel = 987654321
    pattern = reverse("procurement:demand-detail", args=[sentinel])

    def demand_url(demand_id: int) -> str:
        return pattern.replace(str(sentinel), str(demand_id))

    for demand_id, items in for_buyers.items():
        title, institution_id = demands[demand_id]
        notices_.append(
            Notice(
                users=members.get(institution_id, []),
                kind=notices.NEW_MATCH,
                params={"demand": title},
                url=demand_url(demand_id) + "#matches",
                group=f"match:{demand_id}:demand",
                items=items,
            )
        )
    for (demand_id, manufacturer_id), items in for_makers.items():
        notices_.append(
            Notice(
                users=members.get(manufacturer_id, []),
                kind=notices.NEW_DEMAND,
                params={"demand": demands[demand_id][0]},
                url=demand_url(demand_id) + "#requirements",
                group=f"match:{demand_id}:product:{manufacturer_id}",
                items=items,
            )
        )
    return len(notify_each(notices_))
