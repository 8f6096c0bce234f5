"""Create the demo data of every app, in dependency order. Idempotent: running it again changes nothing."""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

# Each app's demo module has `seed(*, password: str, stdout) -> None`; the order follows their dependencies.
DEMO_MODULES = ["accounts.demo", "catalog.demo", "procurement.demo", "matching.demo"]


@contextmanager
def _quiet_side_effects() -> Iterator[None]:
    """Demo people get their in-app notifications, but no email is printed and inline tasks log no lines."""
    trace = logging.getLogger("celery.app.trace")
    saved_level, saved_backend = trace.level, settings.EMAIL_BACKEND
    trace.setLevel(logging.WARNING)
    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    try:
        yield
    finally:
        trace.setLevel(saved_level)
        settings.EMAIL_BACKEND = saved_backend


class Command(BaseCommand):
    help = "Create demo organizations, users, catalog, demands, matches and a published report (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--password", default=os.environ.get("DEMO_PASSWORD", "demo-pass-2026"))

    def handle(self, *args: Any, **options: Any) -> None:
        with _quiet_side_effects():
            for module_name in DEMO_MODULES:
                module = importlib.import_module(module_name)
                self.stdout.write(f"Seeding {module_name} ...")
                with transaction.atomic():
                    module.seed(password=options["password"], stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
