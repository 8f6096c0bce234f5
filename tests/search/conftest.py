from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _database_search(settings):
    """Search tests run on the database backend unless they switch; the circuit breaker starts closed."""
    settings.SEARCH_BACKEND = "database"
    cache.clear()
    yield
    cache.clear()
