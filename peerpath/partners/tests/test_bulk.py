"""Bulk messages: who gets what (Notification rows), the confirmation threshold, the band
restriction, and bad input that sends nothing and keeps what was typed."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.test import Client

from peerpath.accounts.models import User
from peerpath.notifications.models import Notification
from peerpath.partners.models import BulkMessage, PartnerSettings
from peerpath.partners.services import CELEBRATION_TITLE
from peerpath.partners.tests.dataset import Dataset

pytestmark = pytest.mark.django_db
URL = "/staff/mentorships/message/"


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def post(user: User, **data: Any) -> Any:
    payload = {"scope": "selected", "kind": "custom", "recipients": "mentee"}
    payload.update(data)
    return client_for(user).post(URL, payload)


def notified(source_kind: str = "custom") -> dict[int, tuple[str, str, str]]:
    return {
        n.recipient_id: (n.category, n.title, n.url)
        for n in Notification.objects.filter(source=f"partners:{source_kind}")
    }


def test_a_custom_message_reaches_the_selected_mentees(data: Dataset) -> None:
    p, e = data.pairs, data.mentees
    response = post(
        data.staff,
        pair=[str(p["P2"].pk), str(p["P5"].pk)],
        title="  Checking   in ",
        body="How is it going? <b>not bold</b>",
    )
    assert response.status_code == 303
    assert notified() == {
        e["ae2"].pk: ("announcements", "Checking in", f"/mentorships/{p['P2'].pk}/"),
        e["te1"].pk: ("announcements", "Checking in", f"/mentorships/{p['P5'].pk}/"),
    }
    body = Notification.objects.filter(recipient=e["ae2"]).get().body
    assert body == "How is it going? <b>not bold</b>"  # stored as typed, rendered escaped
    audit = BulkMessage.objects.get()
    assert (audit.sender_id, audit.kind, audit.recipients) == (data.staff.pk, "custom", "mentee")
    assert (audit.pair_count, audit.recipient_count) == (2, 2)
    assert audit.target == "2 selected pairs"
    page = client_for(data.staff).get("/staff/mentorships/").content.decode()
    assert "2 selected pairs" in page


def test_both_sides_and_a_mentor_of_several_pairs_gets_one_notice(data: Dataset) -> None:
    p, m, e = data.pairs, data.mentors, data.mentees
    post(
        data.staff, pair=[str(p["P1"].pk), str(p["P2"].pk)], recipients="both", title="Hi", body="x"
    )
    got = notified()
    assert set(got) == {m["am1"].pk, e["ae1"].pk, e["ae2"].pk}
    assert got[m["am1"].pk][2] == "/mentorships/"  # the hub: they are in both pairs
    post(data.staff, pair=[str(p["P3"].pk)], recipients="mentor", title="Hi", body="x")
    assert m["am2"].pk in notified()


def test_a_celebration_to_every_3plus_pair_of_the_filter(data: Dataset) -> None:
    response = post(
        data.staff, scope="filter", conversations="3+", kind="celebration", recipients="both"
    )
    assert response.status_code == 303
    assert "conversations=3%2B" in response["Location"]
    got = notified("celebration")
    assert set(got) == {data.mentors["am1"].pk, data.mentees["ae1"].pk}
    assert {v[:2] for v in got.values()} == {("celebrations", CELEBRATION_TITLE)}
    assert BulkMessage.objects.get().target == "pairs matching conversations=3+"


def test_more_people_than_the_threshold_asks_first(data: Dataset) -> None:
    PartnerSettings.objects.update_or_create(pk=1, defaults={"bulk_confirm_over": 2})
    first = post(data.staff, scope="filter", recipients="both", title="Hello all", body="Hi")
    assert first.status_code == 200
    text = first.content.decode()
    assert "This will message <strong>8</strong> people" in text
    assert 'name="confirm" value="1"' in text
    assert Notification.objects.count() == 0
    assert BulkMessage.objects.count() == 0
    # the confirm button re-posts exactly what was asked, plus confirm=1
    hidden: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', text):
        hidden.setdefault(name, []).append(html.unescape(value))
    assert hidden["confirm"] == ["1"]
    assert hidden["scope"] == ["filter"]
    assert hidden["title"] == ["Hello all"]
    confirmed = client_for(data.staff).post(URL, hidden)
    assert confirmed.status_code == 303
    assert len(notified()) == 8
    # at the threshold no confirmation is needed
    Notification.objects.all().delete()
    assert (
        post(
            data.staff, pair=[str(data.pairs["P1"].pk)], recipients="both", title="t", body="b"
        ).status_code
        == 303
    )


def test_an_ambassador_messages_only_pairs_of_their_band(data: Dataset) -> None:
    p = data.pairs
    refused = post(
        data.adult_ambassador, pair=[str(p["P1"].pk), str(p["P5"].pk)], title="t", body="b"
    )
    assert refused.status_code == 400
    assert "not pairs you can message" in refused.content.decode()
    assert Notification.objects.count() == 0
    ok = post(data.adult_ambassador, scope="filter", status="all", title="t", body="b")
    assert ok.status_code == 303
    got = notified()
    assert set(got) == {data.mentees[k].pk for k in ("ae1", "ae2", "ae3", "ae4")}
    assert BulkMessage.objects.get().band == "adult"
    # the audit list of the other band's ambassador does not show it
    page = client_for(data.teen_ambassador).get("/staff/mentorships/")
    assert page.context["bulk_messages"] == []


def test_bad_input_sends_nothing_and_keeps_what_was_typed(data: Dataset) -> None:
    p1 = str(data.pairs["P1"].pk)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"title": "Keep me", "body": "typed words"}, "Select at least one pair"),
        ({"pair": [p1], "title": "Keep me", "body": ""}, "Please write a message"),
        ({"pair": [p1], "title": "", "body": "typed words"}, "Please write a title"),
        ({"pair": [p1], "title": "x" * 121, "body": "typed words"}, "title is too long"),
        ({"pair": [p1], "title": "Keep me", "body": "y" * 2001}, "message is too long"),
        ({"pair": [p1], "kind": "shout", "title": "Keep me", "body": "typed words"}, "kind:"),
        (
            {"pair": [p1], "recipients": "all", "title": "Keep me", "body": "typed words"},
            "recipients:",
        ),
        ({"pair": ["abc"], "title": "Keep me", "body": "typed words"}, "not a pair"),
        ({"pair": ["999999999"], "title": "Keep me", "body": "typed words"}, "not pairs you can"),
        ({"pair": [p1], "title": "Keep me", "body": "a\x00b"}, "not allowed"),
        ({"scope": "everyone", "title": "Keep me", "body": "typed words"}, "scope:"),
        ({"scope": "filter", "band": "child", "title": "Keep me", "body": "typed words"}, "band:"),
        (
            {"scope": "filter", "mentor": "ghost", "title": "Keep me", "body": "typed words"},
            "no such mentor",
        ),
        (
            {
                "scope": "filter",
                "conversations": "3+",
                "status": "ended",
                "title": "Keep me",
                "body": "typed words",
            },
            "No pair matches",
        ),
    ]
    for data_, needle in cases:
        response = post(data.staff, **data_)
        text = response.content.decode()
        assert response.status_code == 400, (data_, text[:300])
        assert needle in text, (needle, text[:2000])
        if data_.get("title") == "Keep me":
            assert 'value="Keep me"' in text
    assert Notification.objects.count() == 0
    assert BulkMessage.objects.count() == 0


def test_get_is_not_allowed_and_members_are_refused(data: Dataset, world: Any) -> None:
    assert client_for(data.staff).get(URL).status_code == 405
    for role in ("adult_listener", "teen_member", "mentor", "moderator"):
        response = client_for(getattr(world, role)).post(
            URL,
            {
                "pair": [str(data.pairs["P1"].pk)],
                "title": "t",
                "body": "b",
                "scope": "selected",
                "kind": "custom",
                "recipients": "both",
            },
        )
        assert response.status_code == 403
    assert Notification.objects.count() == 0


def _end_since_the_rollup(pair: Any) -> None:
    """The pair ends after the table's last refresh (it lags up to 5 minutes)."""
    from django.utils import timezone

    from peerpath.mentorship.models import EndReason, Mentorship, MentorshipStatus

    Mentorship.objects.filter(pk=pair.pk).update(
        status=MentorshipStatus.ENDED, ended_at=timezone.now(), end_reason=EndReason.COMPLETED
    )


