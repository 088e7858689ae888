"""The dashboard's rollups and pages, checked against figures computed by hand on a small fixed
community whose history lies in the past."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.template import Context, Template
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.activity.models import ActivityEvent
from peerpath.analytics import selectors, tasks
from peerpath.analytics.models import (
    DailyActivity,
    ListenerFact,
    OverviewPoint,
    Panel,
    PeopleDay,
)
from peerpath.analytics.rollup import common, panels, refresh
from peerpath.mentorship.models import (
    CheckIn,
    Conversation,
    Flag,
    MentorProfile,
    Mentorship,
    MentorshipStatus,
)
from peerpath.mentorship.tests.factories import make_mentor
from peerpath.nudges.models import NudgeRule, NudgeSend
from peerpath.progression.models import Achievement, Award

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


@dataclass
class Community:
    now: dt.datetime
    staff: User
    l1: User
    l2: User
    l3: User
    mentor: User
    pair: Mentorship
    ended: Mentorship


def _listener(name: str, since: dt.datetime, *, teen: bool = False) -> User:
    user: User = UserFactory.create(username=name, listener=True, teen=teen)
    User.objects.filter(pk=user.pk).update(listener_since=since, date_joined=since)
    user.refresh_from_db()
    return user


def _event(user: User, kind: str, at: dt.datetime) -> None:
    ActivityEvent.objects.create(user=user, kind=kind, occurred_at=at, recorded_at=at)


def _award(user: User, slug: str, at: dt.datetime) -> None:
    Award.objects.create(
        user=user,
        achievement=Achievement.objects.get(slug=slug),
        state="active",
        source="staff",
        granted_at=at,
        changed_at=at,
    )


def build(now: dt.datetime) -> Community:
    """Staff (member); L1, L2 adult listeners since 200 days; L3 a teen listener since 50 days;
    one adult mentor (capacity 2) since 300 days with L1 (active, 3 conversations) and L2
    (matched 30 days ago, first conversation 5 days later, ended 20 days ago)."""
    staff: User = UserFactory.create(username="sam-staff", roles=[Role.STAFF])
    User.objects.filter(pk=staff.pk).update(date_joined=now - 400 * DAY)
    l1 = _listener("lee-one", now - 200 * DAY)
    l2 = _listener("lou-two", now - 200 * DAY)
    l3 = _listener("tia-teen", now - 50 * DAY, teen=True)
    mentor = make_mentor(username="max-mentor", capacity=2)
    User.objects.filter(pk=mentor.pk).update(
        listener_since=now - 300 * DAY, date_joined=now - 300 * DAY
    )
    MentorProfile.objects.filter(user=mentor).update(created_at=now - 250 * DAY)
    pair = Mentorship.objects.create(
        mentor=mentor, mentee=l1, status="active", source="request", started_at=now - 190 * DAY
    )
    ended = Mentorship.objects.create(
        mentor=mentor,
        mentee=l2,
        status=MentorshipStatus.ENDED,
        source="request",
        started_at=now - 30 * DAY,
        ended_at=now - 20 * DAY,
        end_reason="completed",
    )
    for days_ago in (180, 170, 5):
        Conversation.objects.create(mentorship=pair, kind="call", day=(now - days_ago * DAY).date())
    Conversation.objects.create(mentorship=ended, kind="call", day=(now - 25 * DAY).date())
    # Retention: L1 active in days 30-60 and 90-120 after joining, not 60-90; L2 never in a
    # window (one event 5 days ago, 195 days after joining).
    since = now - 200 * DAY
    _event(l1, "group_chat", since + 35 * DAY)
    _event(l1, "group_chat", since + 100 * DAY)
    _event(l2, "forum_post", now - 5 * DAY)
    _event(l2, "group_chat", now - 5 * DAY)
    open_flag = Flag.objects.create(
        mentorship=pair, raised_by=l1, topic="wellbeing", priority="can_wait"
    )
    Flag.objects.filter(pk=open_flag.pk).update(created_at=now - 10 * DAY)
    done = Flag.objects.create(
        mentorship=pair, raised_by=mentor, topic="no_contact", priority="can_wait"
    )
    Flag.objects.filter(pk=done.pk).update(created_at=now - 12 * DAY, resolved_at=now - 3 * DAY)
    CheckIn.objects.create(mentorship=pair, author=l1, rating=4, created_at=now - 8 * DAY)
    CheckIn.objects.create(mentorship=pair, author=mentor, rating=2, created_at=now - 8 * DAY)
    rule = NudgeRule.objects.order_by("pk").first()
    assert rule is not None
    NudgeSend.objects.create(rule=rule, user=l1, window="a", created_at=now - 2 * DAY)
    NudgeSend.objects.create(rule=rule, user=l2, window="b", created_at=now - 2 * DAY, sent=False)
    NudgeSend.objects.create(rule=rule, user=l2, window="c", created_at=now - 9 * DAY)
    _award(l1, "room-supporter", now - 100 * DAY)
    _award(l1, "chatroom-moderator", now - 40 * DAY)
    return Community(now, staff, l1, l2, l3, mentor, pair, ended)


@pytest.fixture
def community() -> Community:
    now = timezone.now() - dt.timedelta(hours=1)
    return build(now)


def current(band: str = "all") -> dict[str, float | None]:
    return dict(
        OverviewPoint.objects.filter(band=band, is_current=True).values_list("metric", "value")
    )


def test_overview_figures_match_hand_computed_values(community: Community) -> None:
    refresh.rebuild(now=community.now)
    figures = current()
    assert figures["members"] == 1
    assert figures["listeners"] == 4
    assert figures["mentors"] == 1
    assert figures["mentor_capacity"] == 2
    assert figures["active_mentorships"] == 1
    assert figures["listener_mentor_share"] == 0.25
    assert figures["mentor_load"] == 1.0
    assert (figures["pairs_conv_0"], figures["pairs_conv_1_2"], figures["pairs_conv_3plus"]) == (
        0,
        0,
        1,
    )
    assert figures["median_days_first_conversation"] == 5  # only L2's pair began in 90 days
    assert figures["flags_pending"] == 1
    assert figures["flags_resolved_week"] == 1
    assert figures["nudges_sent_week"] == 1  # the control row and the older one do not count
    assert figures["roles_held"] == 2
    teen = current("teen")
    assert (teen["listeners"], teen["members"], teen["active_mentorships"]) == (1, 0, 0)
    assert teen["median_days_first_conversation"] is None
    assert teen["listener_mentor_share"] == 0


def test_weekly_trend_points_follow_the_history(community: Community) -> None:
    refresh.rebuild(now=community.now)
    points = common.week_points(community.now)
    got = dict(
        OverviewPoint.objects.filter(
            band="all", metric="active_mentorships", is_current=False
        ).values_list("at", "value")
    )
    assert sorted(got) == points
    for t in points:
        # L1's pair all along; L2's pair from 30 to 20 days ago.
        expected = 1 + (1 if community.now - 30 * DAY <= t < community.now - 20 * DAY else 0)
        assert got[t] == expected
    listeners = dict(
        OverviewPoint.objects.filter(band="teen", metric="listeners", is_current=False).values_list(
            "at", "value"
        )
    )
    for t in points:
        assert listeners[t] == (1 if t >= community.now - 50 * DAY else 0)


def test_retention_with_and_without_a_mentor(community: Community) -> None:
    refresh.rebuild(now=community.now)
    facts = {f.user_id: f for f in ListenerFact.objects.all()}
    l1 = facts[community.l1.pk]
    assert (l1.active_30, l1.active_60, l1.active_90) == (True, False, True)
    assert l1.first_mentor_at == community.now - 190 * DAY
    l2 = facts[community.l2.pk]
    assert (l2.active_30, l2.active_60, l2.active_90, l2.first_mentor_at) == (
        False,
        False,
        False,
        None,
    )
    l3 = facts[community.l3.pk]
    assert (l3.band, l3.active_30) == ("teen", None)  # its window has not ended
    rows = {
        (r.horizon, r.group): r for r in selectors.retention(selectors.panels("all")["retention"])
    }
    assert (rows[(30, "with a mentor")].eligible, rows[(30, "with a mentor")].active) == (1, 1)
    # Without: L2 and the mentor (a listener for 300 days, never active in a window).
    assert (rows[(30, "without a mentor")].eligible, rows[(30, "without a mentor")].active) == (
        2,
        0,
    )
    assert rows[(60, "with a mentor")].active == 0
    assert rows[(90, "with a mentor")].rate == 1.0
    low, high = rows[(90, "with a mentor")].low, rows[(90, "with a mentor")].high
    assert low is not None
    assert high == 1.0
    assert round(low, 4) == 0.2065
    cohorts = selectors.cohorts(selectors.panels("all")["retention"])
    month = (community.now - 200 * DAY).strftime("%Y-%m")
    row = next(c for c in cohorts if c.month == month)
    assert row.listeners >= 2
    assert row.rates[0] == 0.5


def test_funnel_load_flags_checkins_activity(community: Community) -> None:
    refresh.rebuild(now=community.now)
    by_key = selectors.panels("all")
    steps = {s["slug"]: s for s in by_key["funnel"]["steps"]}
    assert steps["listener"]["reached"] == 4
    assert steps["room-supporter"]["reached"] == 1
    assert steps["room-supporter"]["conversion"] == 0.25
    assert steps["room-supporter"]["median_days"] == 100.0
    assert steps["chatroom-moderator"]["median_days"] == 60.0
    assert steps["chatroom-moderator"]["conversion"] == 1.0
    assert steps["group-support-mentor"]["reached"] == 0
    assert by_key["mentor_load"]["mentors"][:3] == [0, 1, 0]
    flags = by_key["flag_topics"]
    assert sum(flags["series"]["wellbeing"]) == 1
    assert sum(flags["series"]["no_contact"]) == 1
    checkins = by_key["checkins"]
    assert sum(checkins["count"]) == 2
    assert [m for m in checkins["mean"] if m is not None] == [3.0]
    activity = selectors.daily_activity("all", community.now)
    assert sum(activity["events"]) == 2  # L2's two events 5 days ago
    day = (community.now - 5 * DAY).date().isoformat()
    assert activity["events"][activity["days"].index(day)] == 2
    assert selectors.daily_activity("teen", community.now)["events"] == [0] * 90


def _snapshot() -> dict[str, Any]:
    return {
        "activity": sorted(DailyActivity.objects.values_list("day", "kind", "band", "events")),
        "facts": sorted(
            ListenerFact.objects.values_list(
                "user_id",
                "since",
                "cohort",
                "band",
                "first_mentor_at",
                "active_30",
                "active_60",
                "active_90",
                "mentored_30",
                "mentored_90",
            )
        ),
        "points": sorted(
            OverviewPoint.objects.values_list("at", "band", "metric", "value", "is_current")
        ),
        # The nightly panels are the rebuild's alone (checked on their own below).
        "panels": sorted(
            Panel.objects.exclude(key__in=panels.NIGHTLY_PANELS).values_list("key", "band", "data")
        ),
        "people": sorted(PeopleDay.objects.values_list("day", "metric", "n")),
    }


@pytest.mark.parametrize("gap_days", [0, 1, 9, 40])
def test_incremental_refresh_equals_a_full_rebuild(community: Community, gap_days: int) -> None:
    later = community.now
    earlier = later - gap_days * DAY - dt.timedelta(hours=3)
    # The first refresh (a rebuild) at an earlier time, then new activity, then a refresh.
    refresh.refresh(now=earlier)
    for i in range(3):
        _event(community.l3, "group_chat", later - dt.timedelta(hours=1 + i))
    _event(community.l1, "forum_post", earlier - dt.timedelta(hours=1))  # late-recorded event
    refresh.refresh(now=later)
    incremental = _snapshot()
    nightly = dict(
        Panel.objects.filter(key__in=panels.NIGHTLY_PANELS)
        .values_list("key", "computed_at")
        .distinct()
    )
    assert nightly == dict.fromkeys(panels.NIGHTLY_PANELS, earlier)  # kept from the rebuild
    refresh.rebuild(now=later)
    assert _snapshot() == incremental
    nightly = dict(
        Panel.objects.filter(key__in=panels.NIGHTLY_PANELS)
        .values_list("key", "computed_at")
        .distinct()
    )
    assert nightly == dict.fromkeys(panels.NIGHTLY_PANELS, later)


def test_refresh_is_idempotent(community: Community) -> None:
    refresh.rebuild(now=community.now)
    refresh.refresh(now=community.now)
    first = _snapshot()
    refresh.refresh(now=community.now)
    assert _snapshot() == first


def test_management_command_and_tasks_run(community: Community) -> None:
    call_command("refresh_analytics", "--full")
    call_command("refresh_analytics")
    tasks.refresh_rollups.call_local()
    assert OverviewPoint.objects.filter(is_current=True).exists()


# --- Pages -----------------------------------------------------------------------------------


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_overview_page_shows_the_figures(community: Community) -> None:
    refresh.rebuild(now=community.now)
    response = _client(community.staff).get(reverse("analytics:overview"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Figures as of" in body
    assert "refreshed every 10 minutes" in body
    assert 'data-testid="figure-active_mentorships"' in body
    assert "25.0%" in body  # listeners with a mentor
    assert "/staff/mentorships/?conversations=0" in body
    assert "/staff/mentorships/?conversations=3%2B" in body
    assert 'id="analytics-data"' in body
    assert "<script>new" not in body


def test_charts_page_has_tables_and_the_caution(community: Community) -> None:
    refresh.rebuild(now=community.now)
    response = _client(community.staff).get(reverse("analytics:charts"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Correlation, not causation" in body
    assert 'data-testid="table-funnel"' in body
    assert "Room Supporter" in body
    assert "vendor/chartjs/chart.umd.min.js" in body
    assert "https://" not in body.split("<body")[0]  # nothing fetched from the internet
    teen = _client(community.staff).get(reverse("analytics:charts"), {"band": "teen"})
    assert teen.status_code == 200


@pytest.mark.parametrize("value", ["kids", "TEEN", "all", "<script>", "x" * 500])
def test_bad_band_filter_is_400_with_a_message(community: Community, value: str) -> None:
    for name in ("analytics:overview", "analytics:charts"):
        response = _client(community.staff).get(reverse(name), {"band": value})
        assert response.status_code == 400
        assert "Age band must be" in response.content.decode()


def test_permissions(community: Community) -> None:
    anonymous = Client().get(reverse("analytics:overview"))
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]
    moderator: User = UserFactory.create(username="mo-mod", listener=True, roles=[Role.MODERATOR])
    member: User = UserFactory.create(username="mia-member")
    for user in (member, community.l1, community.l3, community.mentor, moderator):
        for name in ("analytics:overview", "analytics:charts"):
            assert _client(user).get(reverse(name)).status_code == 403
    ambassador: User = UserFactory.create(
        username="amy-amb", listener=True, roles=[Role.AMBASSADOR]
    )
    client = _client(ambassador)
    assert client.get(reverse("analytics:overview")).status_code == 200
    assert client.get(reverse("analytics:charts"), {"band": "adult"}).status_code == 200
    # Ambassadors see their own band's figures only.
    assert client.get(reverse("analytics:charts"), {"band": "teen"}).status_code == 403


def test_query_counts_do_not_grow_with_data(
    community: Community, django_assert_max_num_queries: Any
) -> None:
    refresh.rebuild(now=community.now)
    client = _client(community.staff)
    # Each page includes the safeguarding triage (safety.selectors.triage): 5 queries more.
    with django_assert_max_num_queries(17):
        assert client.get(reverse("analytics:overview")).status_code == 200
    with django_assert_max_num_queries(19):
        assert client.get(reverse("analytics:charts")).status_code == 200
    # Ten times the people and events: the same number of queries.
    for i in range(30):
        user = _listener(f"extra-{i}", community.now - (i + 1) * 7 * DAY)
        for j in range(5):
            _event(user, "group_chat", community.now - (i + j) * DAY)
    refresh.rebuild(now=community.now)
    with django_assert_max_num_queries(17):
        assert client.get(reverse("analytics:overview")).status_code == 200
    with django_assert_max_num_queries(19):
        assert client.get(reverse("analytics:charts")).status_code == 200


def test_rollups_run_with_queries_logged(community: Community) -> None:
    """DEBUG (and query capture) formats each raw statement with its parameters: a stray %
    in the SQL would crash the demo's refresh."""
    with CaptureQueriesContext(connection) as captured:
        refresh.rebuild(now=community.now)
        refresh.refresh(now=community.now + DAY)
    assert any("strftime" in q["sql"] or "to_char" in q["sql"] for q in captured.captured_queries)


