"""Procurement test data: a category tree with one parameter of every value type."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from catalog.models import Category, Parameter
from procurement.models import Demand
from tests.factories import CategoryFactory, DemandFactory, ParameterFactory


@dataclass
class Dictionary:
    root: Category
    leaf: Category
    wavelength: Parameter  # number, nm, on the root (inherited by the leaf)
    flow_range: Parameter  # range, mL/min, on the leaf
    detector: Parameter  # choice, on the leaf
    autosampler: Parameter  # boolean, on the leaf
    pressure: Parameter  # number, MPa, on the leaf


def make_dictionary() -> Dictionary:
    root = CategoryFactory()
    leaf = CategoryFactory(parent=root)
    return Dictionary(
        root=root,
        leaf=leaf,
        wavelength=ParameterFactory(
            category=root, key="wavelength_max", unit="nm", min_value=100, max_value=2000, better="higher"
        ),
        flow_range=ParameterFactory(
            category=leaf,
            key="flow_range",
            unit="mL/min",
            value_type=Parameter.ValueType.RANGE,
            better=Parameter.Better.WIDER,
            min_value=0,
            max_value=100,
        ),
        detector=ParameterFactory(
            category=leaf,
            key="detector",
            unit="",
            value_type=Parameter.ValueType.CHOICE,
            better=Parameter.Better.NONE,
            choices=["UV", "DAD", "FLD"],
            min_value=None,
            max_value=None,
        ),
        autosampler=ParameterFactory(
            category=leaf,
            key="autosampler",
            unit="",
            value_type=Parameter.ValueType.BOOLEAN,
            better=Parameter.Better.NONE,
            min_value=None,
            max_value=None,
        ),
        pressure=ParameterFactory(category=leaf, key="max_pressure", unit="MPa", min_value=0, max_value=300),
    )


def draft_demand(**fields) -> Demand:
    fields.setdefault("status", Demand.Status.DRAFT)
    fields.setdefault("shared_check", Demand.SharedCheck.PENDING)
    fields.setdefault("shared_check_at", None)
    fields.setdefault("opened_at", None)
    return DemandFactory(**fields)


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)
