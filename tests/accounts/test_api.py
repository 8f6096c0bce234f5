import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from accounts.models import JoinRequest, Membership, Organization
from notifications.models import Notification
from tests.factories import InstitutionFactory, ManufacturerFactory, UserFactory, make_uscc, member_of

pytestmark = pytest.mark.django_db

ORGS = "/api/v1/organizations/"


def org_url(org, suffix=""):
    return f"{ORGS}{org.pk}/{suffix}"


@pytest.fixture
def unverified():
    return InstitutionFactory(is_verified=False, verified_at=None)


@pytest.fixture
def org_admin(institution):
    return member_of(institution, role=Membership.Role.ADMIN)


# --- token ----------------------------------------------------------------------------------------------


def test_token_with_email_or_username_and_good_password(api_client):
    user = UserFactory(email="tok@example.org")
    for field in ("email", "username"):
        response = api_client.post("/api/v1/auth/token/", {field: "TOK@example.org", "password": "pass-word-123"})
        assert response.status_code == 200, response.json()
        assert response.json()["token"] == Token.objects.get(user=user).key
    # the token authenticates
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert api_client.get("/api/v1/me/").json()["email"] == "tok@example.org"


def test_token_with_bad_password_is_a_400_in_the_error_shape(api_client, user):
    response = api_client.post("/api/v1/auth/token/", {"email": user.email, "password": "wrong"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["detail"]
    assert body["fields"]["non_field_errors"] == ["Unable to log in with the email address and password given."]


def test_token_without_login_names_the_email_field(api_client):
    response = api_client.post("/api/v1/auth/token/", {"password": "x"})
    assert response.status_code == 400
    assert "email" in response.json()["fields"]


def test_bad_token_is_a_401(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token nope")
    response = api_client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


# --- organizations: reading -------------------------------------------------------------------------------


def test_anonymous_reads_verified_organizations_only(api_client, institution, unverified):
    response = api_client.get(ORGS)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    ids = {row["id"] for row in body["results"]}
    assert institution.pk in ids and unverified.pk not in ids
    assert api_client.get(org_url(unverified)).status_code == 404


def test_members_also_see_their_own_unverified_organization(api_client, unverified):
    api_client.force_authenticate(member_of(unverified))
    ids = {row["id"] for row in api_client.get(ORGS).json()["results"]}
    assert unverified.pk in ids
    assert api_client.get(org_url(unverified)).json()["is_verified"] is False


def test_staff_see_unverified_organizations(api_client, staff_user, unverified):
    api_client.force_authenticate(staff_user)
    response = api_client.get(ORGS, {"is_verified": "false"})
    assert [row["id"] for row in response.json()["results"]] == [unverified.pk]


def test_organization_list_filters_and_has_no_n_plus_one(api_client, django_assert_max_num_queries):
    for _ in range(5):
        ManufacturerFactory()
    InstitutionFactory(name_zh="上海光学所", name_en="Shanghai Optics Institute")
    with django_assert_max_num_queries(3):
        response = api_client.get(ORGS, {"kind": "manufacturer"})
    assert response.json()["count"] == 5
    assert all(row["kind"] == "manufacturer" for row in response.json()["results"])
    row = api_client.get(ORGS, {"q": "optics"}).json()["results"][0]
    assert row["name_en"] == "Shanghai Optics Institute"
    assert (row["country"], row["province"], row["province_name"]) == ("CN", "110000", "Beijing")


# --- organizations: creating --------------------------------------------------------------------------------


def test_authenticated_person_registers_an_organization_and_becomes_its_admin(api_client, user):
    api_client.force_authenticate(user)
    payload = {
        "kind": "manufacturer",
        "name_zh": "新公司",
        "credit_code": make_uscc(8080),
        "country": "CN",
        "province": "440000",
    }
    response = api_client.post(ORGS, payload)
    assert response.status_code == 201, response.json()
    org = Organization.objects.get(pk=response.json()["id"])
    assert org.is_verified is False
    assert Membership.objects.get(user=user, organization=org).role == Membership.Role.ADMIN


def test_anonymous_cannot_register_an_organization(api_client):
    response = api_client.post(ORGS, {"kind": "manufacturer", "name_zh": "x"})
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"credit_code": "91350100M000100Y44"}, "credit_code"),
        ({"province": "999999"}, "province"),
        ({"country": "US"}, "province"),
        ({"kind": "bank"}, "kind"),
        ({"name_zh": "DUPLICATE"}, "name_zh"),
    ],
)
def test_organization_create_bad_input_is_a_field_error(api_client, user, institution, overrides, field):
    api_client.force_authenticate(user)
    payload = {"kind": "manufacturer", "name_zh": "新公司", "credit_code": make_uscc(8081), "province": "440000"}
    payload.update(overrides)
    if payload["name_zh"] == "DUPLICATE":
        payload["name_zh"] = institution.name_zh
    response = api_client.post(ORGS, payload)
    assert response.status_code == 400
    assert field in response.json()["fields"], response.json()


