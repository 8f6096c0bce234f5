import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import JoinRequest, Membership, Organization
from accounts.services import (
    join_request_create,
    join_request_decide,
    membership_add,
    membership_change_role,
    membership_remove,
    organization_create,
    organization_update,
    organization_verify,
    signup_with_join_request,
    signup_with_new_organization,
    user_create,
    user_update_profile,
)
from config.exceptions import ApplicationError
from notifications.models import Notification
from tests.factories import ForeignManufacturerFactory, InstitutionFactory, UserFactory, make_uscc, member_of

pytestmark = pytest.mark.django_db

PASSWORD = "a-Long-pass-phrase-42"


def org_fields(**overrides):
    fields = {
        "kind": Organization.Kind.MANUFACTURER,
        "name_zh": "新仪器公司",
        "name_en": "New Instruments Ltd",
        "credit_code": make_uscc(777),
        "country": "CN",
        "province": "330000",
    }
    fields.update(overrides)
    return fields


# --- sign-up ------------------------------------------------------------------------------------------


def test_signup_with_new_organization_makes_an_unverified_organization_with_the_person_as_admin():
    # given / when
    result = signup_with_new_organization(
        email=" New.Person@Example.org ", password=PASSWORD, full_name="New Person", organization=org_fields()
    )
    # then
    assert result.user.email == "new.person@example.org"
    assert result.user.check_password(PASSWORD)
    assert result.organization.is_verified is False
    assert result.organization.province_id == "330000"
    assert result.membership is not None and result.membership.role == Membership.Role.ADMIN


def test_signup_reports_person_and_organization_errors_together_and_creates_nothing(institution):
    # given an existing user and an organization name already taken in China
    UserFactory(email="taken@example.org")
    # when
    with pytest.raises(ValidationError) as excinfo:
        signup_with_new_organization(
            email="TAKEN@example.org",
            password=PASSWORD,
            organization=org_fields(name_zh=institution.name_zh, credit_code="91350100M000100Y44"),
        )
    # then
    errors = excinfo.value.message_dict
    assert set(errors) >= {"email", "name_zh", "credit_code"}
    assert not Organization.objects.filter(credit_code="91350100M000100Y44").exists()


def test_signup_with_a_bad_organization_rolls_back_the_new_user():
    with pytest.raises(ValidationError) as excinfo:
        signup_with_new_organization(
            email="someone@example.org", password=PASSWORD, organization=org_fields(province="999999")
        )
    assert "province" in excinfo.value.message_dict
    assert not Organization.objects.filter(name_zh="新仪器公司").exists()
    from accounts.models import User

    assert not User.objects.filter(email="someone@example.org").exists()


def test_signup_with_join_request_asks_the_organization_admins(institution):
    # given a verified institution with an admin
    admin = member_of(institution, role=Membership.Role.ADMIN)
    # when
    result = signup_with_join_request(
        email="joiner@example.org", password=PASSWORD, organization=institution, message="I work in lab 3"
    )
    # then the person is not a member yet, a request waits and the admin is told
    assert result.join_request is not None and result.join_request.status == JoinRequest.Status.PENDING
    assert not Membership.objects.filter(user=result.user, organization=institution).exists()
    assert Notification.objects.filter(user=admin, dedupe_key=f"join-request:{result.join_request.pk}").exists()


def test_join_request_to_an_unverified_organization_is_refused():
    org = InstitutionFactory(is_verified=False, verified_at=None)
    with pytest.raises(ApplicationError) as excinfo:
        join_request_create(user=UserFactory(), organization=org)
    assert excinfo.value.field == "organization"


def test_join_request_twice_is_refused(institution, user):
    join_request_create(user=user, organization=institution)
    with pytest.raises(ApplicationError):
        join_request_create(user=user, organization=institution)


def test_join_request_approved_by_an_admin_makes_a_member(institution, user):
    admin = member_of(institution, role=Membership.Role.ADMIN)
    request = join_request_create(user=user, organization=institution)
    decided = join_request_decide(join_request=request, decided_by=admin, approve=True)
    assert decided.status == JoinRequest.Status.APPROVED and decided.decided_by == admin
    assert Membership.objects.get(user=user, organization=institution).role == Membership.Role.MEMBER
    with pytest.raises(ApplicationError):
        join_request_decide(join_request=request, decided_by=admin, approve=False)


