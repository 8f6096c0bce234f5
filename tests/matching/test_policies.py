"""Each matching rule, for every role: anonymous, a researcher, another institution's member, a maker, staff."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from matching import policies, reports, selectors, services
from matching.models import Match, MatchReport, MatchRun
from tests.conftest import allowed
from tests.factories import DemandFactory, ProductFactory, RequirementFactory, SpecificationFactory
from tests.matching.test_reports import period

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(people, scene):
    """A match between the people's institution's demand and the people's manufacturer's product, and a near miss."""
    demand = DemandFactory(category=scene.root, institution=people.institution)
    RequirementFactory(demand=demand, parameter=scene.pressure, operator=">=", value=50.0)
    good = ProductFactory(category=scene.leaf, manufacturer=people.manufacturer)
    SpecificationFactory(product=good, parameter=scene.pressure, value=80.0)
    services.match_run_demand(demand_id=demand.pk)
    return demand, good, Match.objects.get(demand=demand, product=good)


def test_an_unpublished_match_is_seen_by_its_two_sides_and_staff(people, pair):
    _demand, _product, match = pair
    assert allowed(people, lambda u: selectors.match_list(user=u).filter(pk=match.pk).exists()) == {
        "researcher",
        "maker",
        "staff",
    }


def test_a_published_match_is_seen_by_everyone_but_near_misses_never(people, pair, scene, staff_user):
    demand, _product, match = pair
    start, end = period()
    reports.report_publish(report_id=reports.report_generate(period_start=start, period_end=end).pk, user=staff_user)
    assert allowed(people, lambda u: selectors.match_list(user=u).filter(pk=match.pk).exists()) == set(people.users)
    near = Match.objects.filter(demand=demand, is_near_miss=True).first()
    assert near is not None
    assert allowed(people, lambda u: selectors.match_list(user=u).filter(pk=near.pk).exists()) == {
        "researcher",
        "staff",
    }


def test_all_matches_of_a_demand_for_its_institution_and_staff(people, pair):
    demand, product, _match = pair
    assert allowed(people, lambda u: policies.sees_all_matches_of(u, demand)) == {"researcher", "staff"}
    assert allowed(people, lambda u: policies.can_see_product_matches(u, product)) == {"maker", "staff"}


def test_the_product_matches_fragment_follows_the_policy(people, pair):
    _demand, product, _match = pair

    def sees(user) -> bool:
        try:
            selectors.product_matches(user=user, product_id=product.pk)
        except PermissionDenied:
            return False
        return True

    assert allowed(people, sees) == {"maker", "staff"}


def test_drafts_of_reports_and_report_management_are_for_staff(people, scene):
    start, end = period()
    draft = reports.report_generate(period_start=start, period_end=end)
    assert allowed(people, lambda u: selectors.report_list(user=u).filter(pk=draft.pk).exists()) == {"staff"}
    assert allowed(people, policies.can_manage_reports) == {"staff"}
    assert allowed(people, policies.can_start_match_run) == {"staff"}


@pytest.mark.parametrize("role", ["researcher", "other_researcher", "maker"])
def test_report_and_run_services_refuse_anyone_but_staff(people, scene, role):
    user = people.users[role]
    start, end = period()
    with pytest.raises(PermissionDenied):
        reports.report_generate(period_start=start, period_end=end, user=user)
    draft = reports.report_generate(period_start=start, period_end=end)
    for call in (
        lambda: reports.report_publish(report_id=draft.pk, user=user),
        lambda: reports.report_update(report_id=draft.pk, note="x", user=user),
        lambda: reports.report_delete_draft(report_id=draft.pk, user=user),
        lambda: services.match_run_start(kind=MatchRun.Kind.FULL, started_by=user),
    ):
        with pytest.raises(PermissionDenied):
            call()
    draft.refresh_from_db()
    assert draft.status == MatchReport.Status.DRAFT and draft.note == ""