# --- organizations: updating (permissions) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 401), ("member", 403), ("other_admin", 403), ("staff", 403), ("org_admin", 200)],
)
def test_only_the_organizations_admins_may_update_it(api_client, institution, staff_user, who, expected):
    people = {
        "member": member_of(institution),
        "other_admin": member_of(InstitutionFactory(), role=Membership.Role.ADMIN),
        "staff": staff_user,
        "org_admin": member_of(institution, role=Membership.Role.ADMIN),
    }
    if who != "anonymous":
        api_client.force_authenticate(people[who])
    response = api_client.patch(org_url(institution), {"website": "https://lab.example.org"})
    assert response.status_code == expected, response.json()
    institution.refresh_from_db()
    assert (institution.website == "https://lab.example.org") == (expected == 200)
    if expected != 200:
        assert set(response.json()) == {"code", "detail"}


def test_org_admin_update_with_a_duplicate_name_is_a_field_error(api_client, institution, org_admin):
    other = InstitutionFactory()
    api_client.force_authenticate(org_admin)
    response = api_client.patch(org_url(institution), {"name_en": other.name_en.upper()})
    assert response.status_code == 400
    assert "name_en" in response.json()["fields"]


def test_updating_an_invisible_organization_is_a_404(api_client, user, unverified):
    api_client.force_authenticate(user)
    response = api_client.patch(org_url(unverified), {"website": "https://x.example.org"})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- verification -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "expected"), [("anonymous", 401), ("org_admin", 403), ("staff", 200)])
def test_only_staff_verify_through_the_api(api_client, staff_user, unverified, who, expected):
    admin = member_of(unverified, role=Membership.Role.ADMIN)
    if who == "staff":
        api_client.force_authenticate(staff_user)
    elif who == "org_admin":
        api_client.force_authenticate(admin)
    response = api_client.post(org_url(unverified, "verify/"))
    assert response.status_code == expected
    unverified.refresh_from_db()
    assert unverified.is_verified == (expected == 200)
    notified = Notification.objects.filter(user=admin, kind="organization_verified").exists()
    assert notified == (expected == 200)
    if expected == 200:
        assert unverified.verified_by == staff_user
        assert response.json()["is_verified"] is True


# --- members --------------------------------------------------------------------------------------------


def test_members_read_the_member_list_and_outsiders_do_not(api_client, institution, org_admin):
    member = member_of(institution)
    api_client.force_authenticate(member)
    response = api_client.get(org_url(institution, "members/"))
    assert response.status_code == 200
    emails = [row["user"]["email"] for row in response.json()["results"]]
    assert emails[0] == org_admin.email and member.email in emails
    api_client.force_authenticate(member_of(InstitutionFactory(), role=Membership.Role.ADMIN))
    assert api_client.get(org_url(institution, "members/")).status_code == 403


