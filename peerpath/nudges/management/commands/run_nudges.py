"""Run the nudge engine once now (the Huey job does it every 15 minutes)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from peerpath.nudges import engine


class Command(BaseCommand):
    help = "Evaluate every active nudge rule now and send what is due."

    def handle(self, *args: Any, **options: Any) -> None:
        run = engine.run()
        self.stdout.write(
            f"nudges: sent {run.sent}, control {run.held_back}, {run.seconds:.2f} s"
            + (f"; skipped: {'; '.join(run.skipped_rules)}" if run.skipped_rules else "")
        )
