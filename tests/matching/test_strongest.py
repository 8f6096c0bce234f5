"""One meaning of "strongest component": the one that contributed most to the score (weight x value)."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from catalog.models import Product
from matching import reports, services
from matching import scoring as s
from matching import vector as v
from matching.models import Match
from matching.views import component_labels

pytestmark = pytest.mark.django_db


def test_strongest_is_the_largest_weighted_share_not_the_largest_value():
    weights = {"preferred": 0.35, "price": 0.2, "text": 0.1, "evaluations": 0.15, "province": 0.1, "lead_time": 0.1}
    components = {"preferred": 0.6, "price": 0.5, "text": 0.0, "evaluations": 0.5, "province": 1.0, "lead_time": 1.0}
    # the province and lead time are at 1.0, but requirements weigh 0.35 x 0.6 = 0.21 > 0.1
    assert strongest(components, weights) == "preferred"
    # ties go to the first component in COMPONENTS order, whatever the dict order
    assert strongest({"lead_time": 1.0, "province": 1.0}, weights) == "province"
    assert strongest({}, weights) == ""
    # a whole column of pairs at once, each named on its own
    column = {"preferred": np.array([0.6, 0.1]), "province": np.array([1.0, 1.0])}
    assert v.strongest_components(column, weights, 2) == ["preferred", "province"]


def strongest(components, weights):
    """One pair's strongest component, through the array rule ranking uses (a column of one)."""
    [name] = v.strongest_components({k: np.array([x]) for k, x in components.items()}, weights, 1)
    return name


def test_api_page_and_report_name_the_same_strongest_component(scene, api_client, client):
    # given: the strong product serves every province and delivers at once (raw 1.0 on both), and its
    # preferred flow is met with a margin: the weighted share of the requirements is the largest
    Product.objects.filter(pk=scene.strong.pk).update(lead_time_days=1)
    services.match_run_full_inline()
    match = Match.objects.get(demand=scene.demand, product=scene.strong)
    weights = dict(settings.MATCHING_WEIGHTS)
    largest_raw = max(sorted(match.components), key=lambda name: match.components[name])
    expected = max(s.COMPONENTS, key=lambda name: (weights[name] * match.components[name], -s.COMPONENTS.index(name)))
    assert largest_raw == "lead_time" and expected == "preferred"
    assert match.strongest_component == expected
    # the API names it
    api_client.force_authenticate(scene.institution_member)
    assert api_client.get(f"/api/v1/matches/{match.pk}/").json()["strongest_component"] == expected
    # the page names it
    client.force_login(scene.institution_member)
    with translation.override("en"):
        label = component_labels()[expected]
    html = client.get(
        reverse("matching:demand-matches", args=[scene.demand.pk]), HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert f"Weighed most: {label}." in html
    # and a report freezes it
    today = timezone.localdate()
    report = reports.report_generate(period_start=today - timedelta(days=7), period_end=today)
    [row] = [d for d in report.snapshot["demands"] if d["id"] == scene.demand.pk]
    assert {m["product"]: m["strongest"] for m in row["matches"]}[scene.strong.pk] == expected


def test_every_stored_match_carries_the_strongest_of_its_stored_components(scene):
    services.match_run_demand(demand_id=scene.demand.pk)
    weights = dict(settings.MATCHING_WEIGHTS)
    for match in Match.objects.filter(demand=scene.demand):
        assert match.strongest_component == strongest(match.components, weights)
