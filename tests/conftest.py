from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.factories import InstitutionFactory, ManufacturerFactory, UserFactory, member_of


@pytest.fixture(autouse=True)
def _english_and_media(settings, tmp_path):
    """Tests read English messages unless they switch language; uploads go to a temporary folder."""
    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def staff_user(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def institution(db):
    return InstitutionFactory()


@pytest.fixture
def manufacturer(db):
    return ManufacturerFactory()


@pytest.fixture
def researcher(institution):
    return member_of(institution)


@pytest.fixture
def maker(manufacturer):
    return member_of(manufacturer)


@pytest.fixture
def redis_celery_app():
    """The project's Celery app pointed at the real Redis broker (TEST_REDIS_URL), queues purged.

    Connection and producer pools are cached on the app by broker URL, so they are dropped on the way in and
    out; otherwise a pool made earlier for the in-memory broker would keep being used.
    """
    import os

    from config.celery import app

    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL is not set: no Redis broker")
    keys = ("broker_url", "task_always_eager", "broker_transport_options")
    saved = {key: app.conf[key] for key in keys}

    def reset_pools() -> None:
        app._pool = None
        app.amqp._producer_pool = None

    reset_pools()
    app.conf.update(broker_url=url, task_always_eager=False, broker_transport_options={"visibility_timeout": 60})
    app.control.purge()
    try:
        yield app
    finally:
        app.control.purge()
        app.conf.update(saved)
        reset_pools()


ROLES = ("anonymous", "researcher", "other_researcher", "maker", "staff")


@pytest.fixture
def people(db):
    """One person per role around one institution and one manufacturer (both verified).

    ``researcher`` is a member of ``institution``; ``other_researcher`` a member of another institution; ``maker`` a
    member of ``manufacturer``; ``staff`` a platform administrator who belongs to no organization.
    """
    from types import SimpleNamespace

    from django.contrib.auth.models import AnonymousUser

    institution = InstitutionFactory()
    manufacturer = ManufacturerFactory()
    return SimpleNamespace(
        institution=institution,
        manufacturer=manufacturer,
        users={
            "anonymous": AnonymousUser(),
            "researcher": member_of(institution),
            "other_researcher": member_of(InstitutionFactory()),
            "maker": member_of(manufacturer),
            "staff": UserFactory(is_staff=True),
        },
    )


def allowed(people, rule) -> set[str]:
    """The roles for which ``rule(user)`` holds."""
    return {role for role, user in people.users.items() if rule(user)}


@pytest.fixture
def unreachable_broker():
    """The project's Celery app pointed at a broker that refuses connections: a real Redis URL on a closed port
    of this machine, not eager, so queueing a task fails as it does when Redis is down."""
    from config.celery import app

    keys = ("broker_url", "task_always_eager", "broker_transport_options", "broker_connection_timeout")
    saved = {key: app.conf[key] for key in keys}

    def reset_pools() -> None:
        app._pool = None
        app.amqp._producer_pool = None

    reset_pools()
    app.conf.update(
        broker_url="redis://127.0.0.1:1/0",
        task_always_eager=False,
        broker_transport_options={"max_retries": 0},
        broker_connection_timeout=1,
    )
    try:
        yield app
    finally:
        app.conf.update(saved)
        reset_pools()
