"""Screening in mentoring (issue 17): every write path of a person's text raises an alert with
the right channel, source and responders, returns help for the writer, and never loses the
text, on the real database, notification service and detector."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from peerpath.accounts import policies as account_policies
from peerpath.accounts.models import User
from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.core.errors import Refused
from peerpath.mentorship.models import (
    EndReason,
    MenteeProfile,
    Mentorship,
    MentorshipStatus,
    Message,
)
from peerpath.mentorship.services import (
    chat,
    flags,
    lifecycle,
    logs,
    mentor_profile,
    proposals,
    requests,
    tickets,
)
from peerpath.mentorship.tests.factories import make_listener, make_mentor, make_mentorship
from peerpath.notifications.models import Notification
from peerpath.safety import crisis
from peerpath.safety.models import SafetyAlert
from peerpath.safety.services import DETECTOR_ERROR, Screening

pytestmark = pytest.mark.django_db

CRISIS = "honestly i want to end my life"
ORDINARY = "I feel hopeless about my exams but talking helps"


@dataclass
class World:
    mentor: User
    mentee: User
    staff: User
    m: Mentorship


def make_world(*, teen: bool = False) -> World:
    staff = UserFactory.create(roles=[Role.STAFF])
    mentor = make_mentor(teen=teen)
    mentee = make_listener(teen=teen)
    return World(mentor, mentee, staff, make_mentorship(mentor, mentee, goal="Feel calmer"))


@pytest.fixture
def world() -> World:
    return make_world()


def alert_for(obj: Any) -> SafetyAlert:
    meta = obj._meta
    return SafetyAlert.objects.get(source=f"mentorship.{meta.object_name}", source_id=obj.pk)


def responders(alert: SafetyAlert) -> set[User]:
    return set(alert.responders.all())


def shows_help(screening: Screening) -> None:
    assert screening.resources
    payload = screening.as_payload()
    assert payload is not None
    assert payload["resources"][0]["name"]
    assert payload["resources"][0]["contact"]


# --- the chat -----------------------------------------------------------------------------


def test_a_mentees_crisis_in_the_chat_alerts_the_mentor_and_the_team(
    world: World, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        posted = chat.post_message(
            sender=world.mentee, mentorship_id=world.m.pk, body=CRISIS, client_id="c1"
        )
    assert posted.created
    assert Message.objects.get(pk=posted.message.pk).body == CRISIS  # delivered as written
    alert = alert_for(posted.message)
    assert posted.screening.alert == alert
    assert alert.channel == "mentorship_chat"
    assert alert.writer == world.mentee
    assert alert.url == f"/mentorships/{world.m.pk}/#chat"
    assert responders(alert) == {world.mentor, world.staff}
    shows_help(posted.screening)
    bell = Notification.objects.get(recipient=world.mentor, category="safety")
    assert CRISIS not in bell.body  # nothing private in the notice
    assert not Notification.objects.filter(recipient=world.mentee, category="safety").exists()


def test_a_mentors_crisis_goes_to_the_team_only(world: World) -> None:
    posted = chat.post_message(sender=world.mentor, mentorship_id=world.m.pk, body=CRISIS)
    assert responders(alert_for(posted.message)) == {world.staff}
    shows_help(posted.screening)


def test_ordinary_sadness_raises_nothing(world: World) -> None:
    posted = chat.post_message(sender=world.mentee, mentorship_id=world.m.pk, body=ORDINARY)
    assert posted.screening.alert is None
    assert posted.screening.as_payload() is None
    assert not SafetyAlert.objects.exists()


def test_a_teen_mentees_alert_reaches_only_teen_responders_and_staff() -> None:
    w = make_world(teen=True)
    make_listener()  # an adult around, who must never hear of it
    posted = chat.post_message(sender=w.mentee, mentorship_id=w.m.pk, body=CRISIS)
    alert = alert_for(posted.message)
    assert alert.writer_band == "teen"
    assert responders(alert) == {w.mentor, w.staff}
    for person in responders(alert):
        assert person.is_teen or account_policies.is_staff_member(person)
    shows_help(posted.screening)


def test_a_mentor_in_another_band_is_never_told() -> None:
    """Private spaces never cross bands; if one ever did, a teen's alert still goes to staff."""
    staff = UserFactory.create(roles=[Role.STAFF])
    adult_mentor = make_mentor()
    teen = make_listener(teen=True)
    m = make_mentorship(adult_mentor, teen)
    alert = logs.check_in(user=teen, mentorship_id=m.pk, rating=1, note=CRISIS).screening
    assert alert.alert is not None
    assert responders(alert.alert) == {staff}


