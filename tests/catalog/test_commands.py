from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.factories import ProductFactory


def test_refresh_domestic_applies_a_raised_platform_threshold(lc, settings):
    # given a product made in China with 55% domestic content, domestic under the 0.5 threshold
    product = ProductFactory(category=lc, domestic_content=Decimal("0.55"), is_domestic=True)
    # when the platform threshold is raised to 0.6 and the command runs
    settings.DOMESTIC_CONTENT_THRESHOLD = 0.6
    out = StringIO()
    call_command("refresh_domestic", stdout=out)
    # then the product no longer counts as domestic
    product.refresh_from_db()
    assert product.is_domestic is False
    assert "1 products changed" in out.getvalue()


def test_refresh_domestic_rejects_an_unknown_category(db):
    with pytest.raises(CommandError, match="No category"):
        call_command("refresh_domestic", "--category", "nope")