def test_join_request_cannot_be_decided_by_a_plain_member(institution, user):
    member = member_of(institution)
    request = join_request_create(user=user, organization=institution)
    with pytest.raises(PermissionDenied):
        join_request_decide(join_request=request, decided_by=member, approve=True)


@pytest.mark.parametrize(
    ("email", "password", "field"),
    [("not-an-email", PASSWORD, "email"), ("ok@example.org", "123", "password"), ("", PASSWORD, "email")],
)
def test_user_create_rejects_bad_email_and_weak_password(email, password, field):
    with pytest.raises(ValidationError) as excinfo:
        user_create(email=email, password=password)
    assert field in excinfo.value.message_dict


# --- organization validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"credit_code": "91350100M000100Y44"}, "credit_code"),  # wrong check character
        ({"credit_code": "123"}, "credit_code"),
        ({"credit_code": ""}, "credit_code"),  # required in China
        ({"province": "990000"}, "province"),  # unknown code
        ({"province": None}, "province"),  # required in China
        ({"country": "DE", "credit_code": None}, "province"),  # province given outside China
        ({"country": "DE", "province": None}, "credit_code"),  # credit code outside China
        ({"country": "XX", "province": None, "credit_code": None}, "country"),
    ],
)
def test_organization_create_reports_bad_input_by_field(user, overrides, field):
    with pytest.raises(ValidationError) as excinfo:
        organization_create(created_by=user, **org_fields(**overrides))
    assert field in excinfo.value.message_dict


def test_organization_names_are_unique_per_country_ignoring_case(user):
    existing = ForeignManufacturerFactory(name_en="Bruker Corp", name_zh="布鲁克")
    with pytest.raises(ValidationError) as excinfo:
        organization_create(
            created_by=user,
            **org_fields(country="DE", province=None, credit_code=None, name_zh="x", name_en="BRUKER corp"),
        )
    assert list(excinfo.value.message_dict) == ["name_en"]
    # the same name in another country is fine
    org = organization_create(created_by=user, **org_fields(name_en=existing.name_en, name_zh=existing.name_zh))
    assert org.pk


def test_duplicate_credit_code_is_a_field_error(user, institution):
    with pytest.raises(ValidationError) as excinfo:
        organization_create(created_by=user, **org_fields(credit_code=institution.credit_code.lower()))
    assert "credit_code" in excinfo.value.message_dict


def test_organization_update_only_by_its_admins(institution):
    admin = member_of(institution, role=Membership.Role.ADMIN)
    member = member_of(institution)
    other_admin = member_of(InstitutionFactory(), role=Membership.Role.ADMIN)
    for outsider in (member, other_admin, UserFactory(is_staff=True)):
        with pytest.raises(PermissionDenied):
            organization_update(organization=institution, updated_by=outsider, website="https://x.example.org")
    updated = organization_update(organization=institution, updated_by=admin, website="https://lab.example.org")
    assert updated.website == "https://lab.example.org"


def test_organization_update_refuses_kind_and_locks_identity_once_verified(institution):
    admin = member_of(institution, role=Membership.Role.ADMIN)
    with pytest.raises(ApplicationError):
        organization_update(organization=institution, updated_by=admin, kind=Organization.Kind.MANUFACTURER)
    with pytest.raises(ValidationError) as excinfo:
        organization_update(organization=institution, updated_by=admin, credit_code=make_uscc(4242))
    assert "credit_code" in excinfo.value.message_dict


def test_organization_update_reports_duplicate_name_by_field(institution):
    other = InstitutionFactory()
    admin = member_of(institution, role=Membership.Role.ADMIN)
    with pytest.raises(ValidationError) as excinfo:
        organization_update(organization=institution, updated_by=admin, name_zh=other.name_zh)
    assert "name_zh" in excinfo.value.message_dict


# --- verification ---------------------------------------------------------------------------------------


def test_organization_verify_records_who_and_when_and_notifies_admins_once(staff_user):
    result = signup_with_new_organization(email="a@example.org", password=PASSWORD, organization=org_fields())
    org = result.organization
    verified = organization_verify(organization=org, verified_by=staff_user)
    assert verified.is_verified and verified.verified_by == staff_user and verified.verified_at is not None
    assert org.is_verified  # the caller's object is refreshed
    notes = Notification.objects.filter(user=result.user, kind="organization_verified")
    assert notes.count() == 1
    # verifying again changes nothing and tells no one again
    organization_verify(organization=org, verified_by=staff_user)
    assert notes.count() == 1


