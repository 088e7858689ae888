"""Pages and forms: 400 on bad input with nothing saved, 403 locked, 404 other band, htmx."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from peerpath.accounts.roles import Role
from peerpath.accounts.tests.factories import UserFactory
from peerpath.mentorship.tests.factories import make_mentor
from peerpath.training.models import Enrollment, Post, SavedMentor
from peerpath.training.tests.factories import (
    answer,
    discussion,
    make_cohort,
    reply,
    trainee,
)

pytestmark = pytest.mark.django_db

D1 = "/training/group-support-leadership/1/"
D2 = "/training/group-support-leadership/2/"
HTMX = {"HX-Request": "true"}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_index_lists_programs_and_open_cohorts_of_ones_band() -> None:
    adult_cohort = make_cohort(band="adult", name="Spring adults")
    make_cohort(band="teen", name="Spring teens")
    response = _client(UserFactory.create(listener=True)).get("/training/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Group Support Leadership &amp; Development" in text
    assert "Join Spring adults" in text
    assert "Spring teens" not in text
    assert reverse("training:join", args=[adult_cohort.pk]) in text


def test_joining_and_the_program_page_shows_locks_with_reasons() -> None:
    cohort = make_cohort(band="adult")
    user = UserFactory.create(listener=True)
    client = _client(user)
    response = client.post(f"/training/cohorts/{cohort.pk}/join/")
    assert response.status_code == 302
    assert Enrollment.objects.filter(user=user, cohort=cohort).exists()
    page = client.get("/training/group-support-leadership/").content.decode()
    assert 'data-testid="step-1" data-state="open"' in page
    assert 'data-testid="step-2" data-state="locked"' in page
    assert "Complete 01 “Introduction to group support” first." in page


def test_other_bands_cohort_is_a_404() -> None:
    teen_cohort = make_cohort(band="teen")
    adult = UserFactory.create(listener=True)
    assert _client(adult).post(f"/training/cohorts/{teen_cohort.pk}/join/").status_code == 404
    assert _client(adult).get(f"{D1}?cohort={teen_cohort.pk}").status_code == 404
    teen_post = answer(trainee(teen_cohort), discussion())
    response = _client(adult).post(f"/training/posts/{teen_post.pk}/reply/", {"body": "Hi"})
    assert response.status_code == 404
    assert not Enrollment.objects.filter(user=adult).exists()


def test_a_locked_discussion_is_403_with_the_reason() -> None:
    cohort = make_cohort(band="adult")
    client = _client(trainee(cohort))
    response = client.get(D2)
    assert response.status_code == 403
    assert "Complete 01" in response.content.decode()
    response = client.post(D2 + "answer/", {"body": "Trying to skip ahead"})
    assert response.status_code == 403
    assert Post.objects.count() == 0


@pytest.mark.parametrize("body", ["", "   ", "x" * 5001])
def test_bad_answers_are_400_and_nothing_saved(body: str) -> None:
    cohort = make_cohort(band="adult")
    client = _client(trainee(cohort))
    response = client.post(D1 + "answer/", {"body": body})
    assert response.status_code == 400
    assert Post.objects.count() == 0
    htmx = client.post(D1 + "answer/", {"body": body}, headers=HTMX)
    assert htmx.status_code == 400
    assert htmx["HX-Retarget"] == "#training-notice"
    assert 'data-testid="training-error"' in htmx.content.decode()


def test_replying_to_oneself_is_400_with_the_reason() -> None:
    cohort = make_cohort(band="adult")
    ana = trainee(cohort)
    own = answer(ana, discussion())
    response = _client(ana).post(f"/training/posts/{own.pk}/reply/", {"body": "Me too"})
    assert response.status_code == 400
    assert "your own answer" in response.content.decode()
    assert Post.objects.count() == 1


def test_htmx_answer_and_replies_return_the_activity_partial_with_progress() -> None:
    cohort = make_cohort(band="adult")
    ana, ben, cal = trainee(cohort), trainee(cohort), trainee(cohort)
    ben_post, cal_post = answer(ben, discussion()), answer(cal, discussion())
    client = _client(ana)
    response = client.post(D1 + "answer/", {"body": "<b>High</b>: a calm room"}, headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="training-activity"')
    assert "&lt;b&gt;High&lt;/b&gt;" in html
    assert "<b>High</b>" not in html
    assert "0 of 2 peer replies" in html
    assert html.count("Your answer is posted.") == 1  # issue 19: it showed twice
    second = client.post(f"/training/posts/{ben_post.pk}/reply/", {"body": "Yes!"}, headers=HTMX)
    assert "1 of 2 peer replies" in second.content.decode()
    third = client.post(f"/training/posts/{cal_post.pk}/reply/", {"body": "Same"}, headers=HTMX)
    text = third.content.decode()
    assert 'data-testid="step-complete"' in text
    assert 'data-testid="next-discussion"' in text
    assert client.get(D2).status_code == 200


def test_answers_nest_their_replies_and_reply_boxes() -> None:
    cohort = make_cohort(band="adult")
    ana, ben, cal = trainee(cohort), trainee(cohort), trainee(cohort)
    ben_post = answer(ben, discussion(), "Ben's answer")
    reply(cal, ben_post, "Cal's reply to Ben")
    html = _client(ana).get(D1).content.decode()
    card = html.split('data-author="' + ben.username + '"', 1)[1].split("</article>", 1)[0]
    thread = card.split('data-testid="thread"', 1)[1]
    assert "Cal&#x27;s reply to Ben" in thread
    assert "1 reply to " + ben.username in thread
    assert f'action="/training/posts/{ben_post.pk}/reply/"' in thread
    # a reloaded page says it once too (the flash message, not the progress line)
    answered = _client(ana)
    answered.post(D1 + "answer/", {"body": "Mine"})
    assert answered.get(D1).content.decode().count("Your answer is posted.") == 1


def test_facilitator_rejects_with_a_note_others_cannot() -> None:
    moderator = UserFactory.create(listener=True, roles=[Role.MODERATOR])
    cohort = make_cohort(band="adult", facilitators=(moderator,))
    ana, ben = trainee(cohort), trainee(cohort)
    post = answer(ana, discussion())
    url = f"/training/posts/{post.pk}/reject/"
    assert _client(ben).post(url, {"note": "nope"}).status_code == 403
    assert _client(moderator).post(url, {"note": ""}).status_code == 400
    post.refresh_from_db()
    assert post.rejected_at is None
    page = _client(moderator).get(f"{D1}?cohort={cohort.pk}")
    assert page.status_code == 200
    assert "Mark as not meeting the activity" in page.content.decode()
    response = _client(moderator).post(url, {"note": "Please add lows too."}, headers=HTMX)
    assert response.status_code == 200
    post.refresh_from_db()
    assert post.rejection_note == "Please add lows too."


def test_a_same_band_stranger_cannot_open_another_cohort() -> None:
    cohort = make_cohort(band="adult")
    stranger = UserFactory.create(listener=True)
    assert _client(stranger).get(f"{D1}?cohort={cohort.pk}").status_code == 404
    assert _client(stranger).get(f"{D1}?cohort=abc").status_code == 404
    # without a cohort: the prompt and a way to join
    response = _client(stranger).get(D1)
    assert response.status_code == 200
    assert "Join a cohort" in response.content.decode()


def test_saving_a_mentor_from_the_training_page() -> None:
    user = UserFactory.create(listener=True)
    mentor = make_mentor()
    teen_mentor = make_mentor(teen=True)
    client = _client(user)
    page = client.get("/training/mentors/").content.decode()
    assert mentor.username in page
    assert teen_mentor.username not in page
    response = client.post(f"/training/saved-mentors/{mentor.username}/")
    assert response.status_code == 302
    assert SavedMentor.objects.filter(user=user, mentor=mentor).exists()
    assert client.post(f"/training/saved-mentors/{teen_mentor.username}/").status_code == 404
    assert client.get(f"/training/saved-mentors/{mentor.username}/").status_code == 405


def test_unknown_program_and_position_are_404() -> None:
    client = _client(UserFactory.create(listener=True))
    assert client.get("/training/no-such-program/").status_code == 404
    assert client.get("/training/group-support-leadership/99/").status_code == 404


def test_a_crisis_answer_shows_the_help_once_in_place_and_without_htmx() -> None:
    cohort = make_cohort(band="teen")
    tia, tom = trainee(cohort), trainee(cohort)
    html = _client(tia).post(D1 + "answer/", {"body": "I want to end my life"}, headers=HTMX)
    text = html.content.decode()
    assert html.status_code == 200
    assert text.count('data-testid="crisis-help"') == 1
    assert "shared with your cohort as usual" in text
    page = _client(tom).post(D1 + "answer/", {"body": "i want to kill myself"})
    assert page.status_code == 200
    assert page.content.decode().count('data-testid="crisis-help"') == 1
    assert Post.objects.filter(crisis=True).count() == 2
