"""Matching services. (Interface placeholder: the matching work fills it in.)"""

from __future__ import annotations


def demand_schedule_matching(*, demand_id: int) -> None:
    """After the caller's transaction commits, re-match one demand (opened or revised)."""


def product_schedule_matching(*, product_id: int) -> None:
    """After the caller's transaction commits, re-match the open demands a changed product may meet."""
