"""Revoking an award: one service with a reason (the admin action asks for it), the person
is told, /path/ says "Revoked on … because …" (never "Eligible"), and a revocation stands
``awarding.REVOCATION_DAYS`` before the ladder decides again, so it never blocks the rungs
above for good."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from peerpath.activity.models import ActivityKind
from peerpath.core.errors import Refused
from peerpath.notifications.models import Notification
from peerpath.progression.awarding import REVOCATION_DAYS
from peerpath.progression.models import AwardLog, AwardSource, AwardState, Certificate
from peerpath.progression.selectors.awards import path_for
from peerpath.progression.services import batch
from peerpath.progression.services.awards import revoke_award
from peerpath.progression.tests.helpers import (
    PATH,
    add_events,
    apply_now,
    award_of,
    grant,
    item_html,
    listener,
    make_moderator_eligible,
    make_person,
    staff_user,
    text,
)

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def test_a_revoked_role_says_when_and_why_and_the_person_is_told(login) -> None:
    staff = staff_user()
    mo = make_moderator_eligible(listener("mo-moderator"))
    award = grant(mo, "chatroom-moderator", days_ago=5)
    revoke_award(award=award, actor=staff, reason="Shared a member's story outside the room")
    response = login(mo).get(PATH)
    card = item_html(response, "chatroom-moderator")
    today = timezone.localdate().strftime("%-d %B %Y")
    assert f"Revoked on {today} because Shared a member&#x27;s story outside the room" in card
    assert 'data-testid="status">Revoked' in card
    assert "Eligible" not in card
    assert "next update" not in card
    assert "Apply for" not in card
    again = (timezone.localdate() + dt.timedelta(days=REVOCATION_DAYS)).strftime("%-d %B %Y")
    assert f"You can apply again from {again}" in card
    # not a next step while it stands
    item = path_for(mo).item("chatroom-moderator")
    assert item is not None
    assert item not in path_for(mo).next_steps
    with pytest.raises(Refused, match="you can apply again from"):
        apply_now(mo)
    notice = Notification.objects.get(recipient=mo, category="progression")
    assert notice.title == "Chatroom Moderator was revoked"
    assert "outside the room" in notice.body
    assert notice.url == PATH


def test_the_admin_action_asks_why_before_revoking() -> None:
    staff = staff_user()
    client = Client()
    client.force_login(staff)
    lee = listener("lee-listener")
    award = grant(lee, "room-supporter")
    url = reverse("admin:progression_award_changelist")
    asked = client.post(url, {"action": "revoke", ACTION_CHECKBOX_NAME: [award.pk]})
    assert asked.status_code == 200
    assert "Why are these awards revoked?" in text(asked)
    award.refresh_from_db()
    assert award.state == AwardState.ACTIVE
    done = client.post(
        url,
        {"action": "revoke", ACTION_CHECKBOX_NAME: [award.pk], "reason": "Unkind in rooms"},
    )
    assert done.status_code == 302
    award.refresh_from_db()
    assert award.state == AwardState.REVOKED
    log = AwardLog.objects.get(user=lee, action="revoked")
    assert (log.reasons, log.actor) == ("Unkind in rooms", staff)


def test_a_revocation_stands_then_the_ladder_decides_again() -> None:
    staff = staff_user()
    start = timezone.now().replace(microsecond=0) - 120 * DAY
    rae = make_person(days_ago=60, at=start)
    add_events(rae, ActivityKind.GROUP_CHAT, 12, at=start - DAY)
    batch.run(now=start)
    supporter = award_of(rae, "room-supporter")
    assert supporter is not None
    revoke_award(award=supporter, actor=staff, reason="Unkind in rooms", at=start + DAY)
    batch.run(now=start + 30 * DAY, incremental=True)
    assert award_of(rae, "room-supporter").state == AwardState.REVOKED  # type: ignore[union-attr]
    # the revocation stops standing: the next (incremental) run gives it back
    later = start + DAY + REVOCATION_DAYS * DAY
    batch.run(now=later, incremental=True)
    back = award_of(rae, "room-supporter")
    assert back is not None
    assert (back.state, back.source, back.granted_at) == ("active", AwardSource.AUTOMATIC, later)
    assert Certificate.objects.get(award=back).valid
    # so the rung above is open: Sharing Circle Host counts the new tenure
    host = path_for(rae, now=later + 14 * DAY).item("sharing-circle-host")
    assert host is not None
    assert host.eligible
