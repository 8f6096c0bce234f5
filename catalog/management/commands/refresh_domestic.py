"""Re-derive which products count as domestic under the domestic-product rule in force today."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from catalog.models import Category
from catalog.services import products_domestic_refresh


class Command(BaseCommand):
    help = "Re-derive is_domestic for every product (or one category's subtree); re-indexes and re-matches changes."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--category", help="code of the category whose subtree to refresh (default: all)")

    def handle(self, *args: Any, **options: Any) -> None:
        category = None
        if options["category"]:
            category = Category.objects.filter(code=options["category"]).first()
            if category is None:
                raise CommandError(f"No category with code {options['category']!r}.")
        changed = products_domestic_refresh(category=category)
        self.stdout.write(self.style.SUCCESS(f"{changed} products changed their domestic flag."))
