from __future__ import annotations

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from catalog.models import DomesticProductRule
from tests.factories import ProductFactory


def test_refresh_domestic_applies_the_rule_in_force_today(lc):
    # given a product made in China with a 55% component cost share, domestic while no ratio is set
    product = ProductFactory(category=lc, domestic_content=Decimal("0.55"), is_domestic=True)
    # when a 60% ratio took effect yesterday (written without the service, as a dated rule reaching its day)
    DomesticProductRule.objects.create(
        category=lc, effective_from=timezone.localdate() - datetime.timedelta(days=1), component_cost_ratio="0.6"
    )
    out = StringIO()
    call_command("refresh_domestic", stdout=out)
    # then the product no longer counts as domestic
    product.refresh_from_db()
    assert product.is_domestic is False
    assert "1 products changed" in out.getvalue()


def test_refresh_domestic_rejects_an_unknown_category(db):
    with pytest.raises(CommandError, match="No category"):
        call_command("refresh_domestic", "--category", "nope")
