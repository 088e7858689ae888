"""Every moderation endpoint (allowed for a moderator, refused for a member, 404 across
bands, 400 for bad input with nothing saved, answers in the caller's form), deleting
a message, slow mode and pause, the moderation queue and its safeguarding alerts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from peerpath.accounts.roles import Role
from peerpath.progression.models import Achievement, AwardSource
from peerpath.progression.services.awards import grant_award
from peerpath.rooms.models import (
    ModAction,
    ModerationLog,
    Report,
    Room,
    RoomStaff,
    RoomStaffKind,
    Sanction,
    SanctionKind,
)
from peerpath.rooms.services import posting
from peerpath.rooms.tests.pages import ESCAPED, JSON, XSS, moderator, person, say, text
from peerpath.safety.models import AccessKind, AlertAccess, SafetyAlert

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("only_our_rooms")]


def moderate(c: Client, slug: str, action: str, **data: Any) -> Any:
    return c.post(f"/rooms/{slug}/moderate/{action}/", data, **JSON)


@pytest.mark.parametrize(
    ("action", "extra", "kind"),
    [
        ("warn", {}, SanctionKind.WARN),
        ("mute", {"minutes": "15"}, SanctionKind.MUTE),
        ("mute", {}, SanctionKind.MUTE),
        ("kick", {}, SanctionKind.KICK),
        ("ban", {"scope": "room", "days": "7"}, SanctionKind.BAN),
        ("ban", {"scope": "community"}, SanctionKind.BAN),
    ],
)
def test_moderator_sanctions(login, rooms, action, extra, kind) -> None:
    mod, target = moderator(), person()
    response = moderate(
        login(mod), "evening-room", action, target=target.pk, reason="Be kind", **extra
    )
    assert response.status_code == 200, response.content
    assert response.json()["ok"] is True
    s = Sanction.objects.get(user=target)
    assert s.kind == kind
    assert s.created_by == mod
    if action == "mute" and extra:
        assert s.expires_at is not None
        assert s.expires_at - s.created_at == dt.timedelta(minutes=15)
    if extra.get("scope") == "community":
        assert s.room is None
        assert s.community == rooms["adult"].community


@pytest.mark.parametrize("action", ["warn", "mute", "kick", "ban"])
def test_member_cannot_sanction(login, rooms, action) -> None:
    target = person()
    response = moderate(login(person()), "evening-room", action, target=target.pk, reason="x")
    assert response.status_code == 403
    assert response.json()["ok"] is False
    assert not Sanction.objects.exists()


@pytest.mark.parametrize("action", ["warn", "mute", "kick", "ban"])
def test_other_band_moderator_gets_404(login, rooms, action) -> None:
    target = person(teen=True)
    response = moderate(login(moderator()), "teen-lounge", action, target=target.pk, reason="x")
    assert response.status_code == 404
    assert not Sanction.objects.exists()


def test_room_supporter_can_warn_but_not_mute(login, rooms) -> None:
    supporter, target = person(listener=True), person()
    grant_award(
        user=supporter,
        achievement=Achievement.objects.get(slug="room-supporter"),
        source=AwardSource.STAFF,
        reasons="test",
    )
    c = login(supporter)
    assert moderate(c, "evening-room", "warn", target=target.pk, reason="Easy").status_code == 200
    assert moderate(c, "evening-room", "mute", target=target.pk, reason="Easy").status_code == 403
    assert Sanction.objects.filter(user=target).count() == 1


@pytest.mark.parametrize(
    ("action", "data", "message"),
    [
        ("warn", {"reason": "Be kind"}, "Choose the person this is about."),
        ("warn", {"target": "abc", "reason": "Be kind"}, "The person must be given by their id."),
        ("warn", {"target": "99999999999999999999", "reason": "x"}, "No such person."),
        ("warn", {"target": "{me}"}, "Please give a reason."),
        ("warn", {"target": "{me}", "reason": "x" * 501}, "at most 500 characters"),
        ("warn", {"target": "{me}", "reason": "a\x00b"}, "not allowed"),
        ("mute", {"target": "{me}", "reason": "x", "minutes": "0"}, "at least 1 minute"),
        ("mute", {"target": "{me}", "reason": "x", "minutes": "99999"}, "at most 30 days"),
        ("mute", {"target": "{me}", "reason": "x", "minutes": "ten"}, "whole number"),
        ("ban", {"target": "{me}", "reason": "x", "scope": "galaxy"}, "Choose where"),
        ("ban", {"target": "{me}", "reason": "x", "days": "99999"}, "at most 10 years"),
    ],
)
def test_bad_moderation_input_is_a_400(login, rooms, action, data, message) -> None:
    target = person()
    data = {k: (str(target.pk) if v == "{me}" else v) for k, v in data.items()}
    response = moderate(login(moderator()), "evening-room", action, **data)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not Sanction.objects.exists()


def test_sanctioning_a_missing_or_other_band_person_is_a_404(login, rooms) -> None:
    c = login(moderator())
    teen = person(teen=True)
    for target in (teen.pk, 999_999):
        response = moderate(c, "evening-room", "warn", target=target, reason="x")
        assert response.status_code == 404
        assert response.json()["error"] == "No such person."
    assert not Sanction.objects.exists()


def test_moderators_cannot_sanction_themselves_or_staff(login, rooms) -> None:
    mod = moderator()
    staff = person(roles=[Role.STAFF])
    c = login(mod)
    assert moderate(c, "evening-room", "mute", target=mod.pk, reason="x").status_code == 403
    assert moderate(c, "evening-room", "ban", target=staff.pk, reason="x").status_code == 403
    response = moderate(
        c, "evening-room", "ban", target=person().pk, reason="x", scope="everywhere"
    )
    assert response.status_code == 403
    assert "Only staff" in response.json()["error"]
    assert not Sanction.objects.exists()


def test_unknown_moderation_action_is_a_404(login, rooms) -> None:
    response = moderate(login(moderator()), "evening-room", "vaporise", target=1, reason="x")
    assert response.status_code == 404


def test_plain_form_post_redirects_back_with_a_message(login, rooms) -> None:
    target = person()
    c = login(moderator())
    response = c.post(
        "/rooms/evening-room/moderate/warn/",
        {"target": target.pk, "reason": "Please be kind", "next": "/rooms/evening-room/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/rooms/evening-room/"
    page = text(c.get("/rooms/evening-room/"))
    assert "has been warned" in page


def test_plain_form_post_refusal_is_a_page_with_the_status(login, rooms) -> None:
    response = login(moderator()).post(
        "/rooms/evening-room/moderate/warn/", {"target": person().pk, "reason": ""}
    )
    assert response.status_code == 400
    assert "Please give a reason." in text(response)


def test_offsite_next_is_ignored(login, rooms) -> None:
    response = login(moderator()).post(
        "/rooms/evening-room/moderate/warn/",
        {"target": person().pk, "reason": "x", "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/rooms/evening-room/"


def test_htmx_gets_an_outcome_partial(login, rooms) -> None:
    c = login(moderator())
    ok = c.post("/rooms/evening-room/slow-mode/", {"seconds": "30"}, HTTP_HX_REQUEST="true")
    assert ok.status_code == 200
    assert "Slow mode is on" in text(ok)
    assert "<html" not in text(ok)
    bad = c.post("/rooms/evening-room/slow-mode/", {"seconds": "7"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 400
    assert 'role="alert"' in text(bad)


def test_moderation_needs_csrf(rooms) -> None:
    c = Client(enforce_csrf_checks=True)
    c.force_login(moderator())
    response = c.post("/rooms/evening-room/moderate/warn/", {"target": 1, "reason": "x"})
    assert response.status_code == 403
    assert not Sanction.objects.exists()


def test_get_on_a_post_endpoint_is_405(login, rooms) -> None:
    assert login(moderator()).get("/rooms/evening-room/pause/").status_code == 405


def test_lift_a_sanction(login, rooms) -> None:
    target = person()
    s = Sanction.objects.create(
        user=target,
        kind=SanctionKind.MUTE,
        room=rooms["adult"],
        reason="x",
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    assert login(person()).post(f"/rooms/sanctions/{s.pk}/lift/", **JSON).status_code == 404
    response = login(moderator()).post(f"/rooms/sanctions/{s.pk}/lift/", **JSON)
    assert response.status_code == 200
    s.refresh_from_db()
    assert s.lifted_at is not None
    again = login(moderator()).post(f"/rooms/sanctions/{s.pk}/lift/", **JSON)
    assert again.status_code == 409
    assert login(moderator()).post("/rooms/sanctions/999999/lift/", **JSON).status_code == 404


def test_moderator_deletes_a_message(login, rooms) -> None:
    m = say(rooms["adult"], person(), "rude words")
    assert login(person()).post(f"/rooms/messages/{m.pk}/delete/", **JSON).status_code == 403
    response = login(moderator()).post(
        f"/rooms/messages/{m.pk}/delete/", {"reason": "Rude"}, **JSON
    )
    assert response.status_code == 200
    m.refresh_from_db()
    assert m.deleted_at is not None
    assert ModerationLog.objects.filter(action=ModAction.DELETE_MESSAGE, message=m).exists()
    page = text(login(person()).get("/rooms/evening-room/"))
    assert "rude words" not in page
    assert "message removed" in page


def test_delete_across_bands_or_missing_is_a_404(login, rooms) -> None:
    m = say(rooms["teen"], person(teen=True))
    c = login(moderator())
    assert c.post(f"/rooms/messages/{m.pk}/delete/", **JSON).status_code == 404
    assert c.post("/rooms/messages/999999/delete/", **JSON).status_code == 404
    assert c.post("/rooms/messages/123456789012345678901/delete/").status_code == 404
    m.refresh_from_db()
    assert m.deleted_at is None
    too_long = c.post(
        f"/rooms/messages/{say(rooms['adult'], person()).pk}/delete/", {"reason": "x" * 501}
    )
    assert too_long.status_code == 400


def test_slow_mode(login, rooms) -> None:
    c = login(moderator())
    assert c.post("/rooms/evening-room/slow-mode/", {"seconds": "60"}, **JSON).status_code == 200
    rooms["adult"].refresh_from_db()
    assert rooms["adult"].slow_mode_seconds == 60
    for bad in ("7", "-1", "abc", ""):
        response = c.post("/rooms/evening-room/slow-mode/", {"seconds": bad}, **JSON)
        assert response.status_code == 400
    rooms["adult"].refresh_from_db()
    assert rooms["adult"].slow_mode_seconds == 60
    member = login(person())
    response = member.post("/rooms/evening-room/slow-mode/", {"seconds": "0"}, **JSON)
    assert response.status_code == 403
    assert (
        login(moderator()).post("/rooms/teen-lounge/slow-mode/", {"seconds": "0"}).status_code
        == 404
    )


def test_pause_and_unpause(login, rooms) -> None:
    c = login(moderator())
    assert c.post("/rooms/evening-room/pause/", {}, **JSON).status_code == 400
    response = c.post("/rooms/evening-room/pause/", {"reason": XSS}, **JSON)
    assert response.status_code == 200
    room = Room.objects.get(pk=rooms["adult"].pk)
    assert room.locked_at is not None
    assert room.locked_reason == XSS
    page = text(login(person()).get("/rooms/evening-room/"))
    assert ESCAPED in page
    assert XSS not in page
    assert login(person()).post("/rooms/evening-room/unpause/").status_code == 403
    assert c.post("/rooms/evening-room/unpause/", **JSON).status_code == 200
    assert Room.objects.get(pk=room.pk).locked_at is None
    assert login(person()).post("/rooms/evening-room/pause/", {"reason": "x"}).status_code == 403
    assert c.post("/rooms/teen-lounge/pause/", {"reason": "x"}).status_code == 404


def test_moderation_queue_is_for_moderators(login, rooms) -> None:
    assert login(person()).get("/rooms/moderation/").status_code == 404
    assert login(person(teen=True, listener=True)).get("/rooms/moderation/").status_code == 404
    assert login(moderator()).get("/rooms/moderation/").status_code == 200
    assert login(person(roles=[Role.STAFF])).get("/rooms/moderation/").status_code == 200
    appointed = person(listener=True)
    RoomStaff.objects.create(
        user=appointed, kind=RoomStaffKind.MODERATOR, community=rooms["adult"].community
    )
    assert login(appointed).get("/rooms/moderation/").status_code == 200


def test_queue_shows_reports_alerts_and_log_of_own_band(login, rooms) -> None:
    sender, reporter = person(username="sender-sam"), person(username="reporter-rae")
    m = say(rooms["adult"], sender, "something hurtful")
    Report.objects.create(message=m, reporter=reporter, reason="harassment", note=XSS)
    mod = moderator()
    sid = person(username="sad-sid")
    body = "I want to die, <i>bye</i>"
    crisis = posting.post_message(sender=sid, room_id=rooms["adult"].pk, body=body).message
    teen_m = say(rooms["teen"], person(teen=True, username="teen-tia"), "teen words")
    Report.objects.create(message=teen_m, reporter=person(teen=True), reason="spam")
    moderator(teen=True)
    posting.post_message(
        sender=person(teen=True), room_id=rooms["teen"].pk, body="i want to kill myself teen"
    )
    Sanction.objects.create(
        user=sender,
        kind=SanctionKind.MUTE,
        room=rooms["adult"],
        reason="cool off",
        expires_at=timezone.now() + dt.timedelta(minutes=10),
    )
    ModerationLog.objects.create(actor=mod, action=ModAction.WARN, room=rooms["adult"])
    page = text(login(mod).get("/rooms/moderation/"))
    assert "something hurtful" in page
    assert "reporter-rae" in page
    assert ESCAPED in page
    assert XSS not in page
    assert "I want to die, &lt;i&gt;bye&lt;/i&gt;" in page
    assert "sad-sid" in page
    assert f'data-alert="{SafetyAlert.objects.get(source_id=crisis.pk).pk}"' in page
    assert "teen words" not in page  # another band's room
    assert "kill myself teen" not in page
    # Reading the excerpts is audited.
    assert AlertAccess.objects.filter(actor=mod, kind=AccessKind.READ).count() == 1
    assert "cool off" in page
    assert "Warned" in page


def test_handle_a_safeguarding_alert(login, rooms) -> None:
    mod = moderator()
    m = posting.post_message(
        sender=person(), room_id=rooms["adult"].pk, body="I can't go on, I want to die"
    ).message
    alert = SafetyAlert.objects.get(source="rooms.RoomMessage", source_id=m.pk)
    url = f"/rooms/alerts/{alert.pk}/handle/"
    ok = {"outcome": "supported", "note": "Checked in, shared resources"}
    assert login(person()).post(url, ok).status_code == 404
    assert login(moderator(teen=True)).post(url, ok).status_code == 404
    assert login(moderator()).post(url, ok).status_code == 404  # not one of its responders
    c = login(mod)
    assert c.post(url, {"note": ""}).status_code == 400
    assert c.post(url, {"outcome": "supported", "note": ""}).status_code == 400
    assert c.post(url, {"outcome": "shrug", "note": "x"}, **JSON).status_code == 400
    assert c.post(url, {"outcome": "supported", "note": "x" * 501}, **JSON).status_code == 400
    acked = c.post(url, {"action": "acknowledge"}, **JSON)
    assert acked.status_code == 200
    alert.refresh_from_db()
    assert alert.acknowledged_by == mod
    assert alert.resolved_at is None
    assert c.post(url, ok, **JSON).status_code == 200
    alert.refresh_from_db()
    assert alert.resolved_by == mod
    assert (alert.outcome, alert.outcome_note) == ("supported", "Checked in, shared resources")
    assert c.post(url, ok, **JSON).status_code == 404  # resolved: no longer in the queue
    missing = c.post("/rooms/alerts/999999/handle/", ok)
    assert missing.status_code == 404


def test_an_invalid_follow_up_shows_the_error_in_the_queue(login, rooms) -> None:
    mod = moderator()
    m = posting.post_message(
        sender=person(), room_id=rooms["adult"].pk, body="i want to kill myself"
    ).message
    alert = SafetyAlert.objects.get(source_id=m.pk)
    response = login(mod).post(f"/rooms/alerts/{alert.pk}/handle/", {"note": "called"})
    assert response.status_code == 400
    assert "Choose what happened." in text(response)
    assert "Moderation queue" in text(response)