def test_the_message_is_saved_when_the_detector_fails(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(text: str) -> None:
        raise RuntimeError("lexicon went missing")

    monkeypatch.setattr(crisis, "detect", broken)
    posted = chat.post_message(sender=world.mentee, mentorship_id=world.m.pk, body=CRISIS)
    assert Message.objects.filter(pk=posted.message.pk, body=CRISIS).exists()
    alert = alert_for(posted.message)
    assert alert.category == DETECTOR_ERROR
    assert alert.queued  # a person reviews what the detector could not read
    assert posted.screening.resources == []


def test_a_resent_message_shows_the_help_again_without_a_second_alert(world: World) -> None:
    first = chat.post_message(
        sender=world.mentee, mentorship_id=world.m.pk, body=CRISIS, client_id="same"
    )
    again = chat.post_message(
        sender=world.mentee, mentorship_id=world.m.pk, body=CRISIS, client_id="same"
    )
    assert not again.created
    assert again.message.pk == first.message.pk
    assert SafetyAlert.objects.count() == 1
    assert again.screening.alert == first.screening.alert
    shows_help(again.screening)


# --- check-ins, conversation log, flags, tickets ------------------------------------------


def test_check_in_note(world: World) -> None:
    written = logs.check_in(user=world.mentee, mentorship_id=world.m.pk, rating=1, note=CRISIS)
    alert = alert_for(written.obj)
    assert alert.channel == "check_in"
    assert alert.url.endswith("#check-ins")
    assert responders(alert) == {world.mentor, world.staff}
    shows_help(written.screening)


def test_a_resent_check_in_shows_the_help_again(world: World) -> None:
    first = logs.check_in(
        user=world.mentee, mentorship_id=world.m.pk, rating=1, note=CRISIS, key="k1"
    )
    again = logs.check_in(
        user=world.mentee, mentorship_id=world.m.pk, rating=1, note=CRISIS, key="k1"
    )
    assert again.obj.pk == first.obj.pk
    assert SafetyAlert.objects.count() == 1
    shows_help(again.screening)


def test_conversation_log_note(world: World) -> None:
    written = logs.log_conversation(
        user=world.mentee,
        mentorship_id=world.m.pk,
        kind="call",
        day=timezone.localdate(),
        note=CRISIS,
    )
    alert = alert_for(written.obj)
    assert alert.channel == "conversation_log"
    assert responders(alert) == {world.mentor, world.staff}
    shows_help(written.screening)


def test_a_flag_goes_to_the_team_never_to_the_other_party(world: World) -> None:
    written = flags.raise_flag(
        user=world.mentee,
        mentorship_id=world.m.pk,
        topic="safety",
        priority="can_wait",
        note=CRISIS,
    )
    alert = alert_for(written.obj)
    assert alert.channel == "flag"
    assert responders(alert) == {world.staff}  # a flag is for staff: maybe about the mentor
    assert alert.url == f"/admin/mentorship/flag/{written.obj.pk}/change/"
    shows_help(written.screening)


def test_a_ticket_screens_subject_and_body_for_the_team(world: World) -> None:
    written = tickets.open_staff_ticket(user=world.mentee, body=CRISIS, mentorship_id=world.m.pk)
    alert = alert_for(written.obj)
    assert alert.channel == "ticket"
    assert responders(alert) == {world.staff}
    assert CRISIS in alert.excerpt
    shows_help(written.screening)


# --- requests, answers, goals, end notes, profiles ----------------------------------------


def test_a_request_goal_and_the_mentee_profile_goal() -> None:
    staff = UserFactory.create(roles=[Role.STAFF])
    mentor, mentee = make_mentor(), make_listener()
    sent = requests.request_mentors(mentee=mentee, mentors=[mentor], goal=CRISIS)
    alert = alert_for(sent.obj)
    assert alert.channel == "mentor_request"
    assert responders(alert) == {staff}  # no pair yet: the asked mentor is not a responder
    shows_help(sent.screening)
    # The goal copied into the profile is the same words: it joins the request's alert.
    profile = MenteeProfile.objects.get(user=mentee)
    assert SafetyAlert.objects.count() == 1
    alert.refresh_from_db()
    assert alert.repeats == [["mentorship.MenteeProfile", profile.pk]]


def test_accepting_a_request_tells_the_new_mentor_about_the_goal() -> None:
    staff = UserFactory.create(roles=[Role.STAFF])
    mentor, mentee = make_mentor(), make_listener()
    sent = requests.request_mentors(mentee=mentee, mentors=[mentor], goal=CRISIS)
    target = sent.obj.targets.get()
    accepted = requests.respond_to_request(mentor=mentor, target_id=target.pk, accept=True)
    assert accepted.obj is not None
    alert = alert_for(sent.obj)  # the goal's words are the request's open alert
    assert alert.writer == mentee  # the goal is the mentee's words
    assert responders(alert) == {mentor, staff}  # the new mentor is added and told
    assert ["mentorship.Mentorship", accepted.obj.pk] in alert.repeats
    assert SafetyAlert.objects.count() == 1


def test_a_decline_reason_is_the_mentors_words(world: World) -> None:
    mentor, mentee = make_mentor(), make_listener()
    target = requests.request_mentors(
        mentee=mentee, mentors=[mentor], goal="Calm"
    ).obj.targets.get()
    answered = requests.respond_to_request(
        mentor=mentor, target_id=target.pk, accept=False, reason=CRISIS
    )
    alert = alert_for(target)
    assert alert.writer == mentor
    assert alert.channel == "mentor_request"
    assert responders(alert) == {world.staff}
    shows_help(answered.screening)


def test_declining_a_proposal_screens_the_reason(world: World) -> None:
    mentor, mentee = make_mentor(), make_listener()
    proposal = make_mentorship(mentor, mentee, status=MentorshipStatus.PROPOSED)
    declined = proposals.decline_proposal(mentor=mentor, mentorship_id=proposal.pk, reason=CRISIS)
    alert = alert_for(proposal)
    assert alert.channel == "mentorship_chat"
    assert responders(alert) == {world.staff}
    shows_help(declined.screening)


def test_an_end_note_goes_to_the_team(world: World) -> None:
    ended = lifecycle.request_rematch(user=world.mentee, mentorship_id=world.m.pk, note=CRISIS)
    assert ended.obj.end_reason == EndReason.REMATCH
    alert = alert_for(world.m)
    assert responders(alert) == {world.staff}
    shows_help(ended.screening)


def test_leaving_the_program_screens_the_note_once(world: World) -> None:
    second = make_listener()
    make_mentorship(world.mentor, second)
    left = lifecycle.leave_program(user=world.mentor, note=CRISIS)
    assert left.obj == 2
    assert SafetyAlert.objects.count() == 1  # the same words end every pair
    shows_help(left.screening)


def test_a_mentor_approach_is_screened_when_it_changes(world: World) -> None:
    def save(approach: str) -> Screening:
        return mentor_profile.save_mentor_profile(
            user=world.mentor,
            capacity=2,
            specialties=[],
            track_listeners=True,
            track_group_i=False,
            track_group_ii=False,
            approach=approach,
        ).screening

    shows_help(save(CRISIS))
    alert = SafetyAlert.objects.get(source="mentorship.MentorProfile")
    assert alert.channel == "profile"
    assert alert.queued
    assert responders(alert) == set()
    assert save(CRISIS).alert is None  # unchanged text: screened when it was written
    assert SafetyAlert.objects.count() == 1


def test_alerts_are_recent_and_never_block_a_refusal(world: World) -> None:
    """A refused write (empty message) stores nothing and screens nothing."""
    with pytest.raises(Refused):
        chat.post_message(sender=world.mentee, mentorship_id=world.m.pk, body="   ")
    assert not SafetyAlert.objects.exists()
    alert = chat.post_message(
        sender=world.mentee, mentorship_id=world.m.pk, body=CRISIS
    ).screening.alert
    assert alert is not None
    assert timezone.now() - alert.created_at < dt.timedelta(seconds=30)
