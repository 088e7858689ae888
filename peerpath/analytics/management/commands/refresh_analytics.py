"""Refresh the partner dashboard's rollups now (the Huey job does it every 10 minutes)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from peerpath.analytics.rollup import refresh


class Command(BaseCommand):
    help = "Refresh the dashboard rollups incrementally, or rebuild them with --full."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--full", action="store_true", help="Rebuild every rollup.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["full"]:
            state = refresh.rebuild()
            self.stdout.write(f"analytics: rebuilt in {state.rebuild_seconds:.2f} s")
        else:
            state = refresh.refresh()
            self.stdout.write(f"analytics: refreshed in {state.refresh_seconds:.2f} s")
