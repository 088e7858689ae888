"""The per-pair rollup: values computed by hand on the fixed dataset, and incremental
refreshes that end where a full rebuild does."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from peerpath.mentorship.models import (
    CheckIn,
    Conversation,
    ConversationKind,
    Flag,
    Mentorship,
    MentorshipStatus,
)
from peerpath.partners.models import PairStat, RollupState
from peerpath.partners.rollup import rebuild_pair_stats, refresh_pair_stats
from peerpath.partners.tests.dataset import DAY, Dataset

pytestmark = pytest.mark.django_db


def snapshot() -> dict[int, tuple[object, ...]]:
    return {
        s.pk: (
            s.mentor_id,
            s.mentee_id,
            s.band,
            s.status,
            s.started_at,
            s.conversations,
            s.last_contact,
            s.open_flags,
            s.check_ins,
            s.quiet_since,
            s.mentor_name,
            s.mentee_name,
        )
        for s in PairStat.objects.all()
    }


def test_rollup_values_match_the_hand_computed_figures(data: Dataset) -> None:
    t = data.today
    stats = {s.pk: s for s in PairStat.objects.all()}
    by_name = {name: stats.get(m.pk) for name, m in data.pairs.items()}
    assert by_name["P7"] is None  # a proposal is not a mentorship yet
    assert len(stats) == 6
    expected = {
        # name: (band, status, conversations, last contact, open flags, check-ins)
        "P1": ("adult", "active", 3, t - 20 * DAY, 1, 2),
        "P2": ("adult", "active", 0, None, 0, 0),
        "P3": ("adult", "active", 1, t - 2 * DAY, 0, 1),
        "P4": ("adult", "ended", 2, t - 80 * DAY, 0, 0),
        "P5": ("teen", "active", 0, None, 0, 0),
        "P6": ("teen", "active", 2, t - 25 * DAY, 1, 0),
    }
    for name, (band, status, convs, last, flags, checks) in expected.items():
        s = by_name[name]
        assert s is not None
        assert (s.band, s.status, s.conversations, s.last_contact, s.open_flags, s.check_ins) == (
            band,
            status,
            convs,
            last,
            flags,
            checks,
        ), name
        assert s.mentor_id == data.pairs[name].mentor_id
        assert s.started_at == data.pairs[name].started_at
        assert s.mentor_name == data.pairs[name].mentor.username
        assert s.mentee_name == data.pairs[name].mentee.username
    quiet = {name: by_name[name].quiet_since for name in expected}  # type: ignore[union-attr]
    start_day = {name: data.pairs[name].started_at.date() for name in expected}  # type: ignore[union-attr]
    assert quiet == {
        "P1": t - 20 * DAY,  # last conversation
        "P2": start_day["P2"],  # never talked: since the start
        "P3": t - 2 * DAY,
        "P4": t - 80 * DAY,
        "P5": start_day["P5"],
        "P6": t - 25 * DAY,
    }
    state = RollupState.objects.get()
    assert state.rebuilt_at is not None
    assert state.last_touched == 6


def test_incremental_refresh_touches_only_changed_pairs_and_equals_a_rebuild(
    data: Dataset,
) -> None:
    p = data.pairs
    now = timezone.now()
    # given: a conversation for P2, P1's open flag resolved, P3 ended, a check-in for P5
    Conversation.objects.create(mentorship=p["P2"], kind=ConversationKind.CALL, day=now.date())
    flag = Flag.objects.get(mentorship=p["P1"], resolved_at__isnull=True)
    flag.resolved_at = now
    flag.save()
    m3 = Mentorship.objects.get(pk=p["P3"].pk)
    m3.status = MentorshipStatus.ENDED
    m3.ended_at = now
    m3.end_reason = "completed"
    m3.save()
    CheckIn.objects.create(mentorship=p["P5"], author=data.mentees["te1"], rating=5)
    # when
    touched = refresh_pair_stats(now=timezone.now())
    # then
    assert touched == 4
    incremental = snapshot()
    assert incremental[p["P2"].pk][5:7] == (1, now.date())
    assert incremental[p["P1"].pk][7] == 0
    assert incremental[p["P3"].pk][3] == "ended"
    assert incremental[p["P5"].pk][8] == 1
    rebuild_pair_stats()
    assert snapshot() == incremental


def test_refresh_removes_a_pair_that_is_gone_and_adds_a_new_one(data: Dataset) -> None:
    p = data.pairs
    p["P4"].delete()  # cascades its row away
    proposal = Mentorship.objects.get(pk=p["P7"].pk)
    proposal.status = MentorshipStatus.ACTIVE
    proposal.started_at = timezone.now() - dt.timedelta(minutes=5)
    proposal.save()
    assert refresh_pair_stats() == 1
    incremental = snapshot()
    assert p["P7"].pk in incremental
    assert p["P4"].pk not in incremental
    rebuild_pair_stats()
    assert snapshot() == incremental


def test_nothing_changed_touches_nothing_and_a_mentee_turning_18_moves_the_band(
    data: Dataset,
) -> None:
    assert refresh_pair_stats() == 0
    # a teen mentee's 18th birthday passes (written the way the account service does)
    from peerpath.accounts.models import User

    te2 = data.mentees["te2"]
    User.objects.filter(pk=te2.pk).update(adult_from=timezone.now() - dt.timedelta(seconds=1))
    assert refresh_pair_stats() == 1
    assert PairStat.objects.get(pk=data.pairs["P6"].pk).band == "mixed"


def test_refresh_without_a_watermark_is_a_full_rebuild(db: None) -> None:
    assert refresh_pair_stats() == 0
    assert RollupState.objects.get().rebuilt_at is not None


def test_the_periodic_task_refreshes(data: Dataset) -> None:
    from peerpath.partners import tasks

    Conversation.objects.create(
        mentorship=data.pairs["P5"], kind=ConversationKind.CHAT, day=timezone.now().date()
    )
    tasks.refresh_pair_stats.call_local()
    assert PairStat.objects.get(pk=data.pairs["P5"].pk).conversations == 1


def test_the_command_rebuilds_then_refreshes(data: Dataset) -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("refresh_pair_stats", "--full", stdout=out)
    assert PairStat.objects.count() == len(snapshot()) > 0
    assert "rebuilt" in out.getvalue()
    call_command("refresh_pair_stats", stdout=out)
    assert "refreshed 0 rows" in out.getvalue()
