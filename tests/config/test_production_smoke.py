"""The production web role, end to end: what `docker compose up` runs, on this machine's PostgreSQL and a Redis of
the test's own. migrate, collectstatic and `check --deploy` with production settings, then gunicorn (with
platform/gunicorn.conf.py) and a Celery worker, walked like a visitor and an API client would.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2
import pytest
from celery import Celery
from django.conf import settings

from tests.servers import free_port, redis_server, wait_for_port

BASE_DIR = Path(settings.BASE_DIR)
PASSWORD = "smoke-pass-2026"

SETUP = f"""
PASSWORD = {PASSWORD!r}
from django.core.files.uploadedfile import SimpleUploadedFile
from accounts.models import Membership, Organization, User
from catalog import services
from catalog.models import Category
user = User.objects.create_user(email="maker@smoke.example", password=PASSWORD)
maker = Organization.objects.create(
    kind="manufacturer", name_zh="烟测仪器", name_en="Smoke Instruments", country="CN", is_verified=True
)
Membership.objects.create(user=user, organization=maker, role="admin")
category = Category.objects.filter(parent__isnull=False).order_by("code").first()
product = services.product_create(
    user=user, manufacturer=maker, category=category, model_number="SM-1", name_zh="烟测色谱仪", name_en="Smoke LC"
)
services.product_publish(product=product, user=user)
pdf = b"%PDF-1.4\\n1 0 obj<<>>endobj\\ntrailer<<>>\\n%%EOF\\n"
document = services.product_document_add(
    product=product, user=user, file=SimpleUploadedFile("brochure.pdf", pdf), kind="brochure"
)
print("SMOKE", product.pk, document.file.url)
"""


@dataclass
class Platform:
    port: int
    database_url: str
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    product_id: int = 0
    document_url: str = ""

    def request(self, method: str, path: str, body: dict | None = None, headers: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        # As the TLS proxy in front would send it.
        all_headers = {"Host": "localhost", "X-Forwarded-Proto": "https", **(headers or {})}
        payload = None
        if body is not None:
            payload = json.dumps(body)
            all_headers["Content-Type"] = "application/json"
        connection.request(method, path, body=payload, headers=all_headers)
        response = connection.getresponse()
        content = response.read()
        connection.close()
        return response, content


def _run(args: list[str], env: dict[str, str], timeout: int = 300) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def _admin_connection():
    database = settings.DATABASES["default"]
    connection = psycopg2.connect(
        dbname="postgres",
        user=database["USER"],
        host=database["HOST"] or "localhost",
        port=database["PORT"] or 5432,
        password=database.get("PASSWORD") or None,
    )
    connection.autocommit = True
    return connection


@pytest.fixture(scope="module")
def platform(tmp_path_factory) -> Iterator[Platform]:
    database = settings.DATABASES["default"]
    # A database of its own, named after the test database, so parallel checkouts never share one.
    name = f"{database['NAME']}_smoke"
    admin = _admin_connection()
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    user = database["USER"]
    auth = f"{user}:{database['PASSWORD']}" if database.get("PASSWORD") else user
    database_url = f"postgres://{auth}@{database['HOST'] or 'localhost'}:{database['PORT'] or 5432}/{name}"
    tmp = tmp_path_factory.mktemp("production")
    port = free_port(range(8301, 8310))
    platform = Platform(port=port, database_url=database_url)
    with redis_server() as redis:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "DATABASE_", "API_THROTTLE_", "CELERY_", "REDIS_", "CACHE_"))
        }
        env.update(
            {
                "DJANGO_DEBUG": "False",
                "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
                "DJANGO_ALLOWED_HOSTS": "localhost",
                "DATABASE_URL": database_url,
                "REDIS_URL": redis.url,
                "DJANGO_STATIC_ROOT": str(tmp / "static"),
                "DJANGO_MEDIA_ROOT": str(tmp / "media"),
                "GUNICORN_BIND": f"127.0.0.1:{port}",
                "WEB_CONCURRENCY": "2",
                "LOG_LEVEL": "WARNING",
            }
        )
        python = sys.executable
        try:
            _run([python, "manage.py", "migrate", "--noinput", "-v", "0"], env)
            _run([python, "manage.py", "collectstatic", "--noinput", "-v", "0"], env)
            check = _run([python, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
            assert "no issues" in check.stdout
            setup = _run([python, "manage.py", "shell", "-c", SETUP], env)
            found = re.search(r"SMOKE (\d+) (\S+)", setup.stdout)
            assert found, setup.stdout + setup.stderr
            product_id, document_url = found.groups()
            platform.product_id, platform.document_url = int(product_id), document_url
            bin_dir = Path(python).parent
            platform.processes.append(
                subprocess.Popen(
                    [str(bin_dir / "gunicorn"), "--config", "platform/gunicorn.conf.py", "config.wsgi:application"],
                    cwd=BASE_DIR,
                    env=env,
                )
            )
            platform.processes.append(
                subprocess.Popen(
                    [str(bin_dir / "celery"), "-A", "config", "worker", "--pool", "solo", "--loglevel", "WARNING"],
                    cwd=BASE_DIR,
                    env=env,
                )
            )
            assert wait_for_port(port, seconds=60), "gunicorn did not listen within 60 s"
            _warm_up(platform)
            _wait_for_worker(redis.url)
            yield platform
        finally:
            for process in platform.processes:
                process.terminate()
            for process in platform.processes:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            with admin.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()


def _warm_up(platform: Platform, seconds: float = 180) -> None:
    """Wait until every gunicorn worker has loaded the project (the first requests import it), so that the
    tests' 30 s request timeout measures the platform, not a busy machine's start-up."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            response, _ = platform.request("GET", "/healthz")
            if response.status == 200:
                return
        except OSError:
            time.sleep(1)
    raise AssertionError(f"/healthz did not answer 200 within {seconds:.0f} s")