# --- Held roles (issue 19) -------------------------------------------------------------------


def _role(
    user: User, slug: str, at: dt.datetime, state: str, source: str, changed: dt.datetime
) -> Award:
    return Award.objects.create(
        user=user,
        achievement=Achievement.objects.get(slug=slug),
        state=state,
        source=source,
        granted_at=at,
        changed_at=changed,
    )


def test_funnel_counts_held_roles_whatever_their_source(community: Community) -> None:
    """Each step after Listener counts the people who hold the role now (an active award),
    granted by the ladder, an application or staff; a role that lapsed, was revoked or is
    paused for a missed training is not held."""
    now = community.now
    mod = _listener("mo-mod", now - 300 * DAY)
    _role(mod, "room-supporter", now - 250 * DAY, "active", "automatic", now - 250 * DAY)
    _role(mod, "chatroom-moderator", now - 200 * DAY, "active", "staff", now - 200 * DAY)
    _role(mod, "group-support-mentor", now - 20 * DAY, "pending_training", "staff", now - 2 * DAY)
    amb = _listener("amy-amb", now - 300 * DAY)
    _role(amb, "room-supporter", now - 280 * DAY, "lapsed", "automatic", now - 30 * DAY)
    _role(amb, "ambassador", now - 100 * DAY, "active", "staff", now - 100 * DAY)
    gone = _listener("gus-gone", now - 300 * DAY)
    _role(gone, "chatroom-moderator", now - 200 * DAY, "revoked", "staff", now - 10 * DAY)
    refresh.rebuild(now=now)
    steps = {s["slug"]: s for s in selectors.panels("all")["funnel"]["steps"]}
    # Room Supporter: L1 and the moderator (the ambassador's lapsed).
    assert steps["room-supporter"]["reached"] == 2
    # Moderator: L1 and the staff-granted one (the revoked one is not held).
    assert steps["chatroom-moderator"]["reached"] == 2
    assert steps["group-support-mentor"]["reached"] == 0  # paused for training
    assert steps["ambassador"]["reached"] == 1
    assert current()["roles_held"] == 5


