from __future__ import annotations

import pytest
from django.test import Client

from peerpath.feedback.models import Feedback
from peerpath.feedback.tests.helpers import (
    feedback_count,
    mentee_who_chatted,
    mentor_with_feedback,
)
from peerpath.mentorship.tests.factories import make_listener, make_mentor, make_mentorship

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_mentee_gives_feedback_through_the_form():
    mentor = make_mentor()
    mentee = mentee_who_chatted(mentor)
    client = client_for(mentee)
    page = client.get(f"/feedback/give/{mentor.username}/")
    assert page.status_code == 200
    assert b"Mentorship chat" in page.content
    response = client.post(
        f"/feedback/give/{mentor.username}/", {"rating": "5", "comment": "<script>x</script>"}
    )
    assert response.status_code == 302
    assert Feedback.objects.get().comment == "<script>x</script>"


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"rating": "9"},
        {"rating": "4", "comment": "x" * 1001},
        {"rating": "4", "comment": "a\x00b"},
    ],
)
def test_bad_input_is_400_and_nothing_saved(data):
    mentor = make_mentor()
    response = client_for(mentee_who_chatted(mentor)).post(
        f"/feedback/give/{mentor.username}/", data
    )
    assert response.status_code == 400
    assert feedback_count() == 0


def test_twice_within_48_hours_is_409_with_the_reason():
    mentor = make_mentor()
    client = client_for(mentee_who_chatted(mentor))
    client.post(f"/feedback/give/{mentor.username}/", {"rating": "5"})
    again = client.post(f"/feedback/give/{mentor.username}/", {"rating": "1"})
    assert again.status_code == 409
    assert b"already left feedback" in again.content
    assert feedback_count() == 1


def test_never_chatted_is_403_and_other_band_404():
    mentor = make_mentor()
    stranger = client_for(make_listener())
    response = stranger.post(f"/feedback/give/{mentor.username}/", {"rating": "5"})
    assert response.status_code == 403
    assert b"chatted" in response.content
    teen = client_for(make_listener(teen=True))
    assert teen.get(f"/feedback/give/{mentor.username}/").status_code == 404
    assert feedback_count() == 0


def test_below_k_the_listener_sees_how_many_more_are_needed():
    mentor, _authors = mentor_with_feedback(4)
    page = client_for(mentor).get("/feedback/")
    assert b"1 more response before your feedback is shown" in page.content
    assert b"Kind and patient" not in page.content


def test_the_listener_reads_the_aggregate_without_any_author_identity():
    mentor, authors = mentor_with_feedback(5, comment="<b>Great</b>")
    html = client_for(mentor).get("/feedback/").content.decode()
    assert 'data-testid="count">5<' in html
    assert "&lt;b&gt;Great&lt;/b&gt;" in html
    assert "<b>Great</b>" not in html
    for author in authors:
        assert author.username not in html


def test_the_mentor_coach_page_shows_the_same_aggregate_and_others_get_404():
    mentee, authors = mentor_with_feedback(5)  # a listener with feedback…
    coach = make_mentor()
    make_mentorship(coach, mentee)  # …who is now mentored
    own = client_for(mentee).get("/feedback/").content.decode()
    coached = client_for(coach).get(f"/feedback/coach/{mentee.username}/")
    assert coached.status_code == 200
    html = coached.content.decode()
    assert 'data-testid="count">5<' in html
    assert 'data-testid="mean">4.2 / 5<' in html
    assert 'data-testid="mean">4.2 / 5<' in own
    for author in authors:
        assert author.username not in html
    other = client_for(make_mentor()).get(f"/feedback/coach/{mentee.username}/")
    missing = client_for(make_mentor()).get("/feedback/coach/nobody-here/")
    assert other.status_code == missing.status_code == 404


def test_staff_hide_a_comment_from_the_moderation_page(world):
    mentor, _ = mentor_with_feedback(5, comment="Rude words")
    target = Feedback.objects.filter(listener=mentor).first()
    assert target is not None
    staff = client_for(world.staff)
    assert staff.get("/feedback/moderation/").status_code == 200
    assert staff.post(f"/feedback/{target.pk}/hide/", {}).status_code == 400
    assert staff.post(f"/feedback/{target.pk}/hide/", {"reason": "Abusive"}).status_code == 302
    html = client_for(mentor).get("/feedback/").content.decode()
    assert target.comment not in html
    assert 'data-testid="count">5<' in html
    assert (
        client_for(mentor).post(f"/feedback/{target.pk}/hide/", {"reason": "x"}).status_code == 403
    )
