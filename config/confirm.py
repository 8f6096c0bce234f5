"""The confirmation step of an irreversible action, for pages that work without JavaScript.

The action's URL answers GET with a page that says what will happen and a confirm button; only a POST that
carries the confirmation acts. A POST without it (an old bookmark, a replayed form, a page from before this
step existed) gets the same page, so one click can never award, publish or remove anything by accident.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

CONFIRM_FIELD = "confirmed"
CONFIRM_VALUE = "yes"


def is_confirmed(request: HttpRequest) -> bool:
    return request.method == "POST" and request.POST.get(CONFIRM_FIELD) == CONFIRM_VALUE


@dataclass(frozen=True)
class Confirmation:
    title: str
    summary: str  # what the action is, in one sentence
    consequences: Sequence[str]  # what will happen, each a sentence
    button: str
    cancel_url: str
    is_danger: bool = True
    hidden: dict[str, Any] = field(default_factory=dict)  # values the action needs (such as the quote awarded)
    note_label: str = ""  # a free-text note sent with the action, when the action takes one


def confirmation_page(request: HttpRequest, confirmation: Confirmation) -> HttpResponse:
    return render(
        request,
        "confirm.html",
        {"confirmation": confirmation, "confirm_field": CONFIRM_FIELD, "confirm_value": CONFIRM_VALUE},
    )
