"""Asking for a mentor (one, or up to three ranked), bad and hostile input, and the
mentor's answer from the hub (withdraw, accept, decline)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from peerpath.mentorship.models import (
    MentorProfile,
    MentorRequest,
    Mentorship,
    MentorshipStatus,
    RequestStatus,
    RequestTarget,
    TargetStatus,
)
from peerpath.mentorship.services import requests
from peerpath.mentorship.tests.factories import make_mentorship
from peerpath.mentorship.tests.helpers import active_pair, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


def test_requesting_a_mentor(people, login):
    response = login(people["listener"]).post(
        reverse("mentorship:request", args=["mo-mentor"]), {"goal": "Grow as a listener"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("mentorship:hub")
    request = MentorRequest.objects.get()
    assert request.mentee == people["listener"]
    assert request.goal == "Grow as a listener"
    target = request.targets.get()
    assert (target.mentor, target.status) == (people["mentor"], TargetStatus.PENDING)


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({}, 400, "Please write a goal"),
        ({"goal": "   "}, 400, "Please write a goal"),
        ({"goal": "x" * 5000}, 400, "at most 1000"),
        ({"goal": "bad\x00byte"}, 400, "not allowed"),
    ],
)
def test_bad_request_input_is_refused_and_saves_nothing(people, login, data, status, message):
    response = login(people["listener"]).post(
        reverse("mentorship:request", args=["mo-mentor"]), data
    )
    assert response.status_code == status
    assert message in text(response)
    assert MentorRequest.objects.count() == 0
    assert RequestTarget.objects.count() == 0


def test_requests_to_full_paused_or_already_asked_mentors_are_refused(people, login):
    c = login(people["listener"])
    make_mentorship(people["mentor2"], people["listener2"])  # max-mentor (capacity 1) is full
    response = c.post(reverse("mentorship:request", args=["max-mentor"]), {"goal": "Hello"})
    assert response.status_code == 400
    assert "is full right now" in text(response)
    MentorProfile.objects.filter(pk=people["mentor"].pk).update(capacity=0)
    response = c.post(reverse("mentorship:request", args=["mo-mentor"]), {"goal": "Hello"})
    assert response.status_code == 400
    assert "paused mentoring" in text(response)
    assert MentorRequest.objects.count() == 0
    MentorProfile.objects.filter(pk=people["mentor"].pk).update(capacity=2)
    assert (
        c.post(reverse("mentorship:request", args=["mo-mentor"]), {"goal": "Hello"}).status_code
        == 302
    )
    response = c.post(reverse("mentorship:request", args=["mo-mentor"]), {"goal": "Again"})
    assert response.status_code == 409
    assert "already have a request waiting" in text(response)
    assert MentorRequest.objects.count() == 1


def test_cross_band_and_non_listener_requests_are_refused(people, login):
    teen = login(people["teen_listener"])
    response = teen.post(reverse("mentorship:request", args=["mo-mentor"]), {"goal": "Hi"})
    assert response.status_code == 404
    member = login(people["member"])
    response = member.post(reverse("mentorship:request", args=["mo-mentor"]), {"goal": "Hi"})
    assert response.status_code == 403
    assert "Mentoring is for listeners" in text(response)
    assert MentorRequest.objects.count() == 0


def test_post_only_endpoints_refuse_get(people, login):
    c = login(people["listener"])
    m = active_pair(people)
    for url in [
        reverse("mentorship:request", args=["mo-mentor"]),
        reverse("mentorship:withdraw", args=[1]),
        reverse("mentorship:accept_request", args=[1]),
        reverse("mentorship:decline_request", args=[1]),
        reverse("mentorship:accept_proposal", args=[m.pk]),
        reverse("mentorship:decline_proposal", args=[m.pk]),
        reverse("mentorship:log_conversation", args=[m.pk]),
        reverse("mentorship:check_in", args=[m.pk]),
        reverse("mentorship:flag", args=[m.pk]),
        reverse("mentorship:cant_reach_action", args=[m.pk, "leave"]),
        reverse("mentorship:matching_publish", args=[1]),
    ]:
        assert c.get(url).status_code == 405, url
    assert Mentorship.objects.get(pk=m.pk).status == MentorshipStatus.ACTIVE


def test_ranked_request_cascades_through_the_chosen_order(people, login):
    c = login(people["listener"])
    page = c.get(reverse("mentorship:ranked_request"))
    assert page.status_code == 200
    assert '<option value="mo-mentor">' in text(page)
    assert "tia-teen-mentor" not in text(page)
    response = c.post(
        reverse("mentorship:ranked_request"),
        {"first": "max-mentor", "second": "mo-mentor", "goal": "Lead a group one day"},
    )
    assert response.status_code == 302
    request = MentorRequest.objects.get()
    assert [(t.mentor.username, t.status) for t in request.targets.order_by("rank")] == [
        ("max-mentor", TargetStatus.PENDING),
        ("mo-mentor", TargetStatus.QUEUED),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"first": "mo-mentor", "second": "mo-mentor", "goal": "x"}, "only once"),
        ({"first": "tia-teen-mentor", "goal": "x"}, "valid choice"),
        ({"first": "lou-listener", "goal": "x"}, "valid choice"),
        ({"goal": "x"}, "Choose at least one mentor"),
        ({"first": "mo-mentor", "third": "max-mentor", "goal": "x"}, "second choice before"),
        ({"first": "mo-mentor"}, "Please write a goal"),
        ({"first": "mo-mentor", "goal": "y" * 2000}, "at most 1000"),
    ],
)
def test_bad_ranked_requests_answer_400(people, login, data, message):
    response = login(people["listener"]).post(reverse("mentorship:ranked_request"), data)
    assert response.status_code == 400
    assert message in text(response)
    assert MentorRequest.objects.count() == 0


def test_ranked_request_is_for_listeners(people, login):
    assert login(people["member"]).get(reverse("mentorship:ranked_request")).status_code == 403


def test_withdrawing_a_request(people, login):
    request = requests.request_mentors(
        mentee=people["listener"], mentors=[people["mentor"]], goal="Grow"
    ).obj
    other = login(people["listener2"]).post(reverse("mentorship:withdraw", args=[request.pk]))
    assert other.status_code == 404
    assert MentorRequest.objects.get().status == RequestStatus.OPEN
    c = login(people["listener"])
    response = c.post(reverse("mentorship:withdraw", args=[request.pk]))
    assert response.status_code == 302
    assert MentorRequest.objects.get().status == RequestStatus.WITHDRAWN
    again = c.post(reverse("mentorship:withdraw", args=[request.pk]))
    assert again.status_code == 409
    assert "already closed" in text(again)
    assert c.post("/mentorships/requests/abc/withdraw/").status_code == 404
    assert c.post("/mentorships/requests/" + "9" * 40 + "/withdraw/").status_code == 404
    assert c.post(reverse("mentorship:withdraw", args=[9_999_999])).status_code == 404


def test_a_mentor_accepts_a_request_and_lands_in_the_space(people, login):
    request = requests.request_mentors(
        mentee=people["listener"], mentors=[people["mentor"]], goal="Grow"
    ).obj
    target = request.targets.get()
    wrong = login(people["mentor2"]).post(reverse("mentorship:accept_request", args=[target.pk]))
    assert wrong.status_code == 404
    assert Mentorship.objects.count() == 0
    response = login(people["mentor"]).post(reverse("mentorship:accept_request", args=[target.pk]))
    m = Mentorship.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("mentorship:space", args=[m.pk])
    assert (m.mentor, m.mentee, m.status) == (
        people["mentor"],
        people["listener"],
        MentorshipStatus.ACTIVE,
    )
    again = login(people["mentor"]).post(reverse("mentorship:accept_request", args=[target.pk]))
    assert again.status_code == 409
    assert Mentorship.objects.count() == 1


def test_accepting_at_capacity_is_refused_with_a_message(people, login):
    request = requests.request_mentors(
        mentee=people["listener"], mentors=[people["mentor2"]], goal="Grow"
    ).obj
    make_mentorship(people["mentor2"], people["listener2"])  # the one slot is taken meanwhile
    response = login(people["mentor2"]).post(
        reverse("mentorship:accept_request", args=[request.targets.get().pk])
    )
    assert response.status_code == 409
    assert "at capacity" in text(response)
    assert Mentorship.objects.filter(mentee=people["listener"]).count() == 0


def test_declining_a_request_with_a_reason(people, login):
    request = requests.request_mentors(
        mentee=people["listener"], mentors=[people["mentor"]], goal="Grow"
    ).obj
    target = request.targets.get()
    c = login(people["mentor"])
    too_long = c.post(
        reverse("mentorship:decline_request", args=[target.pk]), {"reason": "r" * 501}
    )
    assert too_long.status_code == 400
    assert "at most 500" in text(too_long)
    assert RequestTarget.objects.get().status == TargetStatus.PENDING
    response = c.post(
        reverse("mentorship:decline_request", args=[target.pk]), {"reason": "Full this month"}
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.status, target.decline_reason) == (TargetStatus.DECLINED, "Full this month")
