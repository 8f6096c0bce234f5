"""The platform in a real browser: Debian's Chromium driven by Playwright against a live server on PostgreSQL.

One live server and one browser serve the whole package; the demo data is seeded once into the test database,
and each journey creates what it changes (its own demand, product, organization), so the journeys do not depend
on each other's order. When the package is done the database is put back as the migrations left it.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection
from django.test.testcases import LiveServerThread, _StaticFilesHandler
from django.test.utils import override_settings, setup_databases, teardown_databases

from accounts.models import Province
from tests.browser.checks import DESKTOP, PHONE, PageWatch, page_problems, user_content

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Headless, and nothing the browser would fetch for itself: no updates, no sync, no network prediction.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
DEMO_PASSWORD = "demo-pass-2026"
# Where journeys save screenshots when BROWSER_SCREENSHOTS names a folder (outside the repository).
SCREENSHOTS = os.environ.get("BROWSER_SCREENSHOTS", "")
LANGUAGES = {"zh-hans": "zh-CN", "en": "en-US"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@dataclass(frozen=True)
class Platform:
    url: str


def _test_database(request: pytest.FixtureRequest, blocker) -> None:
    """Make sure the connection points at a test database.

    pytest-django creates the test database only when some collected test asks for the database (a marker or the
    ``db`` fixture); browser journeys do neither, since they share committed data with a live server, so a run of
    browser tests alone creates it here. Never seed or flush the database the settings name for real use.
    """
    test_name = connection.creation._get_test_db_name()
    if connection.settings_dict["NAME"].startswith("test_"):
        return
    config = setup_databases(verbosity=0, interactive=False, aliases={"default"})

    def teardown() -> None:
        with blocker.unblock():
            teardown_databases(config, verbosity=0)

    request.addfinalizer(teardown)
    assert connection.settings_dict["NAME"] == test_name


@pytest.fixture(scope="package")
def live_platform(request, django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Platform]:
    """A live server over the test database with the demo data seeded, for the whole package."""
    address = os.environ.get("DJANGO_LIVE_TEST_SERVER_ADDRESS", "localhost:0")
    host, _colon, port = address.rpartition(":")
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media, ALLOWED_HOSTS=["*"], DEBUG=False):
        _test_database(request, django_db_blocker)
        # The server answers each request on a thread of its own, which keeps a browser's keep-alive connection;
        # a persistent database connection there would outlive the package and block dropping the test database.
        conn_max_age = connection.settings_dict["CONN_MAX_AGE"]
        connection.settings_dict["CONN_MAX_AGE"] = 0
        # A transactional test that ran before this package leaves the database flushed: put back what the
        # migrations wrote (pytest-django kept it when some test asked for a serialized rollback).
        serialized = getattr(connection, "_test_serialized_contents", None)
        if serialized and not Province.objects.exists():
            connection.creation.deserialize_db_from_string(serialized)
        migrated = connection.creation.serialize_db_to_string()
        call_command("seed_demo", password=DEMO_PASSWORD, stdout=io.StringIO())
        server = LiveServerThread(host or "localhost", _StaticFilesHandler, port=int(port or 0))
        server.daemon = True
        server.start()
        server.is_ready.wait()
        if server.error:
            raise server.error
        try:
            yield Platform(url=f"http://{server.host}:{server.port}")
        finally:
            server.terminate()
            connection.settings_dict["CONN_MAX_AGE"] = conn_max_age
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            # Later tests expect the database as the migrations left it (classification table, provinces).
            call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
            connection.creation.deserialize_db_from_string(migrated)
            # The restored rows keep their ids; the sequences the flush restarted must move past them.
            with connection.cursor() as cursor:
                for statement in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
                    cursor.execute(statement)


@pytest.fixture(scope="package")
def browser(live_platform) -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: install it with `apt-get install chromium`.")
    from playwright.sync_api import sync_playwright

    # Playwright's synchronous API keeps an event loop running on this thread while the browser is up. No Django
    # code runs on that loop (the live server answers from its own threads), so the ORM calls the journeys make
    # to arrange data and read outcomes stay synchronous; Django's async-safety guard is lifted for that span only.
    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    playwright = sync_playwright().start()
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if saved is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved


@pytest.fixture(autouse=True)
def _platform_defaults(settings, django_db_blocker) -> Iterator[None]:
    """The platform's real default language (the shared test settings pick English) and database access."""
    settings.LANGUAGE_CODE = "zh-hans"
    with django_db_blocker.unblock():
        yield