def test_org_admin_adds_changes_and_removes_members(api_client, institution, org_admin):
    newcomer = UserFactory()
    api_client.force_authenticate(org_admin)
    created = api_client.post(org_url(institution, "members/"), {"email": newcomer.email})
    assert created.status_code == 201, created.json()
    membership_id = created.json()["id"]
    changed = api_client.patch(org_url(institution, f"members/{membership_id}/"), {"role": "admin"})
    assert changed.status_code == 200 and changed.json()["role"] == "admin"
    assert api_client.delete(org_url(institution, f"members/{membership_id}/")).status_code == 204
    assert not Membership.objects.filter(pk=membership_id).exists()


def test_plain_member_cannot_change_members(api_client, institution, org_admin):
    member = member_of(institution)
    target = Membership.objects.get(user=org_admin)
    api_client.force_authenticate(member)
    assert api_client.post(org_url(institution, "members/"), {"email": UserFactory().email}).status_code == 403
    assert api_client.patch(org_url(institution, f"members/{target.pk}/"), {"role": "member"}).status_code == 403
    assert api_client.delete(org_url(institution, f"members/{target.pk}/")).status_code == 403


def test_removing_the_last_admin_is_a_400(api_client, institution, org_admin):
    own = Membership.objects.get(user=org_admin)
    api_client.force_authenticate(org_admin)
    response = api_client.delete(org_url(institution, f"members/{own.pk}/"))
    assert response.status_code == 400
    assert "administrator" in response.json()["detail"]
    response = api_client.patch(org_url(institution, f"members/{own.pk}/"), {"role": "member"})
    assert response.status_code == 400 and "role" in response.json()["fields"]


def test_adding_an_unknown_or_bad_email_is_a_field_error(api_client, institution, org_admin):
    api_client.force_authenticate(org_admin)
    for email in ("nobody@example.org", "not-an-email"):
        response = api_client.post(org_url(institution, "members/"), {"email": email})
        assert response.status_code == 400 and "email" in response.json()["fields"]


# --- join requests --------------------------------------------------------------------------------------


def test_join_request_through_the_api_is_decided_by_an_org_admin(api_client, institution, org_admin, user):
    api_client.force_authenticate(user)
    response = api_client.post(org_url(institution, "join/"), {"message": "hello"})
    assert response.status_code == 201
    request_id = response.json()["id"]
    assert api_client.get(org_url(institution, "join-requests/")).status_code == 403
    api_client.force_authenticate(org_admin)
    listed = api_client.get(org_url(institution, "join-requests/")).json()["results"]
    assert [row["id"] for row in listed] == [request_id]
    decided = api_client.post(org_url(institution, f"join-requests/{request_id}/decide/"), {"approve": True})
    assert decided.status_code == 200 and decided.json()["status"] == JoinRequest.Status.APPROVED
    assert Membership.objects.filter(user=user, organization=institution).exists()


# --- me ------------------------------------------------------------------------------------------------


def test_me_shows_profile_and_organizations_and_patch_updates_it(api_client, institution, org_admin):
    api_client.force_authenticate(org_admin)
    body = api_client.get("/api/v1/me/").json()
    assert body["email"] == org_admin.email
    assert body["memberships"][0]["role"] == "admin"
    assert body["memberships"][0]["organization"]["id"] == institution.pk
    response = api_client.patch("/api/v1/me/", {"email_notifications": False, "preferred_language": "en"})
    assert response.status_code == 200
    assert (response.json()["email_notifications"], response.json()["preferred_language"]) == (False, "en")
    bad = api_client.patch("/api/v1/me/", {"preferred_language": "xx"})
    assert bad.status_code == 400 and "preferred_language" in bad.json()["fields"]


def test_me_needs_authentication(api_client):
    assert api_client.get("/api/v1/me/").status_code == 401


