"""manage.py evaluate_ladder [--incremental] [--user NAME ...] [--load]"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from peerpath.accounts.models import User
from peerpath.progression import ladder
from peerpath.progression.services import batch


class Command(BaseCommand):
    help = "Evaluate the leadership ladder for everyone (or the people touched since last run)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--incremental", action="store_true")
        parser.add_argument("--user", action="append", default=[], help="pseudonym (repeatable)")
        parser.add_argument("--load", action="store_true", help="load a newer seed file first")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["load"]:
            version = ladder.load_ladder()
            self.stdout.write(f"Loaded {version}." if version else "Ladder already current.")
        user_ids = None
        if options["user"]:
            names = [n.lower() for n in options["user"]]
            found = dict(User.objects.filter(username__in=names).values_list("username", "pk"))
            missing = sorted(set(names) - set(found))
            if missing:
                raise CommandError(f"No such people: {', '.join(missing)}")
            user_ids = sorted(found.values())
        summary = batch.run(incremental=options["incremental"], user_ids=user_ids)
        self.stdout.write(
            f"{summary.mode} run: {summary.users:,} people, {summary.changes:,} changes "
            f"in {summary.seconds:.2f} s"
        )