def _wait_for_worker(broker_url: str, seconds: float = 180) -> None:
    """Wait until the Celery worker answers a ping: on a busy machine it may still be importing the project when
    gunicorn already answers, and a test's 30 s for the worker to act would then measure its start-up."""
    probe = Celery(broker=broker_url)
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if probe.control.ping(timeout=1.0):
                return
        raise AssertionError(f"the Celery worker did not answer a ping within {seconds:.0f} s")
    finally:
        probe.close()


def _pending_index_rows(platform: Platform) -> int:
    connection = psycopg2.connect(platform.database_url)
    try:
        with connection.cursor() as cursor:
            # Changes the search consumer of the change outbox has not taken yet.
            cursor.execute("SELECT count(*) FROM changes_changedelivery WHERE consumer = 'search' AND done_at IS NULL")
            return cursor.fetchone()[0]
    finally:
        connection.close()


def test_home_page_and_its_static_files(platform):
    response, body = platform.request("GET", "/")
    assert response.status == 200
    page = body.decode()
    # collectstatic's manifest gives every asset a hashed name, and the page links those
    stylesheet = re.search(r'href="(/static/vendor/bootstrap/bootstrap\.min\.[0-9a-f]{12}\.css)"', page)
    assert stylesheet, "the page should link the hashed stylesheet"
    asset, content = platform.request("GET", stylesheet.group(1))
    assert asset.status == 200 and asset.getheader("Content-Type").startswith("text/css")
    assert b"sourceMappingURL" not in content


def test_a_published_products_document_is_served(platform):
    response, body = platform.request("GET", platform.document_url)
    assert response.status == 200
    assert response.getheader("Content-Type") == "application/pdf"
    assert body.startswith(b"%PDF")


def test_the_api_reads_and_a_write_is_carried_out_by_the_worker(platform):
    # given: the public product list and a maker's token
    listing, body = platform.request("GET", "/api/v1/products/")
    assert listing.status == 200 and json.loads(body)["count"] == 1
    token_response, token_body = platform.request(
        "POST", "/api/v1/auth/token/", {"email": "maker@smoke.example", "password": PASSWORD}
    )
    assert token_response.status == 200
    token = json.loads(token_body)["token"]
    # when: the maker changes the product (the change is queued for indexing through Redis)
    changed, _ = platform.request(
        "PATCH",
        f"/api/v1/products/{platform.product_id}/",
        {"name_en": "Smoke LC Mk II"},
        headers={"Authorization": f"Token {token}"},
    )
    assert changed.status == 200
    # then: the Celery worker indexes it, and the search API finds the new name
    deadline = time.monotonic() + 30
    while _pending_index_rows(platform) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _pending_index_rows(platform) == 0, "the worker did not index the change within 30 s"
    found, found_body = platform.request("GET", "/api/v1/search/?q=Mk%20II")
    assert found.status == 200
    assert [row["id"] for row in json.loads(found_body)["results"]] == [platform.product_id]


def test_api_documentation_and_health(platform):
    docs, _ = platform.request("GET", "/api/docs/")
    assert docs.status == 200
    health, body = platform.request("GET", "/healthz", headers={"X-Forwarded-Proto": "http"})
    assert health.status == 200
    checks = json.loads(body)["checks"]
    assert checks["database"]["ok"] and checks["cache"]["ok"] and checks["broker"]["ok"], checks


def _database_name(platform: Platform) -> str:
    return platform.database_url.rsplit("/", 1)[1]


def _drop_connections(platform: Platform) -> int:
    """What a PostgreSQL restart does to the platform: every open connection to its database is cut."""
    admin = _admin_connection()
    try:
        with admin.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                [_database_name(platform)],
            )
            return cursor.fetchone()[0]
    finally:
        admin.close()


# Organizations are read from the database on every request; the product list is kept for visitors in Redis.
UNCACHED = "/api/v1/organizations/"


def test_requests_after_a_database_restart_succeed(platform):
    # given: gunicorn's workers hold open database connections
    for _ in range(4):
        assert platform.request("GET", UNCACHED)[0].status == 200
    # when: PostgreSQL drops them all, as a restart does
    assert _drop_connections(platform) > 0
    # then: the next requests reconnect (the connection is checked before reuse) instead of failing
    statuses = [platform.request("GET", UNCACHED)[0].status for _ in range(6)]
    assert statuses == [200] * 6


def test_while_the_database_refuses_connections_the_api_is_a_json_503_and_pages_a_503(platform):
    name = _database_name(platform)
    admin = _admin_connection()
    kept, kept_body = platform.request("GET", "/api/v1/products/")
    assert kept.status == 200
    try:
        # given: the database stops accepting connections and the open ones are cut
        with admin.cursor() as cursor:
            cursor.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        _drop_connections(platform)
        # when / then: a visitor's product list still comes from the answers kept in Redis
        during, during_body = platform.request("GET", "/api/v1/products/")
        assert during.status == 200 and during_body == kept_body
        api, api_body = platform.request("GET", UNCACHED)
        assert api.status == 503
        assert api.getheader("Content-Type") == "application/json"
        assert json.loads(api_body)["code"] == "service_unavailable"
        page, page_body = platform.request("GET", "/catalog/")
        assert page.status == 503 and b"<h1>" in page_body
        health, _ = platform.request("GET", "/healthz", headers={"X-Forwarded-Proto": "http"})
        assert health.status == 503
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
        admin.close()
    # and once it is back, so is the platform, without a restart
    assert [platform.request("GET", UNCACHED)[0].status for _ in range(4)] == [200] * 4
