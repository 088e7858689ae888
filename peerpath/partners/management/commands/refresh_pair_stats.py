"""Refresh the mentorships table's per-pair rollup now (the Huey job does it every 5 minutes)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from peerpath.partners import rollup


class Command(BaseCommand):
    help = "Refresh the per-pair rollup incrementally, or rebuild it with --full."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--full", action="store_true", help="Rebuild every pair's row.")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        if options["full"]:
            rows = rollup.rebuild_pair_stats()
            verb = "rebuilt"
        else:
            rows = rollup.refresh_pair_stats()
            verb = "refreshed"
        seconds = time.perf_counter() - started
        self.stdout.write(f"pair stats: {verb} {rows:,} rows in {seconds:.2f} s")
