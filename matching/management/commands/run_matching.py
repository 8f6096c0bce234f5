"""`manage.py run_matching [--demand ID]`: a full matching run here and now, with a progress bar."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from config.exceptions import ApplicationError
from matching import services
from matching.models import MatchRun


class Command(BaseCommand):
    help = "Match every open demand against the domestic catalog (or one demand with --demand)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--demand", type=int, help="Match only this demand.")
        parser.add_argument("--no-progress", action="store_true", help="Do not draw the progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["demand"]:
                run = services.match_run_demand(demand_id=options["demand"], trigger=MatchRun.Trigger.COMMAND)
            else:
                bar: tqdm[Any] | None = None

                def on_plan(plan: services.FullRunPlan) -> None:
                    nonlocal bar
                    bar = tqdm(
                        total=len(plan.chunk_numbers),
                        unit="chunk",
                        desc=f"run #{plan.run.pk}",
                        disable=options["no_progress"],
                        file=self.stderr,
                    )

                def progress(_number: int) -> None:
                    if bar is not None:
                        bar.update(1)

                try:
                    run = services.match_run_full_inline(
                        trigger=MatchRun.Trigger.COMMAND, on_plan=on_plan, progress=progress
                    )
                finally:
                    if bar is not None:
                        bar.close()
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"Run #{run.pk} {run.status}: {run.demands_count} demands, {run.pairs_count} pairs scored, "
            f"{run.matches_count} matches, {run.near_misses_count} near misses, "
            f"{run.notifications_count} notifications "
            f"(read {run.load_seconds:.2f}s, score {run.score_seconds:.2f}s, write {run.write_seconds:.2f}s)."
        )