def test_roles_held_at_each_week_counts_roles_held_then(community: Community) -> None:
    """The weekly points count the roles held at that instant, as the headline does now: a
    role that lapsed 10 days ago was held at the points before."""
    now = community.now
    mod = _listener("mo-mod", now - 300 * DAY)
    _role(mod, "chatroom-moderator", now - 200 * DAY, "lapsed", "staff", now - 10 * DAY)
    refresh.rebuild(now=now)
    got = dict(
        OverviewPoint.objects.filter(band="all", metric="roles_held", is_current=False).values_list(
            "at", "value"
        )
    )
    for t in common.week_points(now):
        # L1: Room Supporter since 100 days, Moderator since 40; the lapsed moderator until
        # 10 days ago.
        expected = (t >= now - 100 * DAY) + (t >= now - 40 * DAY) + (t < now - 10 * DAY)
        assert got[t] == expected, t
    assert current()["roles_held"] == 2


def test_each_trend_ends_with_the_headline_figure(community: Community) -> None:
    """The trend table and sparkline of every figure are one series with the headline: the
    weekly points, then the figure now."""
    refresh.rebuild(now=community.now)
    cards = {c.metric: c for c in selectors.overview("all")}
    nudges = cards["nudges_sent_week"]
    assert nudges.value == "1"
    assert nudges.rows[-1] == ("now", "1")
    assert nudges.trend[-1] == nudges.raw == 1
    assert len(nudges.rows) == len(common.week_points(community.now)) + 1
    body = _client(community.staff).get(reverse("analytics:overview")).content.decode()
    card = body.split('data-testid="figure-roles_held"')[1].split("</li>")[0]
    assert "<tr><td>now</td><td>2</td></tr>" in card