class Tab:
    """One browser page in one language, checked after every page it shows (see checks.py)."""

    def __init__(self, context, platform: Platform, language: str, viewport: dict[str, int]) -> None:
        self.context = context
        self.platform = platform
        self.language = language
        self.viewport = viewport
        self.page = context.new_page()
        self.watch = PageWatch(platform.url)
        self.watch.attach(self.page)
        # A confirmation dialog of an irreversible action is answered yes; the journey asserts what followed.
        self.page.on("dialog", lambda dialog: dialog.accept())
        self.pages_checked = 0
        # What the journey typed itself is user content too, shown back in an error ("'很高' is not a number").
        self.typed: list[str] = []

    def url(self, path: str) -> str:
        return self.platform.url + path

    @property
    def path(self) -> str:
        return self.page.url.removeprefix(self.platform.url)

    def check(self) -> None:
        """Fail on anything wrong with the page now shown (console, hosts, overflow, translation)."""
        self.page.wait_for_load_state()
        allowed = sorted({*user_content(), *self.typed}, key=len, reverse=True)
        problems = page_problems(self.page, self.watch, language=self.language, allowed=allowed)
        self.pages_checked += 1
        if problems:
            pytest.fail(f"{self.language} {self.path}:\n  " + "\n  ".join(problems), pytrace=False)

    def go(self, path: str, *, status: int = 200) -> None:
        response = self.page.goto(self.url(path))
        assert response is not None and response.status == status, f"{path}: {response and response.status}"
        if status >= 400:
            # Chromium reports the page's own error status on the console; that one is what the journey asked for.
            self.watch.console_errors[:] = [e for e in self.watch.console_errors if f"({response.url})" not in e]
        self.check()

    def submit(self, locator, *, status: int = 200) -> None:
        """Click what submits a form (or follows a link) and check the page it leads to."""
        with self.page.expect_navigation() as navigation:
            locator.click()
        response = navigation.value
        assert response is not None and response.status == status, f"{self.path}: {response and response.status}"
        self.check()

    def log_in(self, email: str, password: str = DEMO_PASSWORD) -> None:
        self.go("/accounts/login/")
        form = self.page.locator("main form")
        form.locator("input[name=username]").fill(email)
        form.locator("input[name=password]").fill(password)
        self.submit(form.locator("button[type=submit]"))

    def text(self, selector: str = "main") -> str:
        return self.page.locator(selector).first.inner_text()

    def screenshot(self, name: str) -> None:
        """The page now shown, at the tab's size and (from a desktop tab) at the phone's, into BROWSER_SCREENSHOTS."""
        if not SCREENSHOTS:
            return
        folder = Path(SCREENSHOTS)
        folder.mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        sizes = [("phone", PHONE)] if self.viewport == PHONE else [("desktop", DESKTOP), ("phone", PHONE)]
        for size, viewport in sizes:
            self.page.set_viewport_size(viewport)
            self.page.wait_for_timeout(1200)  # charts re-lay themselves out and finish their animation
            self.page.screenshot(path=str(folder / f"{slug}-{self.language}-{size}.png"), full_page=True)
        self.page.set_viewport_size(self.viewport)


@pytest.fixture
def open_tab(browser, live_platform) -> Iterator[object]:
    """``open_tab(language, viewport=DESKTOP)`` opens a fresh browser context (no cookies) showing that language."""
    contexts = []
    tabs: list[Tab] = []

    def open_(language: str, viewport: dict[str, int] = DESKTOP) -> Tab:
        context = browser.new_context(
            viewport=viewport,
            locale=LANGUAGES[language],
            is_mobile=viewport == PHONE,
            has_touch=viewport == PHONE,
            accept_downloads=True,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        tab = Tab(context, live_platform, language, viewport)
        tabs.append(tab)
        return tab

    yield open_
    for context in contexts:
        context.close()
    for tab in tabs:
        assert not tab.watch.unchecked, f"pages shown but never checked: {tab.watch.unchecked}"
