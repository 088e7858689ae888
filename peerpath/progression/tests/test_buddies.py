"""The buddy program: who is paired with whom (same band only, capacity, blocks, optimal
assignment), idempotence, check-ins, ending, safeguarding upkeep, reminders and the pages."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import dateformat, timezone

from peerpath.accounts import services as account_services
from peerpath.accounts.models import User
from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory, years_ago
from peerpath.core.errors import Conflict, NotFound, Refused
from peerpath.progression import tasks
from peerpath.progression.models import Achievement, AwardSource, AwardState, BuddyPair
from peerpath.progression.selectors.buddies import (
    BUDDY_CAPACITY,
    active_counts,
    buddies_of,
    candidates,
    due_check_ins,
)
from peerpath.progression.services.awards import grant_award, revoke_award
from peerpath.progression.services.buddies import (
    buddy_quality,
    choose_pairs,
    end_cross_band_pairs,
    end_pair,
    pair_new_leaders,
    record_check_in,
    send_check_in_reminders,
)
from tests.authz import mask_csrf

pytestmark = pytest.mark.django_db

XSS = "<script>alert('x')</script>"
ESCAPED = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"
TRACK_II = "Track II: quality of the group chats"
BUDDIES_URL = "/path/buddies/"


def grant(user: User, slug: str, *, days_ago: float, track: str = "") -> None:
    grant_award(
        user=user,
        achievement=Achievement.objects.get(slug=slug),
        source=AwardSource.STAFF,
        reasons="test",
        at=timezone.now() - dt.timedelta(days=days_ago),
        track=track,
    )


def leader(
    name: str,
    *,
    teen: bool = False,
    slug: str = "chatroom-moderator",
    days: float = 100,
    track: str = "",
    **kwargs: Any,
) -> User:
    user: User = UserFactory.create(username=name, teen=teen, listener=True, **kwargs)
    grant(user, slug, days_ago=days, track=track)
    return user


def newcomer(
    name: str, *, teen: bool = False, slug: str = "room-supporter", days: float = 2, **kwargs: Any
) -> User:
    user: User = UserFactory.create(username=name, teen=teen, listener=True, **kwargs)
    grant(user, slug, days_ago=days)
    return user


def buddy_of(user: User) -> str | None:
    pair = BuddyPair.objects.filter(newcomer=user).select_related("buddy").first()
    return pair.buddy.username if pair else None


def fill(buddy: User, n: int) -> None:
    """Give ``buddy`` n active pairs with other (already paired) newcomers."""
    for i in range(n):
        other = newcomer(f"filler-{buddy.username}-{i}", teen=buddy.is_teen)
        BuddyPair.objects.create(
            newcomer=other,
            buddy=buddy,
            achievement=Achievement.objects.get(slug="room-supporter"),
            check_in_due=timezone.now() + dt.timedelta(days=14),
        )


@pytest.fixture
def login() -> Callable[[User], Client]:
    def _login(user: User) -> Client:
        c = Client()
        c.force_login(user)
        return c

    return _login


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
    from peerpath.progression.models import Award

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


# --- check-ins and ending ------------------------------------------------------------------


@pytest.fixture
def pair() -> BuddyPair:
    leader("ci-mod")
    newcomer("ci-new")
    [created] = pair_new_leaders()
    return created


def test_either_person_records_the_check_in_once(pair: BuddyPair) -> None:
    done = record_check_in(pair=pair, user=pair.buddy, note="  We talked, all good.  ").pair
    assert done.checked_in_at is not None
    assert done.check_in_note == "We talked, all good."
    with pytest.raises(Conflict, match="already recorded"):
        record_check_in(pair=pair, user=pair.newcomer, note="Me too")
    pair.refresh_from_db()
    assert pair.check_in_note == "We talked, all good."


def test_check_in_refusals_save_nothing(pair: BuddyPair) -> None:
    outsider = UserFactory.create(username="nosy", listener=True)
    with pytest.raises(NotFound) as exc:
        record_check_in(pair=pair, user=outsider, note="Hi")
    assert exc.value.status == 404
    for note in ["", "   ", "x" * 1501, "bad\x00note"]:
        with pytest.raises(Refused) as refused:
            record_check_in(pair=pair, user=pair.newcomer, note=note)
        assert refused.value.status == 400
    assert record_check_in(pair=pair, user=pair.newcomer, note="x" * 1500)
    pair.refresh_from_db()
    assert len(pair.check_in_note) == 1500


def test_an_ended_pair_cannot_check_in_or_end_again(pair: BuddyPair) -> None:
    outsider = UserFactory.create(username="nosy2", listener=True)
    with pytest.raises(NotFound):
        end_pair(pair=pair, user=outsider)
    ended = end_pair(pair=pair, user=pair.buddy)
    assert ended.status == BuddyPair.Status.ENDED
    with pytest.raises(Conflict):
        end_pair(pair=pair, user=pair.newcomer)
    with pytest.raises(Conflict) as exc:
        record_check_in(pair=pair, user=pair.newcomer, note="Hello")
    assert exc.value.status == 409
    pair.refresh_from_db()
    assert pair.checked_in_at is None


def test_ending_frees_the_buddys_place(pair: BuddyPair) -> None:
    end_pair(pair=pair, user=pair.newcomer)
    assert active_counts([pair.buddy_id]) == {}


# --- safeguarding upkeep -------------------------------------------------------------------


def test_pairs_that_cross_bands_end_when_a_teen_turns_18(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    older_teen = UserFactory.create(
        username="almost-18", listener=True, date_of_birth=years_ago(18, days=-2)
    )
    assert older_teen.is_teen
    grant(older_teen, "chatroom-moderator", days_ago=100)
    young = newcomer("young-new", teen=True)
    [pair] = pair_new_leaders()
    assert pair.buddy == older_teen
    now = timezone.now()
    assert end_cross_band_pairs(now) == 0

    later = now + dt.timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        assert end_cross_band_pairs(later) == 1
    pair.refresh_from_db()
    assert pair.status == BuddyPair.Status.ENDED
    # The delivery job sends every due mail: the pairing notices of the first (uncaptured)
    # transaction go out too, so look at the notices of the ending.
    assert sorted(m.to[0] for m in mail.outbox if "has ended" in m.subject) == [
        "almost-18@example.org",
        "young-new@example.org",
    ]
    assert end_cross_band_pairs(later) == 0
    # Not paired again for the same role, whatever happens.
    assert pair_new_leaders(now=later) == []
    assert BuddyPair.objects.filter(newcomer=young).count() == 1


def test_a_pair_that_crossed_bands_cannot_check_in_before_the_upkeep_runs() -> None:
    older_teen = UserFactory.create(
        username="turning", listener=True, date_of_birth=years_ago(18, days=-2)
    )
    grant(older_teen, "chatroom-moderator", days_ago=100)
    newcomer("kid-new", teen=True)
    [pair] = pair_new_leaders()
    User.objects.filter(pk=older_teen.pk).update(date_of_birth=years_ago(18, days=1))
    with pytest.raises(Refused) as exc:
        record_check_in(pair=pair, user=pair.newcomer, note="hello")
    assert exc.value.status == 403
    [item] = buddies_of(pair.newcomer)
    assert not item.allowed
    assert not item.can_check_in


# --- due check-ins and reminders -----------------------------------------------------------


def test_due_check_ins_and_one_reminder_per_pair(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    leader("rem-mod")
    newcomer("rem-new")
    leader("rem-mod-2", days=70)
    newcomer("rem-done")
    start = tasks.scheduled_instant(timezone.now())
    created = pair_new_leaders(now=start)
    assert len(created) == 2
    done = next(p for p in created if p.newcomer.username == "rem-done")
    record_check_in(pair=done, user=done.newcomer, note="Done early.")
    pending = next(p for p in created if p.newcomer.username == "rem-new")

    assert list(due_check_ins(start + dt.timedelta(days=13))) == []
    assert list(due_check_ins(start + dt.timedelta(days=14))) == [pending]

    # The daily job, run at its scheduled instant (even when the consumer is late), over a
    # month: exactly one reminder for the pending pair, none for the checked-in one.
    sent = 0
    with django_capture_on_commit_callbacks(execute=True):
        for day in range(1, 31):
            late = dt.timedelta(minutes=day % 7, seconds=day)
            sent += send_check_in_reminders(
                tasks.scheduled_instant(start + dt.timedelta(days=day) + late)
            )
    assert sent == 1
    # The delivery job sends every due mail (the pairing notices too): look at reminders.
    reminders = [m for m in mail.outbox if m.subject == "[peerpath] Time for your buddy check-in"]
    assert sorted(m.to[0] for m in reminders) == ["rem-mod@example.org", "rem-new@example.org"]


def test_scheduled_instant_is_the_last_daily_slot() -> None:
    slot = dt.datetime(2025, 3, 10, 5, 20, tzinfo=dt.UTC)
    assert tasks.scheduled_instant(slot) == slot
    assert tasks.scheduled_instant(slot + dt.timedelta(hours=3)) == slot
    assert tasks.scheduled_instant(slot - dt.timedelta(seconds=1)) == slot - dt.timedelta(days=1)


def test_the_daily_job_runs_the_upkeep() -> None:
    leader("job-mod")
    newcomer("job-new")
    tasks.buddy_upkeep.call_local()
    assert buddy_of(User.objects.get(username="job-new")) == "job-mod"


# --- pages ---------------------------------------------------------------------------------


def test_the_buddies_page_needs_a_login(client: Client) -> None:
    response = client.get(BUDDIES_URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_buddies_page_shows_both_sides(
    pair: BuddyPair, login: Callable[[User], Client]
) -> None:
    body = login(pair.newcomer).get(BUDDIES_URL).content.decode()
    assert f'href="/accounts/people/{pair.buddy.username}/"' in body
    assert "your buddy as Room Supporter" in body
    local_due = timezone.localtime(pair.check_in_due, pair.newcomer.tzinfo)
    assert dateformat.format(local_due, "j F Y") in body
    assert f'action="/path/buddies/{pair.pk}/check-in/"' in body

    body = login(pair.buddy).get(BUDDIES_URL).content.decode()
    assert f'href="/accounts/people/{pair.newcomer.username}/"' in body
    assert "New leaders you are buddy to" in body

    body = login(UserFactory.create(username="lonely")).get(BUDDIES_URL).content.decode()
    assert 'data-testid="no-buddies"' in body


def test_check_in_through_the_page(pair: BuddyPair, login: Callable[[User], Client]) -> None:
    c = login(pair.newcomer)
    url = reverse("progression-buddy-check-in", args=[pair.pk])
    response = c.post(url, {"note": XSS})
    assert response.status_code == 302
    assert response["Location"] == BUDDIES_URL
    pair.refresh_from_db()
    assert pair.check_in_note == XSS
    body = c.get(BUDDIES_URL).content.decode()
    assert ESCAPED in body
    assert XSS not in body
    assert 'data-testid="checked-in"' in body
    assert url not in body

    again = login(pair.buddy).post(url, {"note": "Again"})
    assert again.status_code == 409
    assert "already recorded" in again.content.decode()


def test_check_in_bad_input_answers_400_and_keeps_the_text(
    pair: BuddyPair, login: Callable[[User], Client]
) -> None:
    c = login(pair.buddy)
    url = reverse("progression-buddy-check-in", args=[pair.pk])
    response = c.post(url, {"note": "   "})
    assert response.status_code == 400
    assert "Write a few words" in response.content.decode()
    long = "y" * 1501
    response = c.post(url, {"note": long})
    assert response.status_code == 400
    assert long in response.content.decode()
    response = c.post(url, {"note": "nul\x00here"})
    assert response.status_code == 400
    response = c.post(url, {"note": ["a", "b"], "extra": XSS})
    assert response.status_code in (302, 400)
    assert c.get(url).status_code == 405


def test_check_in_by_others_or_on_missing_pairs_is_404(
    pair: BuddyPair, login: Callable[[User], Client]
) -> None:
    outsider = login(UserFactory.create(username="outsider", listener=True))
    url = reverse("progression-buddy-check-in", args=[pair.pk])
    theirs = outsider.post(url, {"note": ""})
    missing = outsider.post(reverse("progression-buddy-check-in", args=[999999]), {"note": ""})
    assert theirs.status_code == missing.status_code == 404
    # Someone else's pairing looks exactly like a missing one (CSRF tokens differ per page).
    assert mask_csrf(theirs.content) == mask_csrf(missing.content)
    assert outsider.post("/path/buddies/abc/check-in/", {"note": "hi"}).status_code == 404
    pair.refresh_from_db()
    assert pair.checked_in_at is None


def test_an_ended_pair_shows_no_form(pair: BuddyPair, login: Callable[[User], Client]) -> None:
    end_pair(pair=pair, user=pair.newcomer)
    c = login(pair.buddy)
    body = c.get(BUDDIES_URL).content.decode()
    assert "This pairing has ended." in body
    url = reverse("progression-buddy-check-in", args=[pair.pk])
    assert url not in body
    response = c.post(url, {"note": "late"})
    assert response.status_code == 409
    assert "has ended" in response.content.decode()


def test_suspended_people_cannot_use_the_buddy_pages(
    world: Any, login: Callable[[User], Client]
) -> None:
    c = login(world.suspended)
    assert c.get(BUDDIES_URL).status_code == 403
    assert c.post(reverse("progression-buddy-check-in", args=[1]), {"note": "x"}).status_code == 403
