"""Create the demo data of every app, in dependency order. Idempotent: running it again changes nothing."""

from __future__ import annotations

import importlib
import os
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

# Each app's demo module has `seed(*, password: str, stdout) -> None`; the order follows their dependencies.
DEMO_MODULES = ["accounts.demo", "catalog.demo", "procurement.demo", "matching.demo"]


class Command(BaseCommand):
    help = "Create demo organizations, users, catalog, demands, matches and a published report (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--password", default=os.environ.get("DEMO_PASSWORD", "demo-pass-2026"))

    def handle(self, *args: Any, **options: Any) -> None:
        for module_name in DEMO_MODULES:
            module = importlib.import_module(module_name)
            self.stdout.write(f"Seeding {module_name} ...")
            with transaction.atomic():
                module.seed(password=options["password"], stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
