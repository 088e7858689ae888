"""Side effects after commit that must never undo the answer: broadcasts and queued jobs.

A service stores its row, then tells sockets (``<app>.realtime``) or queues a job (Huey) once
the transaction commits. Redis can be down at that moment: the row is saved, so the answer to
the person is still success. ``after_commit`` is the one place that runs such a side effect
after commit and logs its failure instead of raising it into the request (which answered 500
after the row was committed, and a retry then stored a duplicate). What a failed side effect
misses is caught up elsewhere: sockets resync from the database by id (``core.hub``), mail due
is retried by the periodic delivery task.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from django.db import transaction

logger = logging.getLogger(__name__)


def after_commit(fn: Callable[[], object], *, what: str, using: str | None = None) -> None:
    """Run ``fn`` once the current transaction commits (at once outside a transaction);
    an exception is logged with ``what`` (e.g. "mentorship message broadcast"), never
    raised."""
    transaction.on_commit(functools.partial(run_logged, fn, what), using=using)


def run_logged(fn: Callable[[], object], what: str) -> None:
    """Call ``fn``; log (with the traceback) and swallow whatever it raises."""
    try:
        fn()
    except Exception:
        logger.exception("%s failed after commit (the row is saved)", what)
