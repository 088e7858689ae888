"""The conversation log and check-ins from the space; a resent form stores one row."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from peerpath.mentorship.models import (
    CheckIn,
    Conversation,
    EndReason,
    Flag,
    StaffTicket,
)
from peerpath.mentorship.services import lifecycle
from peerpath.mentorship.tests.helpers import active_pair, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


def test_logging_a_conversation(people, login):
    m = active_pair(people)
    today = timezone.localdate().isoformat()
    response = login(people["listener"]).post(
        reverse("mentorship:log_conversation", args=[m.pk]),
        {"kind": "video", "day": today, "note": "Good talk"},
    )
    assert response.status_code == 302
    c = Conversation.objects.get()
    assert (c.kind, c.note, c.logged_by) == ("video", "Good talk", people["listener"])


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({}, 400, "required"),
        ({"kind": "chat", "day": "2026-01-01"}, 400, "valid choice"),
        ({"kind": "call", "day": "yesterday"}, 400, "YYYY-MM-DD"),
        ({"kind": "call", "day": "1900-01-01"}, 400, "too far in the past"),
        ({"kind": "call", "day": "+1"}, 400, "future date"),
        ({"kind": "call", "day": "0", "note": "n" * 501}, 400, "at most 500"),
    ],
)
def test_bad_conversation_logs_answer_4xx_and_save_nothing(people, login, data, status, message):
    m = active_pair(people)
    if data.get("day") == "+1":
        data["day"] = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    elif data.get("day") == "0":
        data["day"] = timezone.localdate().isoformat()
    response = login(people["listener"]).post(
        reverse("mentorship:log_conversation", args=[m.pk]), data
    )
    assert response.status_code == status
    assert message in text(response)
    assert Conversation.objects.count() == 0


def test_a_day_before_the_mentorship_started_is_a_form_error_and_nothing_is_lost(people, login):
    m = active_pair(people)
    started = timezone.localdate(m.started_at, timezone=people["listener"].tzinfo)
    day_before = (started - dt.timedelta(days=1)).isoformat()
    c = login(people["listener"])
    response = c.post(
        reverse("mentorship:log_conversation", args=[m.pk]),
        {"kind": "video", "day": day_before, "note": "A long talk we had"},
    )
    assert response.status_code == 400
    body = text(response)
    assert re.search(r'id="conv_day_error">That day is before this mentorship began', body)
    assert f'value="{day_before}"' in body  # what was typed is still there
    assert 'value="A long talk we had"' in body
    assert Conversation.objects.count() == 0
    # the date picker offers only days from the start to today
    page = text(c.get(reverse("mentorship:space", args=[m.pk])))
    assert f'min="{started.isoformat()}"' in page


def test_logging_on_an_ended_mentorship_or_as_an_outsider_is_refused(people, login):
    m = active_pair(people)
    data = {"kind": "call", "day": timezone.localdate().isoformat()}
    outsider = login(people["listener2"]).post(
        reverse("mentorship:log_conversation", args=[m.pk]), data
    )
    assert outsider.status_code == 404
    lifecycle.end_mentorship(actor=people["mentor"], mentorship_id=m.pk, reason=EndReason.COMPLETED)
    ended = login(people["listener"]).post(
        reverse("mentorship:log_conversation", args=[m.pk]), data
    )
    assert ended.status_code == 409
    assert "not active" in text(ended)
    assert Conversation.objects.count() == 0


def test_check_ins(people, login):
    m = active_pair(people)
    c = login(people["mentor"])
    response = c.post(reverse("mentorship:check_in", args=[m.pk]), {"rating": "4", "note": "Fine"})
    assert response.status_code == 302
    assert CheckIn.objects.get().rating == 4
    for data in ({"rating": "9"}, {"rating": "abc"}, {}, {"rating": "3", "note": "n" * 1001}):
        bad = c.post(reverse("mentorship:check_in", args=[m.pk]), data)
        assert bad.status_code == 400, data
    assert CheckIn.objects.count() == 1


def test_every_creating_form_renders_a_fresh_key(people, login):
    m = active_pair(people)
    c = login(people["listener"])
    page = text(c.get(reverse("mentorship:space", args=[m.pk])))
    keys = re.findall(r'<input type="hidden" name="key" value="([0-9a-f-]{36})"', page)
    assert len(keys) == 3  # conversation log, check-in, flag
    assert len(set(keys)) == 3
    again = text(c.get(reverse("mentorship:space", args=[m.pk])))
    assert not set(keys) & set(re.findall(r'name="key" value="([0-9a-f-]{36})"', again))
    reach = text(c.get(reverse("mentorship:cant_reach", args=[m.pk])))
    assert len(re.findall(r'<input type="hidden" name="key" value="[0-9a-f-]{36}"', reach)) == 1


@pytest.mark.parametrize(
    ("url_name", "data", "model"),
    [
        ("mentorship:flag", {"topic": "safety", "priority": "immediate", "note": "!"}, Flag),
        ("mentorship:check_in", {"rating": "4", "note": "Fine"}, CheckIn),
        ("mentorship:log_conversation", {"kind": "call", "day": "today"}, Conversation),
    ],
)
def test_a_form_posted_twice_with_its_key_stores_one_row(
    people, login, django_capture_on_commit_callbacks, url_name, data, model
):
    m = active_pair(people)
    c = login(people["listener"])
    if data.get("day") == "today":
        data = {**data, "day": timezone.localdate().isoformat()}
    posted = {**data, "key": "3f0c8a9e-1d2b-4c5d-8e7f-112233445566"}
    url = reverse(url_name, args=[m.pk])
    with django_capture_on_commit_callbacks(execute=True):
        first = c.post(url, posted)
        second = c.post(url, posted)  # a double click, or a retry after an error page
    assert (first.status_code, second.status_code) == (302, 302)
    assert model.objects.count() == 1
    assert model.objects.get().idempotency_key == posted["key"]
    if model is Flag:  # staff were told once
        assert sum("IMMEDIATE" in msg.subject for msg in mail.outbox) == 1
    third = c.post(url, {**data, "key": "another-key"})  # a new form is a new row
    assert third.status_code == 302
    assert model.objects.count() == 2


def test_a_ticket_posted_twice_with_its_key_is_one_ticket(people, login):
    m = active_pair(people)
    c = login(people["listener"])
    url = reverse("mentorship:cant_reach_action", args=[m.pk, "staff"])
    for _ in range(2):
        assert c.post(url, {"body": "No reply", "key": "k-1"}).status_code == 302
    assert StaffTicket.objects.count() == 1


def test_a_damaged_key_is_a_clear_400_and_saves_nothing(people, login):
    m = active_pair(people)
    response = login(people["listener"]).post(
        reverse("mentorship:check_in", args=[m.pk]), {"rating": "4", "key": "bad key"}
    )
    assert response.status_code == 400
    assert "key is damaged: reload the page" in text(response)
    assert CheckIn.objects.count() == 0
