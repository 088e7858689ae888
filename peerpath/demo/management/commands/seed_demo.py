"""``manage.py seed_demo``: a realistic, deterministic demo community in one command.

``make demo`` runs ``seed_demo --size small --seed 1 --if-empty`` on every start, so the
command must be idempotent with --if-empty and quick at the small size.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from peerpath.demo.generator import DEMO_PASSWORD, SIZES, demo_exists, seed_demo


def _anchor(value: str | None) -> dt.datetime:
    """Midnight UTC of the given date (default: today). Every generated time is before it,
    and two runs with the same anchor, seed and size write the same rows."""
    day = dt.date.fromisoformat(value) if value else dt.datetime.now(dt.UTC).date()
    return dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC)


class Command(BaseCommand):
    help = (
        "Seed a demo community: generated members and listeners with a year of activity, "
        f"plus nine demo logins (password {DEMO_PASSWORD!r}). Development only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", choices=list(SIZES), default="small")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (successfully) when the demo community already exists.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even with DEBUG off. The demo logins share a published password.",
        )
        parser.add_argument(
            "--anchor",
            metavar="YYYY-MM-DD",
            help="Generate times relative to midnight UTC of this date (default: today).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        force: bool = options["force"]
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to seed demo accounts with DEBUG off: they share the published "
                f"password {DEMO_PASSWORD!r}. Pass --force if this really is a demo site."
            )
        if demo_exists():
            if options["if_empty"]:
                self.stdout.write("The demo community already exists; nothing to do.")
                return
            raise CommandError(
                "The demo community already exists (user demo-member is present). Use "
                "--if-empty to skip quietly, or seed into an empty database."
            )
        try:
            anchor = _anchor(options["anchor"])
        except ValueError as exc:
            raise CommandError(f"--anchor: {exc}") from exc
        size = SIZES[options["size"]]
        verbose = options["verbosity"] >= 2
        self.stdout.write(
            f"Seeding the {options['size']} demo community ({size.users:,} users, seed "
            f"{options['seed']})..."
        )
        summary = seed_demo(
            size,
            seed=options["seed"],
            anchor=anchor,
            bypass_reserved=force,
            progress=self.stdout.write if verbose else None,
        )
        self.stdout.write(self.style.SUCCESS(summary.line()))
        # The community's past: the ladder evaluated week by week over the history, careers
        # applying for roles and approved, buddies, so awards carry the dates they were
        # earned. Bigger sizes evaluate less often before the last five weeks.
        from peerpath.demo.history import seed_history

        coarse = 7 if size.users <= 10_000 else 28 if size.users <= 100_000 else 91
        history = seed_history(
            seed=options["seed"],
            anchor=anchor,
            coarse_days=coarse,
            progress=self.stdout.write if verbose else None,
        )
        self.stdout.write(history.line())
        # Room activity next: room locks are checked against the awards of the history.
        from peerpath.demo.rooms import seed_rooms

        self.stdout.write(seed_rooms(seed=options["seed"], anchor=anchor).line())
        # Events (after rooms: some take place in rooms) and the mentor rota's history.
        from peerpath.events.demo import seed_events

        self.stdout.write(seed_events(seed=options["seed"], anchor=anchor).line())
        # Training cohorts with their first discussions under way.
        from peerpath.training.demo import seed_training

        self.stdout.write(seed_training(seed=options["seed"], anchor=anchor).line())
        # Mentor spotlights, then anonymized feedback (after rooms and mentoring it rates).
        from peerpath.feedback.demo import seed_feedback
        from peerpath.spotlights.demo import seed_spotlights

        self.stdout.write(seed_spotlights(seed=options["seed"], anchor=anchor).line())
        self.stdout.write(seed_feedback(seed=options["seed"], anchor=anchor).line())
        # A safeguarding history last (after mentoring and rooms, whose people and places
        # it names): the staff queue, responders' alerts and the triage figures.
        from peerpath.demo.safety import seed_safety

        self.stdout.write(seed_safety(seed=options["seed"], anchor=anchor).line())
        # Everyone's standing today, as the nightly job would leave it: counts what the
        # rooms, events and feedback just added.
        from peerpath.progression.services import batch

        ladder = batch.run()
        self.stdout.write(
            f"Ladder evaluated: {ladder.changes:,} awards for {ladder.users:,} people "
            f"in {ladder.seconds:.1f} s."
        )
