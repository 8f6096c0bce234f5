"""Who may see and use a procurement plan: members of its institution (staff moderate nothing here)."""

from __future__ import annotations

from django.db.models import Q

from accounts.models import Organization
from accounts.policies import AnyUser, user_organization_ids
from plans.models import ProcurementPlan


def plan_visibility_q(user: AnyUser) -> Q:
    return Q(institution_id__in=user_organization_ids(user, kind=Organization.Kind.INSTITUTION))


def can_use_plan(user: AnyUser, plan: ProcurementPlan) -> bool:
    return plan.institution_id in user_organization_ids(user, kind=Organization.Kind.INSTITUTION)
