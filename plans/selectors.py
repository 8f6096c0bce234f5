from __future__ import annotations

from django.db.models import QuerySet

from accounts.policies import AnyUser
from plans.models import PlanLine, ProcurementPlan
from plans.policies import plan_visibility_q


def plan_list(*, user: AnyUser) -> QuerySet[ProcurementPlan]:
    return ProcurementPlan.objects.filter(plan_visibility_q(user)).select_related("institution", "category")


def plan_lines(*, plan: ProcurementPlan) -> QuerySet[PlanLine]:
    return plan.lines.select_related("best_product", "near_miss_product", "delivery_province", "demand").order_by("row")
