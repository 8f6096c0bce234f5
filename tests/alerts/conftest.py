from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _database_search(settings):
    """Alerts evaluate with the database backend unless a test switches; the circuit breaker starts closed."""
    settings.SEARCH_BACKEND = "database"
    settings.ELASTICSEARCH_URL = ""
    cache.clear()
    yield
    cache.clear()
