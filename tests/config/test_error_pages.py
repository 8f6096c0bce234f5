"""The platform's own 404, 403 and 500 pages, in the reader's language, with DEBUG off and on (`make run`)."""

from __future__ import annotations

import logging

import pytest

from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def crashing(client, settings):
    settings.ROOT_URLCONF = "tests.config.error_urls"
    client.raise_request_exception = False
    return client


@pytest.mark.parametrize("debug", [False, True])
def test_a_missing_page_is_the_platforms_404_in_chinese(client, settings, debug):
    # given the embedded platform (DEBUG on) or production (DEBUG off), in the default language
    settings.DEBUG = debug
    settings.LANGUAGE_CODE = "zh-hans"
    # when a visitor opens an address that does not exist
    response = client.get("/no-such-page/")
    html = response.content.decode()
    # then the platform's own page says so in Chinese, with the way on: search and the main sections
    assert response.status_code == 404
    assert '<html lang="zh-hans">' in html
    assert "找不到该页面" in html and 'action="/search/"' in html
    assert "Page not found at" not in html and "Using the URLconf" not in html  # not Django's debug page


@pytest.mark.parametrize("debug", [False, True])
def test_a_missing_object_is_the_platforms_404_in_english(client, settings, debug):
    settings.DEBUG = debug
    draft = ProductFactory(status="draft")
    response = client.get(f"/catalog/products/{draft.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 404
    assert "This page does not exist" in html and '<html lang="en">' in html
    assert "Raised by:" not in html


def test_an_address_without_its_slash_is_still_redirected_with_debug_on(client, settings):
    settings.DEBUG = True
    response = client.get("/catalog")
    assert response.status_code == 301 and response["Location"] == "/catalog/"


@pytest.mark.parametrize("debug", [False, True])
def test_a_crash_is_the_platforms_500_and_is_logged(crashing, settings, caplog, debug):
    settings.DEBUG = debug
    settings.LANGUAGE_CODE = "zh-hans"
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = crashing.get("/crash/")
    html = response.content.decode()
    assert response.status_code == 500
    assert "平台出现了内部错误" in html and '<html lang="zh-hans">' in html
    assert "Traceback" not in html
    # the traceback still reaches the log (the console under `make run`)
    assert any(record.exc_info and "a bug in a view" in str(record.exc_info[1]) for record in caplog.records)


def test_django_technical_pages_come_back_on_request(crashing, settings):
    settings.DEBUG = True
    settings.DEBUG_ERROR_PAGES = True
    assert b"Using the URLconf" in crashing.get("/no-such-page/").content
    assert b"a bug in a view" in crashing.get("/crash/").content


def test_a_forbidden_page_explains_itself_in_english(client, user):
    client.force_login(user)
    response = client.get("/accounts/verification-queue/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert "You may not open this page" in response.content.decode()


def test_the_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert 'rel="icon"' in client.get("/").content.decode()
