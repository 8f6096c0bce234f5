"""`manage.py search_index rebuild|ensure|status|sync`: maintain the search indexes."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from changes.registry import RetryLater
from config.exceptions import ApplicationError
from search.backends import SearchUnavailable, get_backend
from search.documents import KINDS
from search.selectors import outbox_status
from search.services import search_index_ensure, search_index_rebuild, search_sync


class Command(BaseCommand):
    help = (
        "Rebuild the search indexes, create them when missing, index pending changes, or show pending work and "
        "count differences."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        rebuild = sub.add_parser("rebuild", help="Build new indexes from the database and switch to them.")
        rebuild.add_argument("--kind", choices=KINDS, action="append", help="Only this kind (repeatable).")
        rebuild.add_argument("--backend", choices=["database", "elasticsearch"], help="Only this backend.")
        rebuild.add_argument(
            "--cluster",
            action="store_true",
            help="Also rewrite the database index in category order (PostgreSQL; blocks searches meanwhile).",
        )
        ensure = sub.add_parser(
            "ensure",
            help="Build the index of each kind in the configured backend only when it does not exist yet "
            "(Elasticsearch: no alias); otherwise do nothing. Safe to run at every start.",
        )
        ensure.add_argument("--kind", choices=KINDS, action="append", help="Only this kind (repeatable).")
        ensure.add_argument(
            "--wait",
            type=int,
            default=0,
            metavar="SECONDS",
            help="Wait up to this long for the backend to answer before giving up (default 0).",
        )
        sub.add_parser("status", help="Pending outbox rows and index versus database counts.")
        sub.add_parser("sync", help="Index every pending outbox row now.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "rebuild":
                self.rebuild(options.get("kind") or list(KINDS), options.get("backend"), options["cluster"])
            elif action == "ensure":
                self.ensure(options.get("kind") or list(KINDS), options["wait"])
            elif action == "sync":
                report = search_sync()
                self.stdout.write(f"indexed {report.changes} changes in {report.batches} batches")
            else:
                self.status()
        except (ApplicationError, SearchUnavailable, RetryLater) as exc:
            raise CommandError(str(exc)) from exc

    def rebuild(self, kinds: list[str], backend: str | None, cluster: bool) -> None:
        for kind in kinds:
            self.stdout.write(f"rebuilding {kind} ...")
            reports = search_index_rebuild(
                kind=kind,
                backend=backend,
                cluster=cluster,
                progress=lambda n: self.stdout.write(f"  {n} indexed"),
            )
            for report in reports:
                self.stdout.write(
                    self.style.SUCCESS(
                        f"{report.kind}: {report.indexed} indexed into {report.index_name}, {report.replayed} replayed"
                    )
                )

    def ensure(self, kinds: list[str], wait: int) -> None:
        self.wait_for_backend(wait)
        for kind in kinds:
            report = search_index_ensure(kind=kind, progress=lambda n: self.stdout.write(f"  {n} indexed"))
            if report is None:
                self.stdout.write(f"{kind}: index exists")
            else:
                self.stdout.write(self.style.SUCCESS(f"{kind}: created {report.index_name}, {report.indexed} indexed"))

    def wait_for_backend(self, seconds: int) -> None:
        deadline = time.monotonic() + seconds
        while True:
            try:
                get_backend().ping()
                return
            except SearchUnavailable:
                if time.monotonic() >= deadline:
                    raise
                self.stdout.write("waiting for the search backend ...")
                time.sleep(2)

    def status(self) -> None:
        problems = False
        for row in outbox_status():
            oldest = row.oldest_pending_at.isoformat() if row.oldest_pending_at else "-"
            self.stdout.write(
                f"{row.kind}: pending={row.pending} stale_claims={row.stale_claims} failing={row.failing} "
                f"oldest_pending={oldest} database={row.database_count}"
            )
            for name, difference in row.differences().items():
                count = row.index_counts[name]
                if count is None:
                    self.stdout.write(self.style.ERROR(f"  {name}: unreachable"))
                    problems = True
                    continue
                line = f"  {name}: indexed={count} difference={difference:+d}"
                if difference:
                    problems = True
                    self.stdout.write(self.style.WARNING(line))
                else:
                    self.stdout.write(line)
            problems = problems or row.stale_claims > 0 or row.failing > 0
        if problems:
            self.stdout.write(self.style.WARNING("run `search_index sync`, or `search_index rebuild` for differences"))