def test_charts_page_shows_every_proportion_as_a_percentage(community: Community) -> None:
    """One unit per kind of figure: proportions (retention, intervals, conversion, cohorts) as
    percentages with one decimal, never as fractions like 0.250."""
    refresh.rebuild(now=community.now)
    body = _client(community.staff).get(reverse("analytics:charts")).content.decode()
    funnel = body.split('data-testid="table-funnel"')[1].split("</table>")[0]
    # Room Supporter: 1 of 4 listeners, 100 days after becoming a listener.
    assert "<tr><td>Room Supporter</td><td>1</td><td>25.0%</td><td>100.0</td></tr>" in funnel
    retention = body.split('data-testid="table-retention"')[1].split("</table>")[0]
    # 90 days with a mentor: 1 of 1, Wilson interval 0.2065 to 1.
    assert "<td>1</td><td>1</td><td>100.0%</td><td>20.7%–100.0%</td>" in retention
    cohorts = body.split('data-testid="table-cohorts"')[1].split("</table>")[0]
    assert "50.0%" in cohorts
    for fraction in ("0.250", "0.207", "1.000", "0.000"):
        assert fraction not in body


def test_figure_filter_formats_each_unit() -> None:
    template = Template(
        '{% load figures %}{{ n|figure:"int" }} {{ p|figure:"pct" }} {{ x|figure:"float" }} '
        '{{ none|figure:"pct" }}'
    )
    text = template.render(Context({"n": 12345, "p": 0.25, "x": 2.345, "none": None}))
    assert text == "12,345 25.0% 2.3 —"
