"""`POST /api/v1/auth/signup/`: the sign-up page's rules through the API."""

import pytest

from accounts.models import JoinRequest, Membership, Organization, User
from notifications.models import Notification
from tests.factories import InstitutionFactory, UserFactory, make_uscc, member_of

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/signup/"


def person(**overrides):
    data = {"email": "new@example.org", "password": "long-enough-pass-2026", "full_name": "新用户 New Person"}
    data.update(overrides)
    return data


NEW_ORGANIZATION = {
    "kind": "manufacturer",
    "name_zh": "新仪器公司",
    "name_en": "New Instruments",
    "credit_code": make_uscc(7001),
    "province": "110000",
}


def test_signup_with_a_new_organization_waits_for_verification_and_makes_the_person_its_admin(api_client):
    response = api_client.post(URL, person(organization=NEW_ORGANIZATION), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    user = User.objects.get(email="new@example.org")
    organization = Organization.objects.get(name_zh="新仪器公司")
    assert not organization.is_verified
    assert Membership.objects.get(user=user, organization=organization).role == Membership.Role.ADMIN
    assert body["organization"]["id"] == organization.pk and body["organization"]["is_verified"] is False
    assert body["role"] == "admin" and body["join_request"] is None
    # the token it answers with is the new person's
    me = api_client.get("/api/v1/me/", headers={"Authorization": f"Token {body['token']}"})
    assert me.json()["email"] == "new@example.org"


def test_signup_asking_to_join_creates_a_join_request_for_its_admins(api_client):
    institution = InstitutionFactory()
    admin = member_of(institution, role=Membership.Role.ADMIN)
    join = {"organization": institution.pk, "message": "我是新来的研究员"}
    response = api_client.post(URL, person(join=join), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    user = User.objects.get(email="new@example.org")
    assert JoinRequest.objects.get(user=user).organization == institution
    assert not Membership.objects.filter(user=user).exists()
    assert body["role"] is None and body["join_request"]["status"] == "pending"
    assert Notification.objects.filter(user=admin).exists()


def test_signup_cannot_join_an_unverified_organization(api_client):
    pending = InstitutionFactory(is_verified=False)
    response = api_client.post(URL, person(join={"organization": pending.pk}), format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]["join"]) == {"organization"}
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        (person(), {"organization"}),  # neither a new organization nor one to join
        (person(email="not-an-email", organization=NEW_ORGANIZATION), {"email"}),
        (person(password="123", organization=NEW_ORGANIZATION), {"password"}),
        # every problem at once: the person's and the new organization's (nested under its name)
        (person(password="123", organization={**NEW_ORGANIZATION, "province": "999999"}), {"password", "organization"}),
    ],
)
def test_signup_bad_input_is_a_400_naming_each_field(api_client, payload, fields):
    response = api_client.post(URL, payload, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == fields, response.json()
    assert not User.objects.exists()


def test_signup_with_both_a_new_organization_and_one_to_join_is_a_400(api_client):
    join = {"organization": InstitutionFactory().pk}
    response = api_client.post(URL, person(organization=NEW_ORGANIZATION, join=join), format="json")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["organization"]
    assert not User.objects.exists()


def test_signup_organization_errors_nest_under_organization(api_client):
    response = api_client.post(URL, person(organization={**NEW_ORGANIZATION, "province": "999999"}), format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"organization": {"province": ["Unknown province code “999999”."]}}


def test_signup_with_a_taken_email_is_a_field_error(api_client):
    UserFactory(email="new@example.org")
    response = api_client.post(URL, person(email="NEW@example.org", organization=NEW_ORGANIZATION), format="json")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["email"]
    assert not Organization.objects.filter(name_zh="新仪器公司").exists()


def test_signup_is_documented_as_public(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/auth/signup/"]["post"]
    assert {} in operation["security"]
    assert {"201", "400", "415", "429"} <= set(operation["responses"])
