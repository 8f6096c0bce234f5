"""A procurement plan is checked line by line against the catalog before any line is posted."""

from __future__ import annotations

import datetime

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied

from catalog.tabular import csv_bytes
from changes.models import Change
from config.exceptions import ApplicationError
from plans.models import PlanLine
from plans.services import plan_check, plan_post, plan_template_columns
from procurement.models import Demand, Requirement
from tests.factories import (
    CategoryFactory,
    InstitutionFactory,
    ParameterFactory,
    ProductFactory,
    SpecificationFactory,
    member_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting():
    """A category whose dictionary has a pressure (higher is better), three domestic products stating it."""
    category = CategoryFactory()
    pressure = ParameterFactory(category=category, key="pressure", unit="MPa")
    products = {}
    for value in (30.0, 45.0, 60.0):
        products[value] = ProductFactory(category=category)
        SpecificationFactory(product=products[value], parameter=pressure, value=value)
    institution = InstitutionFactory()
    return {"category": category, "institution": institution, "user": member_of(institution), "products": products}


def plan_file(rows):
    deadline = (datetime.date.today() + datetime.timedelta(days=60)).isoformat()
    header = ["title", "quantity", "budget", "deadline", "delivery_province", "pressure [MPa]"]
    return csv_bytes([header, *[[c.replace("DEADLINE", deadline) for c in row] for row in rows]])


def test_template_names_line_fields_and_the_dictionary_with_units(setting):
    assert plan_template_columns(setting["category"])[:6] == [
        "title",
        "quantity",
        "budget",
        "deadline",
        "delivery_province",
        "description",
    ]
    assert "pressure [MPa]" in plan_template_columns(setting["category"])


def test_each_line_is_valid_with_its_offer_or_lists_its_bad_cells(setting):
    data = plan_file(
        [
            ["液相色谱仪", "2", "800000", "DEADLINE", "110000", "40"],
            ["高压泵", "1", "500000", "DEADLINE", "北京市", "≥ 50000 kPa"],
            ["Impossible", "1", "500000", "DEADLINE", "110000", "99"],
            ["", "x", "cheap", "2020-01-01", "999999", "forty"],
        ]
    )
    plan = plan_check(
        user=setting["user"],
        institution=setting["institution"],
        category=setting["category"],
        filename="plan.csv",
        data=data,
    )
    lines = {line.row: line for line in PlanLine.objects.filter(plan=plan)}
    assert (plan.lines_total, plan.lines_valid) == (4, 3)
    products = setting["products"]
    # two products meet 40 MPa, the best of them is one of the two
    assert lines[2].errors == [] and lines[2].matches_count == 2
    assert lines[2].best_product_id in {products[45.0].pk, products[60.0].pk}
    assert lines[2].near_miss_product_id == products[30.0].pk
    assert lines[2].near_miss_gaps[0]["key"] == "pressure"
    # 50,000 kPa is 50 MPa: one product; the province named in Chinese
    assert lines[3].matches_count == 1 and lines[3].best_product_id == products[60.0].pk
    assert lines[3].delivery_province_id == "110000"
    # nothing meets 99 MPa; the closest near miss is 60 MPa, 39 short
    assert lines[4].matches_count == 0 and lines[4].best_product_id is None
    assert lines[4].near_miss_product_id == products[60.0].pk
    assert lines[4].near_miss_gaps[0]["gap"] == pytest.approx(39)
    # every bad cell of the last line, by column
    assert {e["column"] for e in lines[5].errors} >= {"quantity", "budget", "delivery_province", "pressure [MPa]"}
    assert lines[5].matches_count is None


def test_a_file_with_unknown_columns_is_refused_on_file(setting):
    data = csv_bytes([["title", "deadline", "delivery_province", "colour"], ["a", "2030-01-01", "110000", "red"]])
    with pytest.raises(ApplicationError) as error:
        plan_check(
            user=setting["user"],
            institution=setting["institution"],
            category=setting["category"],
            filename="plan.csv",
            data=data,
        )
    assert error.value.field == "file" and "colour" in error.value.message


def test_only_members_check_and_post(setting):
    outsider = member_of(InstitutionFactory())
    with pytest.raises(PermissionDenied):
        plan_check(
            user=outsider,
            institution=setting["institution"],
            category=setting["category"],
            filename="plan.csv",
            data=plan_file([["a", "1", "1", "DEADLINE", "110000", "40"]]),
        )
    plan = plan_check(
        user=setting["user"],
        institution=setting["institution"],
        category=setting["category"],
        filename="plan.csv",
        data=plan_file([["a", "1", "1", "DEADLINE", "110000", "40"]]),
    )
    with pytest.raises(PermissionDenied):
        plan_post(user=outsider, plan=plan, rows=[2])


def test_chosen_lines_become_draft_demands_in_one_step(setting):
    data = plan_file(
        [
            ["液相色谱仪", "2", "800000", "DEADLINE", "110000", "40"],
            ["高压泵", "1", "500000", "DEADLINE", "110000", "50"],
            ["", "1", "1", "DEADLINE", "110000", "40"],
        ]
    )
    plan = plan_check(
        user=setting["user"],
        institution=setting["institution"],
        category=setting["category"],
        filename="plan.csv",
        data=data,
    )
    # a bad line in the choice posts nothing
    with pytest.raises(ApplicationError):
        plan_post(user=setting["user"], plan=plan, rows=[2, 4])
    assert not Demand.objects.exists()
    demands = plan_post(user=setting["user"], plan=plan, rows=[2, 3])
    assert [(d.title, d.status, d.quantity) for d in demands] == [
        ("液相色谱仪", Demand.Status.DRAFT, 2),
        ("高压泵", Demand.Status.DRAFT, 1),
    ]
    requirement = demands[0].requirements.get()
    assert (requirement.parameter.key, requirement.operator, requirement.value, requirement.is_mandatory) == (
        "pressure",
        ">=",
        40.0,
        True,
    )
    assert demands[0].shared_check == Demand.SharedCheck.PENDING
    with pytest.raises(ApplicationError):
        plan_post(user=setting["user"], plan=plan, rows=[2])


def _checked_plan(setting, count: int):
    rows = [[f"液相色谱仪 {i}", "1", "800000", "DEADLINE", "110000", str(30 + i % 20)] for i in range(count)]
    return plan_check(
        user=setting["user"],
        institution=setting["institution"],
        category=setting["category"],
        filename="plan.csv",
        data=plan_file(rows),
    )


def test_posting_many_lines_reads_and_writes_a_constant_number_of_queries(setting, django_assert_max_num_queries):
    # given: a plan of 3 lines and one of 40
    small, large = _checked_plan(setting, 3), _checked_plan(setting, 40)
    # when: each is posted whole
    with django_assert_max_num_queries(40) as few:
        plan_post(user=setting["user"], plan=small, rows=list(range(2, 5)))
    with django_assert_max_num_queries(len(few.captured_queries)):
        demands = plan_post(user=setting["user"], plan=large, rows=list(range(2, 42)))
    # then: the 40 lines are 40 draft demands with their requirements, each line pointing at its demand
    assert len(demands) == 40 and Demand.objects.filter(status=Demand.Status.DRAFT).count() == 43
    assert Requirement.objects.filter(demand__in=demands).count() == 40
    assert {line.demand_id for line in large.lines.all()} == {d.pk for d in demands}
    assert demands[5].requirements.get().value == 35.0


def test_posting_lines_records_one_outbox_batch_and_an_audit_entry_per_demand(
    setting, django_capture_on_commit_callbacks
):
    plan = _checked_plan(setting, 12)
    before = Change.objects.filter(entity="demand").count()
    with django_capture_on_commit_callbacks() as callbacks:
        demands = plan_post(user=setting["user"], plan=plan, rows=list(range(2, 14)))
    changes = Change.objects.filter(entity="demand").order_by("id")[before:]
    assert sorted(c.object_id for c in changes) == sorted(d.pk for d in demands)
    assert len({c.created_at for c in changes}) == 1  # written together, as one batch
    # one kick per consumer, not one per demand
    assert len(callbacks) < len(demands)
    assert LogEntry.objects.get_for_model(Demand).filter(object_pk__in=[str(d.pk) for d in demands]).count() == 12


def test_a_line_whose_deadline_passed_since_the_check_is_named_by_its_row(setting):
    plan = _checked_plan(setting, 3)
    PlanLine.objects.filter(plan=plan, row=3).update(deadline=datetime.date.today() - datetime.timedelta(days=1))
    with pytest.raises(ApplicationError) as error:
        plan_post(user=setting["user"], plan=plan, rows=[2, 3, 4])
    assert error.value.field == "rows" and list(error.value.extra["rows"]) == ["3"]
    assert not Demand.objects.exists()
