"""Reports (once per person, resolved once, screened notes) and blocks."""

from __future__ import annotations

import pytest

from peerpath.core.errors import Conflict, Forbidden, NotFound, Refused
from peerpath.rooms.models import Report, ReportReason, ReportStatus
from peerpath.rooms.selectors.common import blocked_ids, viewer
from peerpath.rooms.selectors.moderation import moderation_queue
from peerpath.rooms.selectors.posting import messages_after
from peerpath.rooms.services import reports
from peerpath.rooms.tests.helpers import (
    alert_for,
    make_room,
    member,
    moderator,
    post,
    responder_ids,
)
from peerpath.safety.models import Channel, SafetyAlert

pytestmark = pytest.mark.django_db


def test_a_report_note_is_screened_for_the_rooms_moderators() -> None:
    room = make_room()
    mod = moderator()
    pk = post(member(), room.pk, "you are all useless")
    reporter = member()
    reported = reports.report_message(
        reporter=reporter,
        message_id=pk,
        reason=ReportReason.SAFETY,
        note="reading this makes me want to end my life",
        key="k1",
    )
    alert = alert_for(reported.report)
    assert alert.channel == Channel.REPORT
    assert alert.writer == reporter
    assert responder_ids(alert) == {mod.pk}
    assert reported.screening.resources  # it concerns the reporter: help for them
    again = reports.report_message(
        reporter=reporter, message_id=pk, reason=ReportReason.SAFETY, note="x", key="k1"
    )
    assert again.report == reported.report
    assert SafetyAlert.objects.count() == 1
    plain = reports.report_message(
        reporter=member(), message_id=pk, reason=ReportReason.SPAM, note="just spam"
    )
    assert plain.screening.alert is None


def test_reports_reach_the_queue_once_and_are_resolved_once() -> None:
    room = make_room()
    alice, bob, mod = member(), member(), moderator()
    pk = post(bob, room.pk, "mean thing")
    reports.report_message(reporter=alice, message_id=pk, reason=ReportReason.HARASSMENT)
    with pytest.raises(Conflict):
        reports.report_message(reporter=alice, message_id=pk, reason=ReportReason.HARASSMENT)
    with pytest.raises(Refused):
        reports.report_message(reporter=alice, message_id=pk, reason="because")
    with pytest.raises(Forbidden):
        reports.report_message(reporter=bob, message_id=pk, reason=ReportReason.SPAM)
    queue = moderation_queue(viewer(mod))
    assert [r.message_id for r in queue.reports] == [pk]
    assert not moderation_queue(viewer(member(teen=True))).reports
    report = Report.objects.get()
    reports.resolve_report(
        actor=mod, report_id=report.pk, status=ReportStatus.ACTIONED, outcome="warned"
    )
    with pytest.raises(Conflict):
        reports.resolve_report(
            actor=mod, report_id=report.pk, status=ReportStatus.DISMISSED, outcome="x"
        )
    assert not moderation_queue(viewer(mod)).reports


def test_a_teen_moderator_cannot_see_adult_reports() -> None:
    room = make_room()
    pk = post(member(), room.pk, "x")
    reports.report_message(reporter=member(), message_id=pk, reason=ReportReason.SPAM)
    teen_mod = moderator(teen=True)
    assert not moderation_queue(viewer(teen_mod)).reports
    with pytest.raises(NotFound):
        reports.resolve_report(
            actor=teen_mod,
            report_id=Report.objects.get().pk,
            status=ReportStatus.DISMISSED,
            outcome="x",
        )


def test_a_block_hides_both_ways() -> None:
    alice, bob = member(), member()
    reports.block(blocker=alice, blocked_id=bob.pk)
    assert blocked_ids(alice.pk) == {bob.pk}
    assert blocked_ids(bob.pk) == {alice.pk}
    room = make_room()
    post(bob, room.pk, "hi")
    assert messages_after(room.pk, 0, 10, blocked_ids(alice.pk)) == []
    with pytest.raises(Refused):
        reports.block(blocker=alice, blocked_id=alice.pk)
