import pytest
from django.http import Http404

from procurement import policies, selectors
from procurement.models import Demand
from tests.factories import (
    CategoryFactory,
    DemandFactory,
    InstitutionFactory,
    ManufacturerFactory,
    ProductFactory,
    SharedInstrumentFactory,
    member_of,
    province,
)
from tests.procurement.factories import draft_demand

pytestmark = pytest.mark.django_db


@pytest.fixture
def roles(institution, staff_user):
    return {
        "anonymous": None,
        "other_member": member_of(InstitutionFactory()),
        "own_member": member_of(institution),
        "verified_maker": member_of(ManufacturerFactory(is_verified=True)),
        "unverified_maker": member_of(ManufacturerFactory(is_verified=False, verified_at=None)),
        "staff": staff_user,
    }


def _user(roles, role):
    from django.contrib.auth.models import AnonymousUser

    return roles[role] or AnonymousUser()


@pytest.mark.parametrize(
    ("role", "sees_draft", "sees_contact", "can_edit"),
    [
        ("anonymous", False, False, False),
        ("other_member", False, False, False),
        ("own_member", True, True, True),
        ("verified_maker", False, True, False),
        ("unverified_maker", False, False, False),
        ("staff", True, True, False),
    ],
)
def test_visibility_by_role(roles, institution, role, sees_draft, sees_contact, can_edit):
    user = _user(roles, role)
    open_demand = DemandFactory(institution=institution)
    draft = draft_demand(institution=institution)
    cancelled = DemandFactory(institution=institution, status=Demand.Status.CANCELLED)

    visible = set(selectors.demand_list(user=user).values_list("pk", flat=True))
    access = policies.demand_access(user)

    assert open_demand.pk in visible
    assert (draft.pk in visible) is sees_draft
    assert (cancelled.pk in visible) is sees_draft
    assert access.can_see_contact(open_demand) is sees_contact
    assert access.can_edit(open_demand) is can_edit
    if sees_draft:
        assert selectors.demand_get(user=user, pk=draft.pk) == draft
    else:
        with pytest.raises(Http404):
            selectors.demand_get(user=user, pk=draft.pk)
    if not can_edit:
        with pytest.raises(Http404):
            selectors.demand_get_for_edit(user=user, pk=open_demand.pk)


def test_candidates_list_own_institution_then_province_then_the_rest(institution):
    root = CategoryFactory()
    leaf = CategoryFactory(parent=root)
    unrelated = CategoryFactory()
    demand = draft_demand(institution=institution, category=root, delivery_province=province("310000"))
    far = SharedInstrumentFactory(category=leaf, province=province("440000"))
    same_province = SharedInstrumentFactory(category=root, province=province("310000"))
    own = SharedInstrumentFactory(institution=institution, category=leaf, province=province("110000"))
    own_internal = SharedInstrumentFactory(
        institution=institution, category=root, province=province("110000"), is_open_to_external=False
    )
    SharedInstrumentFactory(category=unrelated, province=province("310000"))
    SharedInstrumentFactory(category=root, province=province("310000"), is_open_to_external=False)

    candidates = selectors.shared_instrument_candidates(demand=demand)

    assert [c.pk for c in candidates] == [own_internal.pk, own.pk, same_province.pk, far.pk]


def test_manufacturer_view_lists_open_demands_in_categories_it_makes_and_their_ancestors(maker, manufacturer):
    root = CategoryFactory()
    leaf = CategoryFactory(parent=root)
    other = CategoryFactory()
    ProductFactory(manufacturer=manufacturer, category=leaf)
    in_leaf = DemandFactory(category=leaf)
    in_root = DemandFactory(category=root)
    DemandFactory(category=other)
    draft_demand(category=leaf)
    sibling = CategoryFactory(parent=root)
    DemandFactory(category=sibling)

    listed = set(selectors.manufacturer_demand_list(user=maker).values_list("pk", flat=True))

    assert listed == {in_leaf.pk, in_root.pk}


def test_quotes_are_seen_by_their_maker_and_the_buyer_only(institution, researcher, manufacturer, maker):
    from procurement.models import Quote

    demand = DemandFactory(institution=institution, posted_by=researcher)
    product = ProductFactory(manufacturer=manufacturer, category=demand.category)
    quote = Quote.objects.create(
        demand=demand, manufacturer=manufacturer, product=product, unit_price=1000, submitted_by=maker
    )
    outsider = member_of(ManufacturerFactory())
    assert list(selectors.quote_list(user=researcher)) == [quote]
    assert list(selectors.quote_list(user=maker)) == [quote]
    assert list(selectors.quote_list(user=outsider)) == []
