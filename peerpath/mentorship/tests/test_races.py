"""Races: two people taking the last slot at once must leave capacity exact.

Real threads, real connections, real transactions (``transaction=True``). On PostgreSQL the
mentor's profile row lock serialises the accepts; on SQLite every transaction is
``IMMEDIATE`` (the write lock is taken at BEGIN). Either way exactly one side wins and the
other gets a clear refusal.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import OperationalError, close_old_connections, connection

from peerpath.core.errors import Refused
from peerpath.mentorship.models import Mentorship, RequestTarget
from peerpath.mentorship.selectors import common as common_reads
from peerpath.mentorship.services import requests
from peerpath.mentorship.tests.factories import make_listener, make_mentor

pytestmark = pytest.mark.django_db(transaction=True)

GOAL = "Help me grow as a listener."


def race(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls at the same instant in threads; return results or exceptions."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        close_old_connections()
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # the outcome under test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def lost(result: Any) -> bool:
    # SQLite's in-memory test database (shared cache) reports a busy lock at once instead of
    # waiting; a file database with busy_timeout (production) waits and then refuses.
    return isinstance(result, Refused) or (
        isinstance(result, OperationalError) and "locked" in str(result)
    )


@pytest.fixture
def slow_count(monkeypatch):
    """Widen the window between counting a mentor's load and writing the mentorship, so an
    unlocked implementation would let both sides count 0 and both win."""
    real = common_reads.mentor_load

    def slow(mentor_id: int) -> int:
        n = real(mentor_id)
        time.sleep(0.3)
        return n

    monkeypatch.setattr(common_reads, "mentor_load", slow)


def test_two_accepts_for_the_last_slot_leave_capacity_exact(slow_count):
    mentor = make_mentor(capacity=1)
    r1 = requests.request_mentors(mentee=make_listener(), mentors=[mentor], goal=GOAL).obj
    r2 = requests.request_mentors(mentee=make_listener(), mentors=[mentor], goal=GOAL).obj
    t1, t2 = r1.targets.get().pk, r2.targets.get().pk
    results = race(
        lambda: requests.respond_to_request(mentor=mentor, target_id=t1, accept=True).obj,
        lambda: requests.respond_to_request(mentor=mentor, target_id=t2, accept=True).obj,
    )
    winners = [r for r in results if isinstance(r, Mentorship)]
    assert len(winners) == 1, results
    assert all(lost(r) for r in results if not isinstance(r, Mentorship)), results
    assert common_reads.mentor_load(mentor.pk) == 1
    assert Mentorship.objects.count() == 1


def test_two_mentors_accepting_the_same_listener_at_once_make_one_mentorship():
    mentee = make_listener()
    a, b = make_mentor(), make_mentor()
    ra = requests.request_mentors(mentee=mentee, mentors=[a], goal=GOAL).obj
    rb = requests.request_mentors(mentee=mentee, mentors=[b], goal=GOAL).obj
    ta, tb = ra.targets.get().pk, rb.targets.get().pk
    results = race(
        lambda: requests.respond_to_request(mentor=a, target_id=ta, accept=True).obj,
        lambda: requests.respond_to_request(mentor=b, target_id=tb, accept=True).obj,
    )
    assert sum(isinstance(r, Mentorship) for r in results) == 1, results
    assert Mentorship.objects.filter(mentee=mentee).count() == 1


def test_a_double_submitted_request_is_stored_once():
    mentee, mentor = make_listener(), make_mentor()
    results = race(
        lambda: requests.request_mentors(mentee=mentee, mentors=[mentor], goal=GOAL).obj,
        lambda: requests.request_mentors(mentee=mentee, mentors=[mentor], goal=GOAL).obj,
    )
    assert sum(not isinstance(r, Exception) for r in results) == 1, results
    assert all(lost(r) for r in results if isinstance(r, Exception)), results
    assert RequestTarget.objects.filter(mentee=mentee, mentor=mentor).count() == 1
