"""Add the feedback demo data to an existing demo community (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from peerpath.feedback.demo import seed_feedback


class Command(BaseCommand):
    help = "Seed demo feedback for demo-mentor (above k) and demo-listener (below k)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=42)

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(seed_feedback(seed=options["seed"], anchor=timezone.now()).line())