def test_schema_documents_the_accounts_endpoints(api_client):
    response = api_client.get(reverse("schema"), {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/auth/token/",
        "/api/v1/me/",
        "/api/v1/organizations/",
        "/api/v1/organizations/{id}/verify/",
        "/api/v1/organizations/{organization_pk}/members/",
    ):
        assert path in paths


def test_a_member_id_of_another_organization_is_a_404(api_client, institution, org_admin):
    other_org = InstitutionFactory()
    target = Membership.objects.get(user=member_of(other_org))
    api_client.force_authenticate(org_admin)
    # the admin of one organization cannot touch another's members, even by guessing the id
    response = api_client.delete(f"{ORGS}{institution.pk}/members/{target.pk}/")
    assert response.status_code == 404


def test_organizations_are_changed_with_patch_not_put(api_client, institution, org_admin):
    api_client.force_authenticate(org_admin)
    response = api_client.put(org_url(institution), {"website": "https://x.example.org"})
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_join_request_edge_cases_are_clear_errors(api_client, institution, org_admin, unverified):
    member = member_of(institution)
    api_client.force_authenticate(member)
    already = api_client.post(org_url(institution, "join/"))
    assert already.status_code == 400 and "organization" in already.json()["fields"]
    api_client.force_authenticate(member_of(unverified))
    assert api_client.post(org_url(unverified, "join/")).status_code == 400  # unverified: no join requests

    outsider = UserFactory()
    api_client.force_authenticate(outsider)
    request_id = api_client.post(org_url(institution, "join/")).json()["id"]
    api_client.force_authenticate(org_admin)
    url = org_url(institution, f"join-requests/{request_id}/decide/")
    assert api_client.post(url, {"approve": "maybe"}).status_code == 400
    assert api_client.post(url, {"approve": False}).json()["status"] == JoinRequest.Status.REJECTED
    assert api_client.post(url, {"approve": True}).status_code == 404  # no longer pending
    assert not Membership.objects.filter(user=outsider, organization=institution).exists()


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("patch", "members/abc/"), ("delete", "members/abc/"), ("post", "join-requests/abc/decide/")],
)
def test_a_member_or_join_request_id_that_is_not_a_number_is_a_json_404(
    api_client, institution, org_admin, method, suffix
):
    # given: the organization's admin
    api_client.force_authenticate(org_admin)
    # when: an id that is not a number is addressed
    response = getattr(api_client, method)(org_url(institution, suffix), {"role": "member", "approve": True})
    # then: not found, in the API's error shape
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- the log-in guard on the token endpoint ----------------------------------------------------------------------


@pytest.mark.parametrize("proxies", [0, 1])
def test_rotating_x_forwarded_for_does_not_evade_the_token_guard(api_client, settings, user, proxies):
    from accounts.services.login_guard import ACCOUNT_FREE_FAILURES

    # given: the platform directly reachable (0) or behind one proxy (1), and a guesser rotating X-Forwarded-For
    settings.TRUSTED_PROXY_COUNT = proxies
    statuses = []
    for i in range(ACCOUNT_FREE_FAILURES + 3):
        forwarded = f"192.0.2.{i}, 203.0.113.5" if proxies else f"192.0.2.{i}"
        response = api_client.post(
            "/api/v1/auth/token/", {"email": user.email, "password": f"guess-{i}"}, HTTP_X_FORWARDED_FOR=forwarded
        )
        statuses.append(response.status_code)
    # when: the right password is sent
    right = api_client.post("/api/v1/auth/token/", {"email": user.email, "password": "pass-word-123"})
    # then: the guesses were cut off with 429 and a Retry-After, and the right password waits too
    assert statuses[:ACCOUNT_FREE_FAILURES] == [400] * ACCOUNT_FREE_FAILURES
    assert set(statuses[ACCOUNT_FREE_FAILURES:]) == {429}
    assert right.status_code == 429
    assert int(right["Retry-After"]) > 0
    assert right.json()["code"] == "throttled"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "192.0.2.1", "127.0.0.1"),
        (1, "192.0.2.1, 203.0.113.5", "203.0.113.5"),
        (2, "192.0.2.1, 203.0.113.5", "192.0.2.1"),
        (2, "198.51.100.9, 192.0.2.1, 203.0.113.5", "192.0.2.1"),
    ],
)
def test_throttles_and_the_guard_key_on_the_same_client_address(rf, settings, proxies, forwarded, expected):
    from rest_framework.request import Request

    from config.api.throttling import AnonRateThrottle
    from config.clients import client_address

    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="127.0.0.1")
    assert client_address(request) == expected
    assert AnonRateThrottle().get_ident(Request(request)) == expected
