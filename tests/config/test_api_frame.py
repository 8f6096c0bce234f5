import pytest
from django.conf import settings
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle

from accounts.models import Membership
from tests.factories import InstitutionFactory, member_of

pytestmark = pytest.mark.django_db


# --- one error shape --------------------------------------------------------------------------------------


def test_400_has_code_detail_and_fields(api_client, user):
    api_client.force_authenticate(user)
    response = api_client.post("/api/v1/organizations/", {"kind": "bank"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["detail"] == "Invalid input."
    assert set(body["fields"]) == {"kind", "name_zh"}
    assert all(isinstance(messages, list) and messages for messages in body["fields"].values())


def test_400_from_a_business_rule_names_the_field(api_client, institution):
    admin = member_of(institution, role=Membership.Role.ADMIN)
    api_client.force_authenticate(admin)
    response = api_client.patch(f"/api/v1/organizations/{institution.pk}/", {"kind": "manufacturer"})
    # `kind` is not an editable field: ignored by the serializer, so nothing changes
    assert response.status_code == 200
    response = api_client.patch(f"/api/v1/organizations/{institution.pk}/", {"province": "000000"})
    assert response.status_code == 400
    assert response.json()["fields"] == {"province": ["Unknown province code “000000”."]}


def test_401_shape(api_client):
    response = api_client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json() == {"code": "not_authenticated", "detail": "Authentication credentials were not provided."}
    assert response["WWW-Authenticate"] == "Token"


def test_403_shape(api_client, user):
    org = InstitutionFactory()
    api_client.force_authenticate(user)
    response = api_client.patch(f"/api/v1/organizations/{org.pk}/", {"website": "https://x.example.org"})
    assert response.status_code == 403
    assert response.json() == {
        "code": "permission_denied",
        "detail": "You do not have permission to perform this action.",
    }


def test_404_shape(api_client):
    response = api_client.get("/api/v1/organizations/999999/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Not found."}


def test_malformed_json_is_a_400_not_a_500(api_client, user):
    api_client.force_authenticate(user)
    response = api_client.post("/api/v1/organizations/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


# --- pagination -----------------------------------------------------------------------------------------


def test_page_number_pagination_with_page_size(api_client):
    for _ in range(3):
        InstitutionFactory()
    body = api_client.get("/api/v1/organizations/", {"page_size": 2}).json()
    assert body["count"] == 3 and len(body["results"]) == 2
    assert "page=2" in body["next"] and body["previous"] is None
    assert api_client.get("/api/v1/organizations/", {"page": 9}).status_code == 404


# --- throttling -------------------------------------------------------------------------------------------


def test_throttling_for_anonymous_and_authenticated_clients_is_configured():
    rest: dict = settings.REST_FRAMEWORK
    assert "config.api.throttling.AnonRateThrottle" in rest["DEFAULT_THROTTLE_CLASSES"]
    assert "config.api.throttling.UserRateThrottle" in rest["DEFAULT_THROTTLE_CLASSES"]
    assert {"anon", "user", "token"} <= set(rest["DEFAULT_THROTTLE_RATES"])


@pytest.fixture
def _fresh_throttle_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.mark.usefixtures("_fresh_throttle_cache")
def test_anonymous_clients_are_throttled(api_client, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/min", "user": "100/min"})
    statuses = [api_client.get("/api/v1/organizations/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    body = api_client.get("/api/v1/organizations/").json()
    assert body["code"] == "throttled"


@pytest.mark.usefixtures("_fresh_throttle_cache")
def test_authenticated_clients_are_throttled(api_client, user, monkeypatch):
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"anon": "100/min", "user": "2/min"})
    api_client.force_authenticate(user)
    statuses = [api_client.get("/api/v1/me/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


@pytest.mark.usefixtures("_fresh_throttle_cache")
def test_token_endpoint_has_its_own_stricter_throttle(api_client, user, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"token": "2/min"})
    statuses = [
        api_client.post("/api/v1/auth/token/", {"email": user.email, "password": "wrong"}).status_code for _ in range(3)
    ]
    assert statuses == [400, 400, 429]


# --- OpenAPI and Swagger UI -------------------------------------------------------------------------------


def test_swagger_ui_serves_its_assets_locally(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn.jsdelivr.net" not in html and "unpkg.com" not in html
    asset = client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert asset.status_code == 200


def test_openapi_schema_is_served(api_client):
    response = api_client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Instrument Supply-Demand Matching API"
    assert "tokenAuth" in schema["components"]["securitySchemes"]
    # the one error shape is a documented component that error responses refer to
    assert set(schema["components"]["schemas"]["Error"]["properties"]) == {"code", "detail", "fields"}
    forbidden = schema["paths"]["/api/v1/organizations/{id}/"]["patch"]["responses"]["403"]
    assert forbidden["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/Error"


def test_a_service_refusal_keeps_its_reason():
    from django.core.exceptions import PermissionDenied

    from config.api.errors import exception_handler

    response = exception_handler(PermissionDenied("Only platform staff can verify organizations."), {})
    assert response is not None
    assert response.status_code == 403
    assert response.data == {"code": "permission_denied", "detail": "Only platform staff can verify organizations."}


def test_a_django_validation_error_becomes_field_errors():
    from django.core.exceptions import ValidationError

    from config.api.errors import exception_handler

    response = exception_handler(ValidationError({"name_zh": ["taken"], "__all__": ["no"]}), {})
    assert response is not None
    assert response.status_code == 400
    assert response.data["fields"] == {"name_zh": ["taken"], "non_field_errors": ["no"]}


def test_openapi_schema_describes_nulls_blanks_and_unpaginated_lists_as_served(api_client):
    schemas = api_client.get("/api/schema/", {"format": "json"}).json()
    components, paths = schemas["components"]["schemas"], schemas["paths"]
    # a top-level category has no parent; contacts are hidden from most readers; a website may be blank
    assert components["Category"]["properties"]["parent"].get("nullable") is True
    for name in ("contact_name", "contact_phone", "contact_email"):
        assert components["DemandOut"]["properties"][name].get("nullable") is True
    assert "format" not in components["Organization"]["properties"]["website"]
    assert "format" not in components["DemandOut"]["properties"]["contact_email"]  # blank when none was given
    # an import's 400 is a per-row report or, for a bad request, the one error shape
    for path in ("/api/v1/products/import/", "/api/v1/shared-instruments/import/"):
        bad = paths[path]["post"]["responses"]["400"]["content"]["application/json"]["schema"]
        assert len(components[bad["$ref"].rsplit("/", 1)[1]]["oneOf"]) == 2, path
    # these two actions return plain lists, not pages
    for path in ("/api/v1/categories/tree/", "/api/v1/products/{id}/alternatives/"):
        body = paths[path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert body["type"] == "array", path


def test_openapi_schema_describes_a_product_patch_answer_as_a_product(api_client):
    paths = api_client.get("/api/schema/", {"format": "json"}).json()["paths"]
    for method in ("put", "patch"):
        answer = paths["/api/v1/products/{id}/"][method]["responses"]["200"]["content"]["application/json"]["schema"]
        assert answer["$ref"] == "#/components/schemas/Product", method
