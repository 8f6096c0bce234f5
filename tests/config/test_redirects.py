"""Every `next` the platform follows stays on the platform."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse

from config.redirects import safe_next_url

OFF_SITE = ["//evil.example", "/\\evil.example", "\\\\evil.example", "https://evil.example/", "http:/evil.example"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_safe_next_url_refuses_other_hosts(target):
    request = RequestFactory().post("/", {"next": target})
    assert safe_next_url(request, fallback="/home/") == "/home/"


@pytest.mark.parametrize("target", ["/demands/?page=2", "/matching/notifications/", "http://testserver/catalog/"])
def test_safe_next_url_follows_addresses_on_this_site(target):
    request = RequestFactory().post("/", {"next": target})
    assert safe_next_url(request, fallback="/home/") == target


@pytest.mark.parametrize("target", OFF_SITE)
def test_marking_notifications_read_never_redirects_off_site(client, user, target):
    client.force_login(user)
    response = client.post(reverse("notifications:list"), {"next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("notifications:list")


def test_marking_notifications_read_returns_to_the_page_it_came_from(client, user):
    client.force_login(user)
    response = client.post(reverse("notifications:list"), {"next": "/demands/?page=2"})
    assert response["Location"] == "/demands/?page=2"


@pytest.mark.parametrize("target", OFF_SITE)
def test_log_in_never_redirects_off_site(client, user, target):
    response = client.post(
        reverse("accounts:login") + "?next=" + target, {"username": user.email, "password": "pass-word-123"}
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_switching_language_never_redirects_off_site(client, target):
    response = client.post(reverse("set_language"), {"language": "en", "next": target})
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]
