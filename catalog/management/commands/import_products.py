"""`manage.py import_products FILE --manufacturer ID [--atomic] [--publish]`: bulk import from CSV or XLSX."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from accounts.models import Organization
from catalog.importing import products_import
from config.exceptions import ApplicationError


class Command(BaseCommand):
    help = "Import products (one row each) from a CSV or XLSX file for a manufacturer; upserts by model number."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--manufacturer", type=int, required=True, help="Organization id of the manufacturer")
        parser.add_argument("--atomic", action="store_true", help="Write nothing if any row is bad")
        parser.add_argument("--publish", action="store_true", help="Publish every imported product")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        manufacturer = Organization.objects.filter(
            pk=options["manufacturer"], kind=Organization.Kind.MANUFACTURER
        ).first()
        if manufacturer is None:
            raise CommandError(f"No manufacturer with id {options['manufacturer']}")
        bars: dict[str, tqdm] = {}

        def progress(phase: str, done: int, total: int) -> None:
            bar = bars.get(phase)
            if bar is None:
                bar = bars[phase] = tqdm(total=total, desc=phase, unit="row", file=sys.stderr)
            bar.update(done - bar.n)

        try:
            report = products_import(
                manufacturer=manufacturer,
                user=None,
                filename=path.name,
                data=path.read_bytes(),
                atomic=options["atomic"],
                publish=options["publish"],
                progress=progress,
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        finally:
            for bar in bars.values():
                bar.close()
        for error in report.errors:
            self.stderr.write(f"row {error.row}, column {error.column}: {error.reason}")
        summary = f"{report.total_rows} rows: {report.created} created, {report.updated} updated, {report.bad_rows} bad"
        if report.errors and not report.written:
            raise CommandError(summary + "; nothing written (--atomic)")
        self.stdout.write(self.style.SUCCESS(summary))
