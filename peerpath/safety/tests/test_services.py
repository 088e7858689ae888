"""The screening service and alert handling, on the real database, notifications and mail."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.core.errors import Conflict, NotFound, Refused
from peerpath.notifications.models import Notification
from peerpath.safety import crisis, policies, selectors, services
from peerpath.safety.models import AccessKind, AlertAccess, Channel, SafetyAlert, SafetySettings

pytestmark = pytest.mark.django_db(transaction=True)

CRISIS = "honestly i want to end my life"
OK = "i feel hopeless about my exams but my friends help"


def _screen(writer: Any, text: str, **space: Any) -> services.Screening:
    sp = services.Space(channel=space.pop("channel", Channel.ROOM), where="Room “Test”", **space)
    return services.screen(writer=writer, text=text, space=sp, source=("rooms.RoomMessage", 1))


def test_ordinary_sadness_raises_nothing() -> None:
    writer = UserFactory.create()
    result = _screen(writer, OK, responders=[UserFactory.create()])
    assert result.alert is None
    assert result.resources == []
    assert result.as_payload() is None
    assert not SafetyAlert.objects.exists()


def test_hit_alerts_responders_and_shows_writer_help() -> None:
    writer = UserFactory.create(tz_name="America/New_York")
    mod = UserFactory.create(listener=True)
    result = _screen(writer, CRISIS, responders=[mod, writer])  # the writer is never a responder
    alert = result.alert
    assert alert is not None
    assert alert.category == "suicide"
    assert alert.severity == "high"
    assert alert.queued  # high severity: always in the staff queue
    assert alert.writer_band == "adult"
    assert alert.writer_country == "US"
    assert list(alert.responders.all()) == [mod]
    assert result.resources
    assert result.resources[0].country == "US"
    payload = result.as_payload()
    assert payload is not None
    assert payload["resources"][0]["name"]
    note = Notification.objects.get(recipient=mod)
    assert note.category == "safety"
    assert note.url == f"/safety/alerts/{alert.pk}/"
    assert CRISIS not in note.body  # nothing private in the notice
    assert not Notification.objects.filter(recipient=writer).exists()


def test_teen_writer_gets_teen_lines_first() -> None:
    teen = UserFactory.create(teen=True, tz_name="Europe/London")
    adult = UserFactory.create(tz_name="Europe/London")
    teen_help = _screen(teen, CRISIS, responders=[UserFactory.create()]).resources
    adult_help = _screen(adult, CRISIS, responders=[UserFactory.create()]).resources
    assert teen_help[0] != adult_help[0]
    assert SafetyAlert.objects.get(writer=teen).writer_band == "teen"


def test_space_without_responders_falls_back_to_the_queue() -> None:
    writer = UserFactory.create()
    hit = crisis.detect("sometimes i cut myself to cope")
    assert hit is not None
    result = _screen(writer, "sometimes i cut myself to cope", responders=[])
    assert result.alert is not None
    assert result.alert.queued
    assert result.alert in selectors.queue()


def test_private_space_tells_the_safeguarding_team_or_staff() -> None:
    writer = UserFactory.create()
    mentor = UserFactory.create(listener=True, roles=[Role.MENTOR])
    staff = UserFactory.create(roles=[Role.STAFF])
    result = _screen(
        writer, CRISIS, channel=Channel.MENTORSHIP_CHAT, responders=[mentor], private=True
    )
    assert result.alert is not None
    assert set(result.alert.responders.all()) == {mentor, staff}
    team = UserFactory.create(roles=[Role.STAFF, Role.SAFEGUARDING])
    again = _screen(
        writer,
        CRISIS + " for real",
        channel=Channel.MENTORSHIP_CHAT,
        responders=[mentor],
        private=True,
    )
    assert again.alert is not None
    assert set(again.alert.responders.all()) == {mentor, team}


def test_detector_error_still_queues(monkeypatch: pytest.MonkeyPatch, caplog: Any) -> None:
    def broken(text: str) -> None:
        raise RuntimeError("lexicon went missing")

    monkeypatch.setattr(crisis, "detect", broken)
    writer = UserFactory.create()
    result = _screen(writer, "anything at all", responders=[])
    assert result.alert is not None
    assert result.alert.category == services.DETECTOR_ERROR
    assert result.alert.queued
    assert "crisis detector failed" in caplog.text


def test_acknowledge_resolve_and_audit() -> None:
    writer = UserFactory.create()
    mod = UserFactory.create(listener=True)
    stranger = UserFactory.create(listener=True)
    alert = _screen(writer, CRISIS, responders=[mod]).alert
    assert alert is not None
    with pytest.raises(NotFound):
        services.acknowledge(actor=stranger, alert_id=alert.pk)
    with pytest.raises(NotFound):
        services.acknowledge(actor=mod, alert_id="1")
    services.record_read(actor=mod, alert_id=alert.pk)
    services.acknowledge(actor=mod, alert_id=alert.pk)
    services.acknowledge(actor=mod, alert_id=alert.pk)  # twice is harmless
    with pytest.raises(Refused):
        services.resolve(actor=mod, alert_id=alert.pk, outcome="made-up")
    with pytest.raises(Refused):
        services.resolve(actor=mod, alert_id=alert.pk, outcome="other", note="  ")
    done = services.resolve(actor=mod, alert_id=alert.pk, outcome="supported", note="Talked.")
    assert done.resolved_by == mod
    assert done.outcome_note == "Talked."
    with pytest.raises(Conflict):
        services.resolve(actor=mod, alert_id=alert.pk, outcome="supported")
    kinds = list(
        AlertAccess.objects.filter(alert=alert).order_by("id").values_list("kind", flat=True)
    )
    assert kinds == [AccessKind.READ, AccessKind.ACKNOWLEDGE, AccessKind.RESOLVE]
    row = AlertAccess.objects.first()
    assert row is not None
    with pytest.raises(ValueError, match="append-only"):
        row.save()


def test_escalation_mails_once_after_the_configured_wait(settings: Any) -> None:
    settings.SAFEGUARDING_EMAILS = []
    cfg = SafetySettings.current()
    cfg.escalate_after_minutes = 5
    cfg.contacts = "lead@example.org\nnot-an-address\nsecond@example.org"
    cfg.save()
    writer = UserFactory.create()
    t0 = timezone.now()
    first = _screen(writer, CRISIS, responders=[UserFactory.create()]).alert
    handled = _screen(writer, "i have the pills ready for tonight", responders=[]).alert
    assert first is not None
    assert handled is not None
    services.acknowledge(actor=UserFactory.create(roles=[Role.STAFF]), alert_id=handled.pk)
    assert services.escalate_overdue(now=t0 + dt.timedelta(minutes=4)) == 0
    assert services.escalate_overdue(now=t0 + dt.timedelta(minutes=6)) == 1
    assert services.escalate_overdue(now=t0 + dt.timedelta(minutes=7)) == 0  # once
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["lead@example.org", "second@example.org"]
    assert f"/safety/alerts/{first.pk}/" in sent.body
    assert CRISIS not in sent.body
    assert writer.username not in sent.body
    first.refresh_from_db()
    assert first.escalated_at is not None


def test_escalation_falls_back_to_staff_addresses(settings: Any) -> None:
    settings.SAFEGUARDING_EMAILS = []
    staff = UserFactory.create(roles=[Role.STAFF])
    writer = UserFactory.create()
    _screen(writer, CRISIS, responders=[])
    services.escalate_overdue(now=timezone.now() + dt.timedelta(minutes=10))
    assert mail.outbox[-1].to == [staff.email]


def test_policies() -> None:
    staff = UserFactory.create(roles=[Role.STAFF])
    mod = UserFactory.create(listener=True, roles=[Role.MODERATOR])
    teen = UserFactory.create(teen=True)
    alert = _screen(teen, CRISIS, responders=[mod]).alert
    assert policies.can_use_queue(staff)
    assert not policies.can_use_queue(mod)
    assert policies.can_view_alert(staff, alert, responder=False)
    assert policies.can_view_alert(mod, alert, responder=True)
    assert not policies.can_view_alert(mod, alert, responder=False)
    assert not policies.can_view_alert(teen, alert, responder=False)


def test_triage_counts_and_ack_times() -> None:
    writer = UserFactory.create()
    staff = UserFactory.create(roles=[Role.STAFF])
    now = timezone.now()
    a = _screen(writer, CRISIS, responders=[]).alert
    b = _screen(writer, "i cut myself again to cope", channel=Channel.TRAINING, responders=[]).alert
    assert a is not None
    assert b is not None
    services.acknowledge(actor=staff, alert_id=a.pk, now=now + dt.timedelta(minutes=2))
    t = selectors.triage(now=now)
    assert sum(t.by_channel["room"]) == 1
    assert sum(t.by_channel["training"]) == 1
    assert t.by_category["suicide"][-1] == 1
    assert t.ack_p50_minutes is not None
    assert 1.5 < t.ack_p50_minutes < 2.5
    assert t.unacknowledged_now == 1
    assert t.queued_unacknowledged_now == 1
    assert t.open_now == 2


def test_triage_tells_the_staff_queue_apart_from_every_responders_alerts() -> None:
    # /staff/ links "N of them in the staff queue" to the queue's "new" list: the number must
    # be what that list shows, while "unacknowledged now" counts every responder's alerts.
    writer = UserFactory.create()
    moderator = UserFactory.create()
    kept = _screen(writer, "i cut myself again to cope", responders=[moderator]).alert
    queued = _screen(writer, CRISIS, channel=Channel.TRAINING, responders=[]).alert
    assert kept is not None
    assert queued is not None
    assert not kept.queued
    assert queued.queued
    t = selectors.triage()
    assert t.unacknowledged_now == 2
    assert t.queued_unacknowledged_now == selectors.queue(status="new").count() == 1


def test_the_same_words_again_are_one_alert_and_new_responders_are_told() -> None:
    writer = UserFactory.create()
    first_mod = UserFactory.create(listener=True)
    mentor = UserFactory.create(listener=True)
    a = _screen(writer, CRISIS, responders=[first_mod]).alert
    b = _screen(writer, CRISIS, channel=Channel.MENTOR_REQUEST, responders=[first_mod, mentor])
    assert a is not None
    assert b.alert is not None
    assert b.alert.pk == a.pk
    assert b.resources  # the writer still sees help each time
    assert set(a.responders.all()) == {first_mod, mentor}
    assert Notification.objects.filter(recipient=first_mod).count() == 1
    assert Notification.objects.filter(recipient=mentor).count() == 1
    assert SafetyAlert.objects.count() == 1
    a.refresh_from_db()
    assert a.repeats == []  # the same row again (a resend) is no repeat
    sp = services.Space(channel=Channel.PROFILE, where="A profile")
    services.screen(writer=writer, text=CRISIS, space=sp, source=("mentorship.MenteeProfile", 7))
    a.refresh_from_db()
    assert a.repeats == [["mentorship.MenteeProfile", 7]]
    other = _screen(writer, CRISIS + " tonight", responders=[first_mod]).alert
    assert other is not None
    assert other.pk != a.pk
