"""The buddy program after pairing: check-ins, ending, safeguarding upkeep, reminders and the
pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import dateformat, timezone

from peerpath.accounts.models import User
from peerpath.accounts.tests.factories import UserFactory, years_ago
from peerpath.core.errors import Conflict, NotFound, Refused
from peerpath.progression import tasks
from peerpath.progression.models import BuddyPair
from peerpath.progression.selectors.buddies import active_counts, buddies_of, due_check_ins
from peerpath.progression.services.buddies import (
    end_cross_band_pairs,
    end_pair,
    pair_new_leaders,
    record_check_in,
    send_check_in_reminders,
)
from peerpath.progression.tests.helpers import (
    BUDDIES_URL,
    ESCAPED,
    XSS,
    buddy_of,
    grant,
    leader,
    newcomer,
)
from tests.authz import mask_csrf

pytestmark = pytest.mark.django_db

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
