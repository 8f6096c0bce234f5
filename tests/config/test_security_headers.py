"""Content-Security-Policy on every response, pages without inline script, cookies and gunicorn recycling."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


@pytest.mark.parametrize(
    "path", ["/", "/catalog/", "/demands/", "/accounts/login/", "/accounts/signup/", "/admin/login/", "/api/docs/"]
)
def test_pages_carry_the_policy_and_run_no_inline_script(client, path):
    response = client.get(path)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    html = response.content.decode()
    assert INLINE_SCRIPT.findall(html) == []
    assert INLINE_HANDLER.findall(html) == []


def test_the_swagger_ui_start_up_script_is_a_file_of_its_own(client):
    page = client.get("/api/docs/").content.decode()
    script_url = re.search(r'<script src="(/api/docs/\?[^"]*script[^"]*)"', page)
    assert script_url, "the Swagger UI page should load its start-up script from a URL"
    script = client.get(script_url.group(1).replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_api_responses_carry_the_policy_too(client):
    assert "default-src 'self'" in client.get("/api/v1/categories/")["Content-Security-Policy"]


def test_the_language_cookie_is_same_site_http_only_and_secure_in_production(client, settings):
    # given: production cookie settings
    settings.LANGUAGE_COOKIE_SECURE = True
    # when: someone switches the language
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    # then
    assert cookie.value == "en"
    assert cookie["samesite"] == "Lax" and cookie["httponly"] and cookie["secure"]


def test_production_settings_make_the_language_cookie_secure():
    import os
    import subprocess
    import sys

    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update({"DJANGO_DEBUG": "False", "DJANGO_SECRET_KEY": "x" * 60, "DJANGO_ALLOWED_HOSTS": "example.org"})
    code = (
        "from django.conf import settings as s; print('COOKIE', s.LANGUAGE_COOKIE_SECURE, s.LANGUAGE_COOKIE_SAMESITE)"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "COOKIE True Lax" in result.stdout, result.stdout + result.stderr


def test_gunicorn_recycles_workers_with_jitter():
    config = runpy.run_path(str(Path(settings.BASE_DIR) / "platform" / "gunicorn.conf.py"))
    # Workers restart after a while so leaks stay bounded, but not all at once: the jitter spreads them out.
    assert config["max_requests"] > 0
    assert 0 < config["max_requests_jitter"] <= config["max_requests"]
