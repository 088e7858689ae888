"""Reporting a message (once per key, screened note), blocking a person, and resolving a
report from the queue."""

from __future__ import annotations

import pytest

from peerpath.accounts.models import Block
from peerpath.rooms.models import Report, ReportStatus
from peerpath.rooms.tests.pages import JSON, XSS, masked, moderator, person, say, text
from peerpath.safety.models import SafetyAlert

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("only_our_rooms")]


def test_report_a_message(login, rooms) -> None:
    m = say(rooms["adult"], person(), "hurtful")
    reporter = person()
    c = login(reporter)
    response = c.post(
        f"/rooms/messages/{m.pk}/report/", {"reason": "harassment", "note": XSS}, **JSON
    )
    assert response.status_code == 200
    report = Report.objects.get()
    assert (report.reporter, report.reason, report.note) == (reporter, "harassment", XSS)
    again = c.post(f"/rooms/messages/{m.pk}/report/", {"reason": "spam"}, **JSON)
    assert again.status_code == 409
    assert "already reported" in again.json()["error"]
    assert Report.objects.count() == 1


def test_a_report_resent_with_its_key_answers_the_same_report(login, rooms) -> None:
    """A retry after a network error (or a double click) is a success, not "already
    reported"; the room page's report form carries the key rooms.js fills per message."""
    m = say(rooms["adult"], person(), "hurtful")
    c = login(person())
    data = {"reason": "harassment", "key": "5d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6"}
    first = c.post(f"/rooms/messages/{m.pk}/report/", data, **JSON)
    second = c.post(f"/rooms/messages/{m.pk}/report/", data, **JSON)
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json()["report"] == second.json()["report"]
    assert Report.objects.count() == 1
    page = c.get(f"/rooms/{rooms['adult'].slug}/")
    assert b'<input type="hidden" name="key" value="">' in page.content


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose a reason for the report."),
        ({"reason": "boring"}, "from the list"),
        ({"reason": "spam", "note": "x" * 501}, "at most 500 characters"),
    ],
)
def test_bad_report_is_a_400(login, rooms, data, message) -> None:
    m = say(rooms["adult"], person())
    response = login(person()).post(f"/rooms/messages/{m.pk}/report/", data, **JSON)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not Report.objects.exists()


def test_cannot_report_own_or_other_band_messages(login, rooms) -> None:
    me = person()
    mine = say(rooms["adult"], me)
    theirs = say(rooms["teen"], person(teen=True))
    c = login(me)
    assert c.post(f"/rooms/messages/{mine.pk}/report/", {"reason": "spam"}).status_code == 403
    hidden = c.post(f"/rooms/messages/{theirs.pk}/report/", {"reason": "spam"})
    missing = c.post("/rooms/messages/999999/report/", {"reason": "spam"})
    assert hidden.status_code == missing.status_code == 404
    assert masked(hidden.content) == masked(missing.content)
    assert not Report.objects.exists()


def test_block_a_person(login, rooms) -> None:
    me, them = person(), person()
    c = login(me)
    response = c.post(f"/rooms/people/{them.pk}/block/", **JSON)
    assert response.status_code == 200
    assert response.json()["blocked"] == them.pk
    assert Block.objects.filter(blocker=me, blocked=them).exists()
    assert c.post(f"/rooms/people/{them.pk}/block/", **JSON).status_code == 200  # idempotent
    assert c.post(f"/rooms/people/{me.pk}/block/", **JSON).status_code == 400
    assert c.post(f"/rooms/people/{person(teen=True).pk}/block/", **JSON).status_code == 404
    assert c.post("/rooms/people/999999/block/", **JSON).status_code == 404
    assert Block.objects.count() == 1


def test_resolve_a_report(login, rooms) -> None:
    m = say(rooms["adult"], person())
    report = Report.objects.create(message=m, reporter=person(), reason="spam")
    url = f"/rooms/reports/{report.pk}/resolve/"
    member = login(person())
    assert member.post(url, {"status": "dismissed", "outcome": "ok"}).status_code == 404
    assert member.post(url).status_code == 404  # before any validation
    c = login(moderator())
    assert c.post(url, {"status": "maybe", "outcome": "x"}).status_code == 400
    assert c.post(url, {"status": "actioned", "outcome": ""}).status_code == 400
    assert c.post(url, {"status": "actioned", "outcome": "x" * 501}).status_code == 400
    report.refresh_from_db()
    assert report.status == ReportStatus.OPEN
    response = c.post(url, {"status": "actioned", "outcome": "Warned them"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.outcome) == (ReportStatus.ACTIONED, "Warned them")
    again = c.post(url, {"status": "dismissed", "outcome": "x"})
    assert again.status_code == 409
    assert "already handled" in text(again)
    teen_report = Report.objects.create(
        message=say(rooms["teen"], person(teen=True)), reporter=person(teen=True), reason="spam"
    )
    hidden = c.post(f"/rooms/reports/{teen_report.pk}/resolve/")
    missing = c.post("/rooms/reports/999999/resolve/")
    assert hidden.status_code == missing.status_code == 404
    assert masked(hidden.content) == masked(missing.content)


def test_invalid_resolve_shows_the_error_in_the_queue(login, rooms) -> None:
    report = Report.objects.create(
        message=say(rooms["adult"], person()), reporter=person(), reason="spam"
    )
    response = login(moderator()).post(
        f"/rooms/reports/{report.pk}/resolve/", {"status": "actioned"}
    )
    assert response.status_code == 400
    assert "Please write what you did." in text(response)
    assert "Moderation queue" in text(response)


def test_a_report_note_in_crisis_answers_with_help(login, rooms) -> None:
    moderator()
    m = say(rooms["adult"], person())
    c = login(person())
    data = {"reason": "safety", "note": "this makes me want to kill myself"}
    answer = c.post(f"/rooms/messages/{m.pk}/report/", data, **JSON).json()
    assert answer["ok"]
    assert answer["crisis"]["resources"]
    report = Report.objects.get()
    assert SafetyAlert.objects.filter(source="rooms.Report", source_id=report.pk).exists()
    m2 = say(rooms["adult"], person())
    page = c.post(f"/rooms/messages/{m2.pk}/report/", data, HTTP_HX_REQUEST="true")
    assert 'data-testid="crisis-help"' in text(page)
    m3 = say(rooms["adult"], person())
    after = c.post(f"/rooms/messages/{m3.pk}/report/", data, follow=True)
    assert 'data-testid="crisis-help"' in text(after)