def test_a_pair_that_ended_since_the_refresh_is_skipped_and_counted(data: Dataset) -> None:
    # issue 19: a celebration reached a pair that had just ended
    p, e = data.pairs, data.mentees
    _end_since_the_rollup(p["P1"])
    staff = client_for(data.staff)
    payload = {"scope": "selected", "kind": "custom", "recipients": "mentee", "title": "Hi"}
    response = staff.post(URL, {**payload, "body": "x", "pair": [p["P1"].pk, p["P2"].pk]})
    assert response.status_code == 303
    assert set(notified()) == {e["ae2"].pk}
    audit = BulkMessage.objects.get()
    assert (audit.pair_count, audit.skipped_pairs, audit.recipient_count) == (1, 1, 1)
    page = staff.get(response["Location"]).content.decode()
    assert "Sent to 1 person in 1 pair." in page
    assert "1 pair had ended since the table was refreshed and was skipped." in page


def test_a_celebration_never_reaches_an_ended_pair(data: Dataset) -> None:
    _end_since_the_rollup(data.pairs["P1"])  # the only 3+ pair
    response = post(
        data.staff, scope="filter", conversations="3+", kind="celebration", recipients="both"
    )
    assert response.status_code == 409
    assert "ended since the table was refreshed" in response.content.decode()
    assert Notification.objects.count() == 0
    assert BulkMessage.objects.count() == 0


def test_select_all_on_the_page_works_without_a_script(data: Dataset) -> None:
    response = post(data.staff, all_on_page="1", recipients="mentee", title="Hi", body="x")
    assert response.status_code == 303
    active = {data.mentees[k].pk for k in ("ae1", "ae2", "ae3", "te1", "te2")}
    assert set(notified()) == active
    assert (
        BulkMessage.objects.get().target == "all 5 pairs on page 1 of pairs matching status=active"
    )
