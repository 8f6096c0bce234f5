"""Each accounts rule, for every role: anonymous, a researcher, another institution's member, a maker, staff."""

from __future__ import annotations

import pytest

from accounts import policies, selectors
from accounts.models import JoinRequest, Membership, Organization
from tests.conftest import allowed
from tests.factories import InstitutionFactory, MembershipFactory, UserFactory, member_of

pytestmark = pytest.mark.django_db


def test_who_sees_an_unverified_organization(people):
    unverified = InstitutionFactory(is_verified=False)
    MembershipFactory(user=people.users["researcher"], organization=unverified)
    assert allowed(people, lambda u: policies.can_see_organization(u, unverified)) == {"researcher", "staff"}
    # and the selector behind lists and the API scopes the same way
    assert allowed(people, lambda u: selectors.organization_list(user=u).filter(pk=unverified.pk).exists()) == {
        "researcher",
        "staff",
    }


def test_everyone_sees_a_verified_organization(people):
    assert allowed(people, lambda u: policies.can_see_organization(u, people.institution)) == set(people.users)


def test_only_the_organizations_administrators_edit_it_and_manage_its_members(people):
    admin = member_of(people.institution, role=Membership.Role.ADMIN)
    people.users["admin"] = admin
    for rule in (policies.can_edit_organization, policies.can_manage_members):
        assert allowed(people, lambda u, rule=rule: rule(u, people.institution)) == {"admin"}


def test_members_and_staff_see_the_member_list(people):
    assert allowed(people, lambda u: policies.can_see_members(u, people.institution)) == {"researcher", "staff"}


def test_only_staff_verify_organizations(people):
    assert allowed(people, policies.can_verify_organization) == {"staff"}


def test_only_the_organizations_administrators_decide_join_requests(people):
    admin = member_of(people.institution, role=Membership.Role.ADMIN)
    people.users["admin"] = admin
    request = JoinRequest.objects.create(user=UserFactory(), organization=people.institution)
    assert allowed(people, lambda u: policies.can_decide_join_request(u, request)) == {"admin"}


def test_signed_in_people_ask_to_join_verified_organizations_they_are_not_in(people):
    assert allowed(people, lambda u: policies.can_ask_to_join(u, people.institution)) == {
        "other_researcher",
        "maker",
        "staff",
    }
    unverified = InstitutionFactory(is_verified=False)
    assert allowed(people, lambda u: policies.can_ask_to_join(u, unverified)) == set()


def test_a_member_may_leave_but_not_remove_others(people):
    membership = Membership.objects.get(user=people.users["researcher"], organization=people.institution)
    assert allowed(people, lambda u: policies.can_leave(u, membership)) == {"researcher"}


def test_signed_in_people_register_organizations(people):
    assert allowed(people, policies.can_register_organization) == {
        "researcher",
        "other_researcher",
        "maker",
        "staff",
    }


def test_membership_facts(people):
    maker = people.users["maker"]
    assert policies.user_organization_ids(maker, kind=Organization.Kind.MANUFACTURER) == {people.manufacturer.pk}
    assert policies.user_organization_ids(maker, kind=Organization.Kind.INSTITUTION) == set()
    assert allowed(people, policies.user_is_verified_manufacturer) == {"maker"}
    assert allowed(people, policies.is_staff) == {"staff"}
