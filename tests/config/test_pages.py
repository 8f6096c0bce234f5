import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_anonymous_navigation_offers_log_in_and_sign_up(client):
    html = client.get("/").content.decode()
    assert reverse("accounts:login") in html and reverse("accounts:signup") in html
    assert reverse("accounts:verification-queue") not in html
    assert 'action="/i18n/setlang/"' in html  # the language switcher is on every page


def test_staff_navigation_links_the_verification_queue(client, staff_user):
    client.force_login(staff_user)
    html = client.get("/").content.decode()
    assert reverse("accounts:verification-queue") in html
    assert reverse("accounts:logout") in html and reverse("accounts:profile") in html


def test_flash_messages_are_shown_once(client, user):
    client.force_login(user)
    response = client.post(
        reverse("accounts:profile"), {"full_name": "Ms. Flash", "preferred_language": "en"}, follow=True
    )
    assert 'class="alert alert-success' in response.content.decode()
    assert "Your profile is saved." in response.content.decode()
    assert "Your profile is saved." not in client.get("/").content.decode()


def test_pages_use_only_local_assets(client):
    html = client.get("/").content.decode()
    assert "/static/vendor/bootstrap/bootstrap.min.css" in html
    assert "/static/vendor/htmx/htmx.min.js" in html
    assert "cdn." not in html and "googleapis" not in html


def test_admin_log_in_with_email(client, staff_user):
    response = client.post(
        "/admin/login/?next=/admin/", {"username": staff_user.email.upper(), "password": "pass-word-123"}
    )
    assert response.status_code == 302 and response.url == "/admin/"
    assert client.get("/admin/").status_code == 200
