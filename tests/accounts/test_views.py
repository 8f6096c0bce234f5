import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import JoinRequest, Membership, Organization, User
from notifications.models import Notification
from tests.factories import InstitutionFactory, UserFactory, make_uscc, member_of

pytestmark = pytest.mark.django_db

PASSWORD = "a-Long-pass-phrase-42"


def signup_data(**overrides):
    data = {
        "email": "new@example.org",
        "full_name": "New Person",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "mode": "create",
        "kind": "manufacturer",
        "name_zh": "新仪器公司",
        "name_en": "",
        "credit_code": make_uscc(555),
        "country": "CN",
        "province": "330000",
    }
    data.update(overrides)
    return data


# --- sign-up --------------------------------------------------------------------------------------------


def test_signup_page_renders_both_ways_to_join(client, institution):
    response = client.get(reverse("accounts:signup"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="create"' in html and 'value="join"' in html
    assert institution.name_en in html  # verified organizations are offered to join


def test_signup_creating_an_organization_logs_in_and_waits_for_verification(client):
    response = client.post(reverse("accounts:signup"), signup_data())
    assert response.status_code == 302 and response.url == reverse("accounts:profile")
    user = User.objects.get(email="new@example.org")
    org = Organization.objects.get(name_zh="新仪器公司")
    assert not org.is_verified
    assert Membership.objects.get(user=user, organization=org).role == Membership.Role.ADMIN
    profile = client.get(reverse("accounts:profile"))
    assert "Waiting for verification" in profile.content.decode()


def test_signup_joining_an_organization_creates_a_join_request(client, institution):
    admin = member_of(institution, role=Membership.Role.ADMIN)
    response = client.post(
        reverse("accounts:signup"), signup_data(mode="join", organization=institution.pk, kind="", name_zh="")
    )
    assert response.status_code == 302
    user = User.objects.get(email="new@example.org")
    assert JoinRequest.objects.get(user=user).organization == institution
    assert not Membership.objects.filter(user=user).exists()
    assert Notification.objects.filter(user=admin).exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"credit_code": "91350100M000100Y44"}, "credit_code"),
        ({"province": "999999"}, "province"),  # not a choice
        ({"country": "US"}, "province"),  # province only in China
        ({"email": "not-an-email"}, "email"),
        ({"password2": "different-pass-99"}, "password2"),
        ({"password1": "123", "password2": "123"}, "password1"),
        ({"name_zh": ""}, "name_zh"),
    ],
)
def test_signup_bad_input_is_a_form_error_not_a_500(client, overrides, field):
    response = client.post(reverse("accounts:signup"), signup_data(**overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors, response.context["form"].errors
    assert not User.objects.exists()


def test_signup_duplicate_name_in_the_country_is_a_field_error(client, institution):
    response = client.post(reverse("accounts:signup"), signup_data(name_zh=institution.name_zh.upper()))
    assert response.status_code == 200
    assert "already exists in this country" in response.context["form"].errors["name_zh"][0]


def test_signup_duplicate_email_is_a_field_error(client):
    UserFactory(email="new@example.org")
    response = client.post(reverse("accounts:signup"), signup_data(email="NEW@example.org"))
    assert "email" in response.context["form"].errors


# --- log in / log out / password reset -------------------------------------------------------------------


def test_login_by_email_in_any_case_and_logout_by_post(client):
    UserFactory(email="person@example.org")
    response = client.post(reverse("accounts:login"), {"username": "Person@Example.org", "password": "pass-word-123"})
    assert response.status_code == 302
    assert client.get(reverse("accounts:profile")).status_code == 200
    assert client.get(reverse("accounts:logout")).status_code == 405  # a link cannot log anyone out
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_login_with_a_wrong_password_shows_an_error(client, user):
    response = client.post(reverse("accounts:login"), {"username": user.email, "password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_password_reset_by_email_end_to_end(client):
    UserFactory(email="forgot@example.org")
    response = client.post(reverse("accounts:password-reset"), {"email": "forgot@example.org"})
    assert response.status_code == 302 and response.url == reverse("accounts:password-reset-done")
    assert len(mail.outbox) == 1
    found = re.search(r"https?://[^/]+(/accounts/password-reset/\S+/)", str(mail.outbox[0].body))
    assert found is not None
    link = found.group(1)
    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"]
    new = "another-Long-pass-77"
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302 and done.url == reverse("accounts:password-reset-complete")
    assert User.objects.get(email="forgot@example.org").check_password(new)


# --- profile ------------------------------------------------------------------------------------------------


def test_profile_updates_notifications_and_language(client, user):
    client.force_login(user)
    response = client.post(
        reverse("accounts:profile"),
        {"full_name": "Dr. Wang", "phone": "", "preferred_language": "en"},  # checkbox left out: off
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.full_name, user.email_notifications, user.preferred_language) == ("Dr. Wang", False, "en")


def test_profile_lists_organizations_and_admin_manages_members(client, institution, django_assert_max_num_queries):
    admin = member_of(institution, role=Membership.Role.ADMIN)
    for _ in range(4):
        member_of(institution)
    member_of(InstitutionFactory(), role=Membership.Role.ADMIN)  # someone else's organization stays out of view
    client.force_login(admin)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("accounts:profile"))
    html = response.content.decode()
    assert institution.name_en in html
    assert len(response.context["memberships"][0]["members"]) == 5

    newcomer = UserFactory()
    client.post(reverse("accounts:member-add", args=[institution.pk]), {"email": newcomer.email, "role": "member"})
    membership = Membership.objects.get(user=newcomer, organization=institution)
    client.post(reverse("accounts:member-role", args=[membership.pk]), {"role": "admin"})
    membership.refresh_from_db()
    assert membership.role == Membership.Role.ADMIN
    client.post(reverse("accounts:member-remove", args=[membership.pk]), {"confirmed": "yes"})
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_plain_member_cannot_manage_members_from_the_page(client, institution):
    admin = member_of(institution, role=Membership.Role.ADMIN)
    member = member_of(institution)
    client.force_login(member)
    target = Membership.objects.get(user=admin)
    response = client.post(reverse("accounts:member-remove", args=[target.pk]), {"confirmed": "yes"}, follow=True)
    assert "Only the administrators" in response.content.decode()
    assert Membership.objects.filter(pk=target.pk).exists()
    assert client.get(reverse("accounts:organization-edit", args=[institution.pk])).status_code == 403


def test_last_admin_removal_is_reported_not_done(client, institution):
    admin = member_of(institution, role=Membership.Role.ADMIN)
    client.force_login(admin)
    own = Membership.objects.get(user=admin)
    response = client.post(reverse("accounts:member-remove", args=[own.pk]), {"confirmed": "yes"}, follow=True)
    assert "at least one administrator" in response.content.decode()
    assert Membership.objects.filter(pk=own.pk).exists()


def test_admin_approves_a_join_request_on_the_profile_page(client, institution, user):
    admin = member_of(institution, role=Membership.Role.ADMIN)
    client.force_login(user)
    client.post(reverse("accounts:organization-join"), {"organization": institution.pk, "message": "hi"})
    join_request = JoinRequest.objects.get(user=user)
    client.force_login(admin)
    assert user.email in client.get(reverse("accounts:profile")).content.decode()
    client.post(reverse("accounts:join-request-decide", args=[join_request.pk]), {"decision": "approve"})
    assert Membership.objects.filter(user=user, organization=institution).exists()


def test_organization_edit_page_reports_duplicate_name(client, institution):
    other = InstitutionFactory()
    admin = member_of(institution, role=Membership.Role.ADMIN)
    client.force_login(admin)
    url = reverse("accounts:organization-edit", args=[institution.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"name_zh": other.name_zh, "name_en": "", "province": "110000"})
    assert response.status_code == 200
    assert "name_zh" in response.context["form"].errors


def test_organization_create_page_for_a_signed_in_person(client, user):
    client.force_login(user)
    response = client.post(
        reverse("accounts:organization-create"),
        {"kind": "agency", "name_zh": "科技厅", "credit_code": make_uscc(999), "country": "CN", "province": "110000"},
    )
    assert response.status_code == 302
    org = Organization.objects.get(name_zh="科技厅")
    assert Membership.objects.get(organization=org).user == user


# --- staff verification ------------------------------------------------------------------------------------


def test_verification_queue_is_for_staff_only(client, user):
    url = reverse("accounts:verification-queue")
    assert client.get(url).status_code == 302  # anonymous: log in first
    client.force_login(user)
    assert client.get(url).status_code == 403


def test_staff_verify_from_the_queue_page_and_admins_are_notified(client, staff_user):
    org = InstitutionFactory(is_verified=False, verified_at=None)
    admin = member_of(org, role=Membership.Role.ADMIN)
    InstitutionFactory()  # verified: not in the queue
    client.force_login(staff_user)
    page = client.get(reverse("accounts:verification-queue"))
    assert [o.pk for o in page.context["organizations"]] == [org.pk]
    assert admin.email in page.content.decode()
    response = client.post(reverse("accounts:organization-verify", args=[org.pk]), {"confirmed": "yes"})
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.is_verified and org.verified_by == staff_user
    assert Notification.objects.filter(user=admin, kind="organization_verified").count() == 1


def test_django_admin_verify_action(client, staff_user):
    orgs = [InstitutionFactory(is_verified=False, verified_at=None) for _ in range(2)]
    admins = [member_of(org, role=Membership.Role.ADMIN) for org in orgs]
    client.force_login(staff_user)
    response = client.post(
        reverse("admin:accounts_organization_changelist"),
        {"action": "verify", "_selected_action": [o.pk for o in orgs]},
        follow=True,
    )
    assert response.status_code == 200
    assert "2 organizations verified." in response.content.decode()
    assert (
        Organization.objects.filter(pk__in=[o.pk for o in orgs], is_verified=True, verified_by=staff_user).count() == 2
    )
    assert Notification.objects.filter(user__in=admins, kind="organization_verified").count() == 2


@pytest.mark.parametrize("model", ["user", "organization", "membership", "province", "joinrequest"])
def test_django_admin_pages_render(client, staff_user, institution, model):
    member_of(institution)
    client.force_login(staff_user)
    assert client.get(reverse(f"admin:accounts_{model}_changelist")).status_code == 200
    if model != "joinrequest":
        assert client.get(reverse(f"admin:accounts_{model}_add")).status_code == 200


def test_login_switches_pages_to_the_preferred_language(client, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    UserFactory(email="en@example.org", preferred_language="en")
    response = client.post(reverse("accounts:login"), {"username": "en@example.org", "password": "pass-word-123"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert '<html lang="en">' in client.get(reverse("accounts:profile")).content.decode()


def test_saving_a_preferred_language_switches_the_pages(client, user, settings):
    settings.LANGUAGE_CODE = "en"
    client.force_login(user)
    response = client.post(
        reverse("accounts:profile"), {"full_name": "李", "preferred_language": "zh-hans"}, follow=True
    )
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "个人资料已保存。" in html


def test_verification_queue_has_no_n_plus_one(client, staff_user, django_assert_max_num_queries):
    for _ in range(6):
        org = InstitutionFactory(is_verified=False, verified_at=None)
        member_of(org, role=Membership.Role.ADMIN)
        member_of(org)
    client.force_login(staff_user)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("accounts:verification-queue"))
    assert len(response.context["organizations"]) == 6


def test_join_picker_renders_a_first_page_and_searches_the_rest(client, settings):
    from accounts.forms import JOIN_PICKER_SIZE

    orgs = [InstitutionFactory() for _ in range(JOIN_PICKER_SIZE + 3)]
    InstitutionFactory(is_verified=False, verified_at=None, name_en="Hidden Unverified Lab")
    page = client.get(reverse("accounts:signup"))
    options = page.context["form"]["organization"].field.widget.choices
    assert len(options) == JOIN_PICKER_SIZE + 1  # plus the empty choice

    rendered = {value for value, _label in options}
    last = next(org for org in orgs if org.pk not in rendered)
    found = client.get(reverse("accounts:organization-options"), {"q": last.name_en.upper()}).content.decode()
    assert f'value="{last.pk}"' in found
    assert (
        "Hidden Unverified Lab"
        not in client.get(reverse("accounts:organization-options"), {"q": "Hidden"}).content.decode()
    )

    # an organization beyond the first page is accepted and stays selected when the form comes back
    response = client.post(
        reverse("accounts:signup"),
        signup_data(mode="join", organization=last.pk, kind="", name_zh="", password2="mismatch-pass-1"),
    )
    assert "password2" in response.context["form"].errors
    assert f'value="{last.pk}" selected' in response.content.decode()


def test_join_picker_search_with_a_nul_byte_finds_nothing(client, institution):
    # PostgreSQL refuses a NUL in a query; no organization name holds one
    response = client.get(reverse("accounts:organization-options"), {"q": "a\x00b"})
    assert response.status_code == 200
    assert f'value="{institution.pk}"' not in response.content.decode()


def test_join_form_with_a_unicode_digit_organization_is_a_form_error(client, user):
    # "²" passes str.isdigit() but is no id
    client.force_login(user)
    response = client.post(reverse("accounts:organization-join"), {"organization": "\u00b2", "message": "hi"})
    assert response.status_code == 200
    assert "organization" in response.context["form"].errors


# --- the log-in guard --------------------------------------------------------------------------------------------


def _fail(client, url, email, **extra):
    return client.post(url, {"username": email, "password": "wrong"}, **extra)


def _blocked(response) -> bool:
    """The log-in form refused the attempt for too many failures (whatever the page's language)."""
    return response.status_code == 200 and response.context["form"].has_error("__all__", code="too_many_attempts")


def _age_failures(email, seconds):
    """Move an account's recorded failures back in time (instead of waiting)."""
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import LoginFailure

    LoginFailure.objects.filter(email=email).update(created_at=timezone.now() - timedelta(seconds=seconds))


def test_repeated_failed_log_ins_make_the_account_wait_whatever_the_address(client):
    from accounts.services.login_guard import ACCOUNT_FREE_FAILURES

    # given: an account, and someone guessing its password from ever new addresses
    UserFactory(email="guess@example.org")
    UserFactory(email="other@example.org")
    url = reverse("accounts:login")
    for i in range(ACCOUNT_FREE_FAILURES):
        assert _fail(client, url, "guess@example.org", REMOTE_ADDR=f"198.51.100.{i}").status_code == 200
    # when: even the right password is tried from yet another address
    blocked = client.post(
        url, {"username": "GUESS@example.org", "password": "pass-word-123"}, REMOTE_ADDR="198.51.100.99"
    )
    # then: it waits, and says so; other accounts are not affected
    assert blocked.status_code == 200
    assert _blocked(blocked)
    assert "_auth_user_id" not in client.session
    other = client.post(
        url, {"username": "other@example.org", "password": "pass-word-123"}, REMOTE_ADDR="198.51.100.99"
    )
    assert other.status_code == 302


def test_the_owner_still_logs_in_from_a_known_address_while_others_guess(client):
    from accounts.services.login_guard import ACCOUNT_FREE_FAILURES

    # given: the owner logged in once from their office
    UserFactory(email="victim@example.org")
    url = reverse("accounts:login")
    office = {"REMOTE_ADDR": "203.0.113.10"}
    assert (
        client.post(url, {"username": "victim@example.org", "password": "pass-word-123"}, **office).status_code == 302
    )
    client.post(reverse("accounts:logout"))
    # and: an attacker elsewhere makes many failed attempts
    for i in range(ACCOUNT_FREE_FAILURES + 5):
        _fail(client, url, "victim@example.org", REMOTE_ADDR=f"198.51.100.{i}")
    assert _blocked(_fail(client, url, "victim@example.org", REMOTE_ADDR="198.51.100.1"))
    # when: the owner logs in from the office
    response = client.post(url, {"username": "victim@example.org", "password": "pass-word-123"}, **office)
    # then: they get in
    assert response.status_code == 302


def test_the_account_backoff_doubles_and_ends(client):
    from accounts.services import login_guard

    # given: an account with free failures used up
    UserFactory(email="slow@example.org")
    url = reverse("accounts:login")
    for _ in range(login_guard.ACCOUNT_FREE_FAILURES):
        _fail(client, url, "slow@example.org")
    assert (
        login_guard.account_backoff_seconds(login_guard.ACCOUNT_FREE_FAILURES + 1)
        == 2 * login_guard.ACCOUNT_BACKOFF_START
    )
    assert login_guard.account_backoff_seconds(1000) == login_guard.ACCOUNT_BACKOFF_MAX
    wait = login_guard.login_wait_seconds(email="slow@example.org", client_ip="127.0.0.1")
    assert 0 < wait <= login_guard.ACCOUNT_BACKOFF_START
    # when: the backoff has passed
    _age_failures("slow@example.org", login_guard.ACCOUNT_BACKOFF_START + 1)
    # then: the right password works again (and a success forgets this address's failures)
    assert client.post(url, {"username": "slow@example.org", "password": "pass-word-123"}).status_code == 302


def test_even_a_known_address_cannot_guess_without_limit(client):
    from accounts.services.login_guard import PAIR_MAX_FAILURES

    UserFactory(email="typo@example.org")
    url = reverse("accounts:login")
    assert client.post(url, {"username": "typo@example.org", "password": "pass-word-123"}).status_code == 302
    client.post(reverse("accounts:logout"))
    for _ in range(PAIR_MAX_FAILURES):
        assert not _blocked(_fail(client, url, "typo@example.org"))
    assert _blocked(_fail(client, url, "typo@example.org"))


def test_one_address_spraying_many_accounts_is_stopped(client):
    from accounts.services.login_guard import ADDRESS_MAX_FAILURES

    UserFactory(email="target@example.org")
    url = reverse("accounts:login")
    for i in range(ADDRESS_MAX_FAILURES):
        _fail(client, url, f"spray{i}@example.org")
    response = client.post(url, {"username": "target@example.org", "password": "pass-word-123"})
    assert _blocked(response)
    # another client is not affected
    other = client.post(url, {"username": "target@example.org", "password": "pass-word-123"}, REMOTE_ADDR="10.9.8.7")
    assert other.status_code == 302


def test_the_admin_log_in_is_guarded_too(client, staff_user):
    from accounts.services.login_guard import ACCOUNT_FREE_FAILURES

    url = reverse("admin:login")
    for i in range(ACCOUNT_FREE_FAILURES):
        response = client.post(url, {"username": staff_user.email, "password": "wrong"}, REMOTE_ADDR=f"198.51.100.{i}")
        assert response.status_code == 200
    blocked = client.post(url, {"username": staff_user.email, "password": "pass-word-123"}, REMOTE_ADDR="198.51.100.50")
    assert blocked.status_code == 200
    assert _blocked(blocked)
    assert "_auth_user_id" not in client.session
