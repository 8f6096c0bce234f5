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