def test_organization_verify_needs_staff(user):
    org = InstitutionFactory(is_verified=False, verified_at=None)
    with pytest.raises(PermissionDenied):
        organization_verify(organization=org, verified_by=user)
    org.refresh_from_db()
    assert not org.is_verified


# --- memberships ----------------------------------------------------------------------------------------


def test_membership_add_change_remove_by_an_admin(institution):
    admin = member_of(institution, role=Membership.Role.ADMIN)
    newcomer = UserFactory(email="colleague@example.org")
    membership = membership_add(organization=institution, email="Colleague@Example.org", added_by=admin)
    assert membership.user == newcomer and membership.role == Membership.Role.MEMBER
    with pytest.raises(ValidationError):
        membership_add(organization=institution, email=newcomer.email, added_by=admin)
    membership = membership_change_role(membership=membership, role=Membership.Role.ADMIN, changed_by=admin)
    assert membership.role == Membership.Role.ADMIN
    membership_remove(membership=membership, removed_by=admin)
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_membership_add_unknown_email_is_a_field_error(institution):
    admin = member_of(institution, role=Membership.Role.ADMIN)
    with pytest.raises(ValidationError) as excinfo:
        membership_add(organization=institution, email="nobody@example.org", added_by=admin)
    assert "email" in excinfo.value.message_dict


def test_membership_changes_only_by_that_organizations_admins(institution):
    member = member_of(institution)
    target = Membership.objects.get(user=member_of(institution))
    other_admin = member_of(InstitutionFactory(), role=Membership.Role.ADMIN)
    for outsider in (member, other_admin):
        with pytest.raises(PermissionDenied):
            membership_add(organization=institution, email=UserFactory().email, added_by=outsider)
        with pytest.raises(PermissionDenied):
            membership_change_role(membership=target, role=Membership.Role.ADMIN, changed_by=outsider)
        with pytest.raises(PermissionDenied):
            membership_remove(membership=target, removed_by=outsider)


def test_the_last_admin_can_neither_step_down_nor_be_removed(institution):
    admin = member_of(institution, role=Membership.Role.ADMIN)
    own = Membership.objects.get(user=admin)
    with pytest.raises(ApplicationError):
        membership_change_role(membership=own, role=Membership.Role.MEMBER, changed_by=admin)
    with pytest.raises(ApplicationError):
        membership_remove(membership=own, removed_by=admin)
    # with a second admin, the first may step down
    second = member_of(institution, role=Membership.Role.ADMIN)
    membership_change_role(membership=own, role=Membership.Role.MEMBER, changed_by=second)
    own.refresh_from_db()
    assert own.role == Membership.Role.MEMBER


def test_a_member_may_leave_on_their_own(institution):
    member = member_of(institution)
    membership_remove(membership=Membership.objects.get(user=member), removed_by=member)
    assert not Membership.objects.filter(user=member).exists()


# --- profile --------------------------------------------------------------------------------------------


def test_user_update_profile_sets_notifications_and_language(user):
    updated = user_update_profile(
        user=user, full_name=" Dr. Li ", email_notifications=False, preferred_language="en", phone="123"
    )
    updated.refresh_from_db()
    assert (updated.full_name, updated.email_notifications, updated.preferred_language) == ("Dr. Li", False, "en")


def test_user_update_profile_rejects_unknown_language_and_fields(user):
    with pytest.raises(ValidationError) as excinfo:
        user_update_profile(user=user, preferred_language="fr")
    assert "preferred_language" in excinfo.value.message_dict
    with pytest.raises(ApplicationError):
        user_update_profile(user=user, is_staff=True)


def test_verification_notice_is_written_in_each_admins_language(staff_user):
    org = InstitutionFactory(is_verified=False, verified_at=None, name_zh="光学所", name_en="Optics Institute")
    english = member_of(org, role=Membership.Role.ADMIN, preferred_language="en")
    chinese = member_of(org, role=Membership.Role.ADMIN, preferred_language="zh-hans")
    organization_verify(organization=org, verified_by=staff_user)
    assert Notification.objects.get(user=english).title == "Optics Institute is now verified"
    assert Notification.objects.get(user=chinese).title == "光学所 已通过审核"
