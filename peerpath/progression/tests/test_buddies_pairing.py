"""The buddy program's pairing: who is paired with whom (same band only, capacity, blocks,
optimal assignment), idempotence, and what both people are told."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from django.core import mail
from django.utils import timezone

from peerpath.accounts import services as account_services
from peerpath.accounts.models import User
from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.progression.models import Award, AwardState, BuddyPair
from peerpath.progression.selectors.buddies import BUDDY_CAPACITY, buddies_of, candidates
from peerpath.progression.services.awards import revoke_award
from peerpath.progression.services.buddies import (
    buddy_quality,
    choose_pairs,
    end_pair,
    pair_new_leaders,
    record_check_in,
)
from peerpath.progression.tests.helpers import (
    BUDDIES_URL,
    TRACK_II,
    buddy_of,
    fill,
    grant,
    leader,
    newcomer,
)

pytestmark = pytest.mark.django_db

# --- who is paired with whom ---------------------------------------------------------------


def test_new_leaders_get_an_experienced_buddy_of_their_own_band() -> None:
    adult_mod = leader("adult-mod")
    teen_mod = leader("teen-mod", teen=True)
    teen_new = newcomer("teen-new", teen=True)
    adult_new = newcomer("adult-new", slug="sharing-circle-host")
    before = timezone.now()

    created = pair_new_leaders()

    assert len(created) == 2
    assert buddy_of(teen_new) == "teen-mod"
    assert buddy_of(adult_new) == "adult-mod"
    pair = BuddyPair.objects.get(newcomer=adult_new)
    assert pair.status == BuddyPair.Status.ACTIVE
    assert pair.achievement.slug == "sharing-circle-host"
    assert pair.checked_in_at is None
    due = pair.check_in_due - before
    assert dt.timedelta(days=14) <= due < dt.timedelta(days=14, minutes=1)
    assert {p.buddy for p in created} == {adult_mod, teen_mod}


def test_a_teen_newcomer_never_gets_an_adult_buddy_even_if_it_is_the_only_one() -> None:
    leader("only-adult", days=400, track=TRACK_II, slug="group-support-mentor")
    teen_new = newcomer("lonely-teen", teen=True)
    adult_new = newcomer("lonely-adult")
    leader("only-teen", teen=True)

    created = pair_new_leaders()

    assert buddy_of(teen_new) == "only-teen"
    assert buddy_of(adult_new) == "only-adult"
    assert all(p.newcomer.age_band is p.buddy.age_band for p in created)
    # Without the teen leader, the teen stays unpaired (and is tried again next time).
    other_teen = newcomer("other-teen", teen=True)
    BuddyPair.objects.filter(buddy__username="only-teen").update(status=BuddyPair.Status.ENDED)
    User.objects.filter(username="only-teen").update(is_active=False)
    assert pair_new_leaders() == []
    assert buddy_of(other_teen) is None


def test_only_recent_leaders_are_newcomers_and_only_seasoned_leaders_are_buddies() -> None:
    leader("too-fresh", days=20)  # a moderator for 20 days: not yet experienced
    leader("not-leading", slug="room-supporter", days=300)  # not an experienced role
    revoked = leader("revoked-mod", days=300)
    award = revoked_award(revoked)
    assert award.state == AwardState.REVOKED
    old = newcomer("old-hand", days=45)  # granted 45 days ago: past the newcomer window
    not_buddy_role = newcomer("new-gsm", slug="group-support-mentor", days=3)

    assert pair_new_leaders() == []

    seasoned = leader("seasoned", days=57)
    created = pair_new_leaders()
    assert [p.buddy for p in created] == [seasoned]
    assert created[0].newcomer.username == "too-fresh"  # a new moderator gets a buddy too
    assert buddy_of(old) is None
    assert buddy_of(not_buddy_role) is None


def revoked_award(user: User) -> Any:
    staff = UserFactory.create(username=f"staff-{user.username}", roles=[Role.STAFF])
    award = Award.objects.get(user=user)
    return revoke_award(award=award, actor=staff, reason="test")


def test_a_newcomer_is_not_their_own_buddy_but_may_be_someone_elses() -> None:
    both = leader("ambi", days=200)  # an experienced moderator …
    grant(both, "sharing-circle-host", days_ago=1)  # … who just became a host
    other = leader("other-mod", days=100)
    created = pair_new_leaders()
    assert [(p.newcomer, p.buddy) for p in created] == [(both, other)]


def test_capacity_is_respected_and_ended_pairs_free_a_place() -> None:
    busy = leader("busy-mod", days=300)
    fill(busy, 2)
    new = [newcomer(f"new-{i}") for i in range(3)]

    created = pair_new_leaders()

    assert len(created) == 1
    assert BuddyPair.objects.filter(buddy=busy, status="active").count() == BUDDY_CAPACITY
    assert sum(buddy_of(u) == "busy-mod" for u in new) == 1
    # One of the earlier pairs ends: the next run fills the place.
    ending = BuddyPair.objects.filter(buddy=busy, newcomer__username__startswith="filler")[0]
    end_pair(pair=ending, user=ending.newcomer)
    assert len(pair_new_leaders()) == 1
    assert BuddyPair.objects.filter(buddy=busy, status="active").count() == BUDDY_CAPACITY


def test_a_pairing_that_has_checked_in_frees_its_place_and_stays() -> None:
    # given a buddy whose three places are taken, and two newcomers waiting
    busy = leader("full-mod", days=300)
    fill(busy, BUDDY_CAPACITY)
    waiting = [newcomer(f"waiting-{i}") for i in range(2)]
    assert pair_new_leaders() == []
    # when one of the three pairs records its two-week check-in
    first = BuddyPair.objects.filter(buddy=busy).order_by("pk")[0]
    record_check_in(pair=first, user=first.newcomer, note="We talked: all good.")
    # then the next run gives one waiting newcomer that place; the checked-in pair stays
    created = pair_new_leaders()
    assert [p.buddy for p in created] == [busy]
    assert sum(buddy_of(u) == "full-mod" for u in waiting) == 1
    first.refresh_from_db()
    assert first.status == BuddyPair.Status.ACTIVE
    assert BuddyPair.objects.filter(buddy=busy, status="active").count() == BUDDY_CAPACITY + 1
    assert pair_new_leaders() == []  # three in their first weeks again: full


def test_many_newcomers_share_the_buddies_by_capacity() -> None:
    a, b = leader("mod-a", days=100), leader("mod-b", days=100)
    for i in range(8):
        newcomer(f"crowd-{i}")
    created = pair_new_leaders()
    assert len(created) == 2 * BUDDY_CAPACITY
    counts = {u.username: BuddyPair.objects.filter(buddy=u).count() for u in (a, b)}
    assert counts == {"mod-a": 3, "mod-b": 3}


def test_prefers_experience_room_and_track_ii() -> None:
    leader("veteran", days=365)
    leader("rookie", days=60)
    n1 = newcomer("nc-one")
    pair_new_leaders()
    assert buddy_of(n1) == "veteran"

    # Same experience: the one with fewer buddies wins.
    loaded = leader("loaded", days=200)
    free = leader("free", days=200)
    fill(loaded, 1)
    User.objects.filter(username__in=["veteran", "rookie"]).update(is_active=False)
    n2 = newcomer("nc-two")
    pair_new_leaders()
    assert buddy_of(n2) == "free"
    assert loaded.pk != free.pk

    # Track II Group Support Mentors look after new leaders: the bonus beats more tenure.
    leader("track-two", slug="group-support-mentor", days=100, track=TRACK_II)
    leader("track-one", slug="group-support-mentor", days=150, track="Track I: building")
    User.objects.filter(username__in=["loaded", "free"]).update(is_active=False)
    n3 = newcomer("nc-three")
    pair_new_leaders()
    assert buddy_of(n3) == "track-two"


def test_the_assignment_is_optimal_where_greedy_is_not() -> None:
    """The best buddy (star) has one place left. Greedy gives it to the first newcomer, who
    could also have had the second buddy, and leaves the other newcomer (who has blocked the
    second buddy) without anyone. The optimum pairs both."""
    star = leader("star", slug="group-support-mentor", days=400, track=TRACK_II)
    fill(star, 2)
    plain = leader("plain", days=60)
    first = newcomer("first-new", days=5)
    second = newcomer("second-new", days=1)
    account_services.block_user(blocker=second, blocked=plain)
    now = timezone.now()
    pool = {c.user.username: c for c in candidates(now)}
    q = {
        name: float(buddy_quality([c.experience_days], [c.active], [c.track_ii])[0])
        for name, c in pool.items()
    }
    # Greedy in arrival order: first-new takes star (the better one), second-new gets nobody.
    greedy_total = q["star"]
    optimal_total = q["star"] + q["plain"]

    created = pair_new_leaders(now=now)

    assert {(p.newcomer.username, p.buddy.username) for p in created} == {
        ("first-new", "plain"),
        ("second-new", "star"),
    }
    assert buddy_of(first) == "plain"
    assert buddy_of(second) == "star"
    chosen = sum(q[p.buddy.username] for p in created)
    assert chosen == pytest.approx(optimal_total)
    assert chosen > greedy_total


def _brute_force(
    n_rows: int, rows: list[int], cols: list[int], quality: list[float], remaining: list[int]
) -> tuple[int, float]:
    """Best (pairs, total quality) by trying every assignment."""
    options: list[list[int | None]] = [[None] for _ in range(n_rows)]
    for k, r in enumerate(rows):
        options[r].append(k)
    best = (0, 0.0)
    for choice in itertools.product(*options):
        arcs = [k for k in choice if k is not None]
        used = np.bincount([cols[k] for k in arcs], minlength=len(remaining))
        if np.any(used > np.asarray(remaining)):
            continue
        value = (len(arcs), round(sum(quality[k] for k in arcs), 6))
        best = max(best, value)
    return best


@pytest.mark.parametrize("seed", range(25))
def test_choose_pairs_matches_the_exhaustive_optimum(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_rows, n_cols = int(rng.integers(1, 6)), int(rng.integers(1, 4))
    mask = rng.random((n_rows, n_cols)) < 0.6
    rows, cols = (a.astype(np.int64) for a in np.nonzero(mask))
    # Quality depends on the buddy, as in the product.
    col_quality = buddy_quality(
        rng.integers(56, 500, n_cols), rng.integers(0, 3, n_cols), rng.random(n_cols) < 0.3
    )
    quality = col_quality[cols]
    remaining = rng.integers(0, 3, n_cols).astype(np.int64)

    chosen = choose_pairs(rows, cols, quality, remaining, n_rows)

    assert np.bincount(rows[chosen], minlength=n_rows).max(initial=0) <= 1
    assert np.all(np.bincount(cols[chosen], minlength=n_cols) <= remaining)
    got = (int(chosen.sum()), round(float(quality[chosen].sum()), 6))
    expected = _brute_force(
        n_rows, rows.tolist(), cols.tolist(), quality.tolist(), remaining.tolist()
    )
    assert got[0] == expected[0]
    assert got[1] == pytest.approx(expected[1], abs=1e-2)


def test_pairing_twice_creates_nothing_new() -> None:
    leader("mod-1")
    newcomer("new-1")
    newcomer("new-2")
    first = pair_new_leaders()
    assert len(first) == 2
    assert pair_new_leaders() == []
    assert BuddyPair.objects.count() == 2


def test_a_later_role_gets_its_own_pairing_but_an_ended_buddy_is_not_reused() -> None:
    mod_x = leader("mod-x", days=300)
    leader("mod-y", days=60)
    new = newcomer("climber")
    pair_new_leaders()
    assert buddy_of(new) == "mod-x"
    end_pair(pair=BuddyPair.objects.get(newcomer=new), user=new)

    grant(new, "sharing-circle-host", days_ago=0.5)
    created = pair_new_leaders()
    assert [(p.achievement.slug, p.buddy.username) for p in created] == [
        ("sharing-circle-host", "mod-y")
    ]
    assert mod_x.pk not in {p.buddy_id for p in created}


@pytest.mark.parametrize("direction", ["newcomer_blocks", "buddy_blocks"])
def test_blocks_are_respected_both_ways(direction: str) -> None:
    blocked_mod = leader("blocked-mod", days=400)
    leader("fine-mod", days=60)
    new = newcomer("blocker")
    if direction == "newcomer_blocks":
        account_services.block_user(blocker=new, blocked=blocked_mod)
    else:
        account_services.block_user(blocker=blocked_mod, blocked=new)
    pair_new_leaders()
    assert buddy_of(new) == "fine-mod"


def test_suspended_people_are_not_paired() -> None:
    mod = leader("sus-mod", days=300)
    staff = UserFactory.create(username="sus-staff", roles=[Role.STAFF])
    account_services.suspend_user(
        actor=staff, user=mod, until=timezone.now() + dt.timedelta(days=2), reason="Rudeness."
    )
    newcomer("waiting")
    assert pair_new_leaders() == []


def test_both_people_are_told_after_commit_and_no_email_is_quiet(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    leader("mailed-mod", email="mailed-mod@example.org")
    newcomer("no-mail", email="")
    with django_capture_on_commit_callbacks(execute=True):
        created = pair_new_leaders()
    assert len(created) == 1
    assert [m.to for m in mail.outbox] == [["mailed-mod@example.org"]]
    assert "no-mail" in mail.outbox[0].body
    assert BUDDIES_URL in mail.outbox[0].body

    mail.outbox.clear()
    newcomer("with-mail", email="with-mail@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        pair_new_leaders()
    assert sorted(m.to[0] for m in mail.outbox) == [
        "mailed-mod@example.org",
        "with-mail@example.org",
    ]
    welcome = next(m for m in mail.outbox if m.to == ["with-mail@example.org"])
    assert "mailed-mod" in welcome.body
    assert "Room Supporter" in welcome.body


def test_buddies_of_lists_both_sides() -> None:
    mod = leader("side-mod")
    new = newcomer("side-new")
    pair_new_leaders()
    [as_new] = buddies_of(new)
    [as_buddy] = buddies_of(mod)
    assert as_new.other == mod
    assert as_new.i_am_newcomer
    assert as_buddy.other == new
    assert not as_buddy.i_am_newcomer
    assert as_new.can_check_in
    assert as_new.role_name == "Room Supporter"
    assert buddies_of(UserFactory.create(username="stranger")) == []
