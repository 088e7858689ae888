"""The safeguarding pages over HTTP: the staff queue, a responder's alerts, one alert, its
actions, the dashboard's triage and the admin, on the real database and services."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from peerpath.accounts.models import User
from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.safety import services
from peerpath.safety.models import (
    AccessKind,
    AlertAccess,
    Channel,
    Outcome,
    SafetyAlert,
    SafetySettings,
)
from peerpath.safety.views import QUEUE_PAGE_SIZE, age_text
from tests.authz import mask_csrf

pytestmark = pytest.mark.django_db

CRISIS = "honestly i want to end my life"
SELF_HARM = "sometimes i cut myself to cope"
QUEUE = "/staff/safety/"
MINE = "/safety/alerts/"


def _client(user: User | None = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


_seq = itertools.count(1)


def _raise(
    writer: User,
    text: str = CRISIS,
    *,
    responders: list[User] | None = None,
    channel: Channel = Channel.ROOM,
    at: dt.datetime | None = None,
) -> SafetyAlert:
    space = services.Space(
        channel=channel,
        where="Room “Evenings”",
        url="/rooms/evenings/",
        responders=responders or [],
    )
    # Each alert its own words: the same words by the same person are one alert.
    text = f"{text} (message {next(_seq)})"
    screening = services.screen(
        writer=writer, text=text, space=space, source=("rooms.RoomMessage", None), now=at
    )
    assert screening.alert is not None
    return screening.alert


def _shown(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-testid="safety-alert" data-alert="(\d+)"', html)]


@pytest.fixture
def staff() -> User:
    user: User = UserFactory.create(username="sam-staff", roles=[Role.STAFF])
    return user


@pytest.fixture
def writer() -> User:
    user: User = UserFactory.create(username="wren-writer", listener=True)
    return user


# --- Who may open what -----------------------------------------------------------------------


def test_queue_is_for_staff_only(writer: User) -> None:
    anonymous = _client().get(QUEUE)
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]
    for user in (
        writer,
        UserFactory.create(listener=True, roles=[Role.MODERATOR]),
        UserFactory.create(listener=True, roles=[Role.AMBASSADOR]),
        UserFactory.create(teen=True),
    ):
        response = _client(user).get(QUEUE)
        assert response.status_code == 403
        assert CRISIS not in response.content.decode()


def test_queue_lists_open_alerts_newest_unacknowledged_first(staff: User, writer: User) -> None:
    now = timezone.now()
    old = _raise(writer, at=now - dt.timedelta(hours=3))
    acked = _raise(writer, at=now - dt.timedelta(hours=2))
    new = _raise(writer, SELF_HARM, at=now - dt.timedelta(minutes=4))
    done = _raise(writer, at=now - dt.timedelta(hours=1))
    services.acknowledge(actor=staff, alert_id=acked.pk)
    services.resolve(actor=staff, alert_id=done.pk, outcome=Outcome.NO_RISK)

    response = _client(staff).get(QUEUE)
    html = response.content.decode()
    assert response.status_code == 200
    assert _shown(html) == [new.pk, old.pk, acked.pk]
    assert SELF_HARM in html  # the excerpt
    assert "4 min ago" in html
    assert "Room “Evenings”" in html
    assert 'href="/rooms/evenings/"' in html
    assert "acknowledged by sam-staff" in html
    assert 'hx-trigger="every 15s"' in html  # the open list refreshes itself


def test_queue_marks_overdue_alerts_and_teens(staff: User) -> None:
    SafetySettings.objects.update_or_create(pk=1, defaults={"escalate_after_minutes": 5})
    teen = UserFactory.create(teen=True, listener=True)
    now = timezone.now()
    late = _raise(teen, at=now - dt.timedelta(minutes=6))
    fresh = _raise(UserFactory.create(), at=now - dt.timedelta(minutes=2))
    html = _client(staff).get(QUEUE).content.decode()
    rows = {
        int(m[1]): m[0]
        for m in re.findall(
            r'(<li class="[^"]*" data-testid="safety-alert" data-alert="(\d+)")', html
        )
    }
    assert "is-overdue" in rows[late.pk]
    assert "is-teen" in rows[late.pk]
    assert "is-overdue" not in rows[fresh.pk]
    assert "6 min ago — overdue" in html
    assert "Teen (13–17)" in html


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("new", ["new"]),
        ("acknowledged", ["acked"]),
        ("resolved", ["done"]),
        ("all", ["new", "done", "acked"]),
    ],
)
def test_queue_filters_by_status(
    staff: User, writer: User, status: str, expected: list[str]
) -> None:
    now = timezone.now()
    alerts = {
        "acked": _raise(writer, at=now - dt.timedelta(hours=3)),
        "done": _raise(writer, at=now - dt.timedelta(hours=2)),
        "new": _raise(writer, at=now - dt.timedelta(hours=1)),
    }
    services.acknowledge(actor=staff, alert_id=alerts["acked"].pk)
    services.resolve(actor=staff, alert_id=alerts["done"].pk, outcome=Outcome.SUPPORTED)
    html = _client(staff).get(QUEUE, {"status": status}).content.decode()
    assert _shown(html) == [alerts[name].pk for name in expected]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"status": "urgent"}, "is not a status"),
        ({"page": "two"}, "a page is a whole number"),
        ({"page": "0"}, "Page:"),
        ({"page": "99999999999999999999"}, "Page:"),
    ],
)
def test_queue_bad_filters_answer_400(staff: User, params: dict[str, str], message: str) -> None:
    response = _client(staff).get(QUEUE, params)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_queue_is_paged(staff: User, writer: User) -> None:
    now = timezone.now()
    alerts = [_raise(writer, at=now - dt.timedelta(minutes=i)) for i in range(QUEUE_PAGE_SIZE + 3)]
    client = _client(staff)
    first = _shown(client.get(QUEUE).content.decode())
    second = _shown(client.get(QUEUE, {"page": "2"}).content.decode())
    assert first == [a.pk for a in alerts[:QUEUE_PAGE_SIZE]]
    assert second == [a.pk for a in alerts[QUEUE_PAGE_SIZE:]]
    assert _shown(client.get(QUEUE, {"page": "40"}).content.decode()) == second  # last page
    # Only what was shown was read.
    read = set(
        AlertAccess.objects.filter(actor=staff, kind=AccessKind.READ).values_list(
            "alert_id", flat=True
        )
    )
    assert read == {a.pk for a in alerts}


def test_queue_reads_are_audited_at_most_once_a_minute(staff: User, writer: User) -> None:
    first, second = _raise(writer), _raise(writer, SELF_HARM)
    client = _client(staff)

    client.get(QUEUE)
    reads = AlertAccess.objects.filter(actor=staff, kind=AccessKind.READ)
    assert sorted(reads.values_list("alert_id", flat=True)) == [first.pk, second.pk]

    # The htmx refresh 15 s later: the same rows, nothing new to record.
    partial = client.get(QUEUE, headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert "<html" not in partial.content.decode()
    assert _shown(partial.content.decode()) == [second.pk, first.pk]
    assert reads.count() == 2

    # A minute later the same screen records the reads again.
    reads.update(at=timezone.now() - dt.timedelta(minutes=1, seconds=1))
    client.get(QUEUE, headers={"HX-Request": "true"})
    assert reads.count() == 4


def test_queue_query_count_does_not_grow(
    staff: User, writer: User, django_assert_max_num_queries: Any
) -> None:
    for _ in range(3):
        _raise(writer)
    client = _client(staff)
    client.get(QUEUE)
    with django_assert_max_num_queries(16) as small:
        client.get(QUEUE, {"status": "all"})  # nothing new to audit
    for _ in range(12):
        _raise(UserFactory.create(teen=True))
    with django_assert_max_num_queries(len(small.captured_queries) + 3):  # + one audit insert
        client.get(QUEUE, {"status": "all"})
    AlertAccess.objects.update(at=timezone.now() - dt.timedelta(minutes=2))
    with django_assert_max_num_queries(len(small.captured_queries) + 3):  # all 15 audited
        client.get(QUEUE, {"status": "all"})
    assert AlertAccess.objects.filter(actor=staff).count() == 3 + 12 + 15


# --- One alert and a responder's alerts ------------------------------------------------------


def test_responder_sees_their_alert_and_the_read_is_audited(writer: User) -> None:
    mod = UserFactory.create(username="mo-mod", listener=True)
    alert = _raise(writer, responders=[mod])
    client = _client(mod)

    mine = client.get(MINE)
    assert mine.status_code == 200
    assert f'data-alert="{alert.pk}"' in mine.content.decode()
    assert CRISIS not in mine.content.decode()  # the list shows no excerpt

    page = client.get(f"/safety/alerts/{alert.pk}/")
    assert page.status_code == 200
    assert CRISIS in page.content.decode()
    assert AlertAccess.objects.filter(alert=alert, actor=mod, kind=AccessKind.READ).count() == 1
    assert "alert-record" not in page.content.decode()  # the audit trail is for staff


def test_teen_alert_is_invisible_to_an_adult_outside_it() -> None:
    teen = UserFactory.create(teen=True, listener=True)
    teen_mentor = UserFactory.create(teen=True, listener=True, roles=[Role.MENTOR])
    alert = _raise(teen, responders=[teen_mentor], channel=Channel.MENTORSHIP_CHAT)
    adult = UserFactory.create(listener=True, roles=[Role.MODERATOR])
    client = _client(adult)

    missing = client.get("/safety/alerts/999999/")
    hidden = client.get(f"/safety/alerts/{alert.pk}/")
    assert hidden.status_code == missing.status_code == 404
    assert mask_csrf(hidden.content) == mask_csrf(missing.content)
    assert CRISIS not in hidden.content.decode()
    assert f'data-alert="{alert.pk}"' not in client.get(MINE).content.decode()
    for action in ("acknowledge", "resolve"):
        response = client.post(
            f"/safety/alerts/{alert.pk}/{action}/", {"outcome": Outcome.SUPPORTED}
        )
        assert response.status_code == 404
    alert.refresh_from_db()
    assert alert.status == "new"
    assert not AlertAccess.objects.filter(actor=adult).exists()
    # The teen responder and staff do see it.
    assert _client(teen_mentor).get(f"/safety/alerts/{alert.pk}/").status_code == 200
    staff = UserFactory.create(roles=[Role.STAFF])
    page = _client(staff).get(f"/safety/alerts/{alert.pk}/").content.decode()
    assert CRISIS in page
    assert "Teen (13–17)" in page


def test_acknowledge_and_resolve_round_trip(staff: User, writer: User) -> None:
    mod = UserFactory.create(username="mo-mod", listener=True)
    alert = _raise(writer, responders=[mod])
    client = _client(mod)
    url = f"/safety/alerts/{alert.pk}/"

    ack = client.post(f"{url}acknowledge/", {"next": MINE})
    assert ack.status_code == 302
    assert ack["Location"] == MINE
    alert.refresh_from_db()
    assert alert.status == "acknowledged"
    assert alert.acknowledged_by == mod
    assert "acknowledged" in client.get(MINE).content.decode()

    # Bad input: a clear message, a 4xx, nothing changed.
    empty = client.post(f"{url}resolve/", {"next": url})
    assert empty.status_code == 400
    assert "choose what happened" in empty.content.decode()
    other = client.post(f"{url}resolve/", {"outcome": Outcome.OTHER, "note": "  "})
    assert other.status_code == 400
    assert "Say what happened in the note." in other.content.decode()
    alert.refresh_from_db()
    assert alert.status == "acknowledged"

    done = client.post(
        f"{url}resolve/",
        {
            "outcome": Outcome.SUPPORTED,
            "note": "Talked with them; they are with family.",
            "next": url,
        },
        follow=True,
    )
    assert done.redirect_chain == [(url, 302)]
    assert f"Alert #{alert.pk} resolved." in done.content.decode()
    assert "Talked with them; they are with family." in done.content.decode()
    alert.refresh_from_db()
    assert (alert.status, alert.outcome, alert.resolved_by) == ("resolved", "supported", mod)
    kinds = set(AlertAccess.objects.filter(alert=alert).values_list("kind", flat=True))
    assert {AccessKind.ACKNOWLEDGE, AccessKind.RESOLVE, AccessKind.READ} <= kinds

    again = client.post(f"{url}resolve/", {"outcome": Outcome.NO_RISK})
    assert again.status_code == 409
    assert "already resolved" in again.content.decode()
    # Acknowledging a resolved alert is harmless.
    assert client.post(f"{url}acknowledge/").status_code == 302


def test_actions_go_back_only_to_safeguarding_pages(staff: User, writer: User) -> None:
    alert = _raise(writer)
    url = f"/safety/alerts/{alert.pk}/"
    client = _client(staff)
    for unsafe in ("https://evil.example/staff/safety/", "//evil.example/", "/accounts/logout/"):
        response = client.post(f"{url}acknowledge/", {"next": unsafe})
        assert response["Location"] == url
    back = f"{QUEUE}?status=open&page=1"
    assert client.post(f"{url}acknowledge/", {"next": back})["Location"] == back


def test_actions_are_post_only(staff: User, writer: User) -> None:
    alert = _raise(writer)
    client = _client(staff)
    assert client.get(f"/safety/alerts/{alert.pk}/acknowledge/").status_code == 405
    assert client.get(f"/safety/alerts/{alert.pk}/resolve/").status_code == 405


def test_my_alerts_bad_filter_answers_400(writer: User) -> None:
    response = _client(writer).get(MINE, {"status": "resolved"})
    assert response.status_code == 400
    assert "is not a status" in response.content.decode()


def test_age_text() -> None:
    now = timezone.now()
    assert age_text(now, now) == "just now"
    assert age_text(now - dt.timedelta(minutes=4, seconds=50), now) == "4 min ago"
    assert age_text(now - dt.timedelta(minutes=125), now) == "2 h 5 min ago"
    assert age_text(now - dt.timedelta(hours=2), now) == "2 h ago"
    assert age_text(now - dt.timedelta(days=1, hours=3), now) == "1 day ago"
    assert age_text(now - dt.timedelta(days=3), now) == "3 days ago"


# --- Triage on the dashboard -----------------------------------------------------------------


def test_triage_on_the_dashboard(staff: User, writer: User) -> None:
    now = timezone.now()
    acked = _raise(writer, at=now - dt.timedelta(minutes=30))
    services.acknowledge(
        actor=staff, alert_id=acked.pk, now=acked.created_at + dt.timedelta(minutes=3)
    )
    _raise(writer, SELF_HARM, channel=Channel.TRAINING, at=now - dt.timedelta(minutes=5))

    for name in ("analytics:overview", "analytics:charts"):
        html = _client(staff).get(reverse(name)).content.decode()
        assert 'data-testid="triage"' in html
        assert re.search(
            r'data-testid="triage-unacknowledged"><span class="figure-value urgent">1<', html
        )
        assert re.search(r'data-testid="triage-p50"><span class="figure-value">3\.0 min<', html)
        assert "Group support room" in html
        assert "Training discussion" in html
        assert "self harm" in html
        assert 'data-chart="safety_channel"' in html
        assert '"safety_category"' in html  # the chart's numbers
        assert 'href="/staff/safety/' in html
        assert CRISIS not in html


def test_ambassadors_see_triage_counts_only(writer: User) -> None:
    _raise(writer)
    ambassador = UserFactory.create(listener=True, roles=[Role.AMBASSADOR])
    for name in ("analytics:overview", "analytics:charts"):
        html = _client(ambassador).get(reverse(name)).content.decode()
        assert 'data-testid="triage"' in html
        assert CRISIS not in html
        assert "/staff/safety/" not in html  # no link to a page they cannot open


# --- Admin -----------------------------------------------------------------------------------


def test_alerts_are_not_in_the_admin_and_settings_are() -> None:
    assert SafetyAlert not in admin.site._registry
    assert SafetySettings in admin.site._registry
    root = UserFactory.create(username="root-admin")
    User.objects.filter(pk=root.pk).update(is_staff=True, is_superuser=True)
    client = _client(User.objects.get(pk=root.pk))
    SafetySettings.current()
    url = reverse("admin:safety_safetysettings_change", args=[1])
    bad = client.post(
        url, {"escalate_after_minutes": "10", "contacts": "team@example.org\nnot an address"}
    )
    assert bad.status_code == 200
    assert "these are not addresses: not an address" in bad.content.decode()
    ok = client.post(
        url, {"escalate_after_minutes": "10", "contacts": " team@example.org \n\nlead@example.org"}
    )
    assert ok.status_code == 302
    settings_row = SafetySettings.current()
    assert settings_row.escalate_after_minutes == 10
    assert settings_row.contact_list() == ["team@example.org", "lead@example.org"]
    assert client.get(reverse("admin:safety_alertaccess_changelist")).status_code == 200
    assert client.get(reverse("admin:safety_alertaccess_add")).status_code == 403
