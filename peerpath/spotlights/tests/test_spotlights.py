from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from peerpath.core.errors import Conflict, Forbidden
from peerpath.mentorship.tests.factories import make_listener, make_mentor, make_mentorship
from peerpath.notifications.models import Notification
from peerpath.spotlights import services
from peerpath.spotlights.avatar import avatar_svg, initials
from peerpath.spotlights.models import Spotlight, SpotlightStatus
from tests.authz import mask_csrf

pytestmark = pytest.mark.django_db

ANSWERS = [("What brought you to listening?", "A friend who listened to me.")]


def _draft(actor, mentor, *, kind="interview", month=None, title="Meet them"):
    return services.draft_spotlight(
        actor=actor, mentor=mentor, kind=kind, month=month, title=title, intro="", answers=ANSWERS
    ).spotlight


def _published(staff, mentor, **kwargs):
    s = _draft(staff, mentor, **kwargs)
    return services.publish_spotlight(actor=staff, spotlight_id=s.pk)


def _form(**overrides):
    data = {
        "kind": "interview",
        "month": "",
        "title": "Listening changed my life",
        "intro": "A chat with one of our mentors.",
        "question_1": "What brought you to listening?",
        "answer_1": "I wanted to give back.",
    }
    data.update(overrides)
    return data


def test_a_mentor_drafts_their_own_spotlight(client, world):
    client.force_login(world.mentor)
    assert client.get("/spotlights/new/").status_code == 200
    response = client.post("/spotlights/new/", _form(mentor="w-adult-peer"))
    assert response.status_code == 302
    s = Spotlight.objects.get()
    assert (s.mentor, s.drafted_by, s.status, s.band) == (
        world.mentor,
        world.mentor,
        SpotlightStatus.DRAFT,
        "adult",
    )
    assert [(a.position, a.question) for a in s.answers.all()] == [
        (1, "What brought you to listening?")
    ]


def test_staff_draft_for_any_mentor(client, world):
    mentor = make_mentor(teen=True)
    client.force_login(world.staff)
    response = client.post("/spotlights/new/", _form(mentor=mentor.username))
    assert response.status_code == 302
    assert Spotlight.objects.get().band == "teen"
    response = client.post("/spotlights/new/", _form(mentor=world.adult_member.username))
    assert response.status_code == 403
    assert Spotlight.objects.count() == 1


@pytest.mark.parametrize("role", ["adult_member", "adult_listener", "moderator", "teen_listener"])
def test_others_cannot_draft(client, world, role):
    client.force_login(getattr(world, role))
    assert client.get("/spotlights/new/").status_code == 403
    assert client.post("/spotlights/new/", _form()).status_code == 403
    assert not Spotlight.objects.exists()


@pytest.mark.parametrize(
    "overrides",
    [
        {"title": ""},
        {"answer_1": ""},
        {"kind": "gossip"},
        {"kind": "mentor_of_month", "month": ""},
        {"kind": "mentor_of_month", "month": "2025-13"},
        {"question_1": "", "answer_1": "An answer without a question"},
        {"title": "x\x00y"},
    ],
)
def test_bad_input_is_400_and_nothing_is_saved(client, world, overrides):
    client.force_login(world.mentor)
    response = client.post("/spotlights/new/", _form(**overrides))
    assert response.status_code == 400
    assert b'role="alert"' in response.content
    assert not Spotlight.objects.exists()


def test_only_staff_publish_and_the_mentor_is_told(
    client, world, django_capture_on_commit_callbacks
):
    s = _draft(world.mentor, world.mentor)
    url = reverse("spotlights:publish", args=[s.pk])
    client.force_login(world.mentor)
    assert client.post(url).status_code == 403
    client.force_login(world.staff)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url).status_code == 302
    s.refresh_from_db()
    assert (s.status, s.published_by) == (SpotlightStatus.PUBLISHED, world.staff)
    assert s.published_at is not None
    note = Notification.objects.get(recipient=world.mentor)
    assert note.url == s.get_absolute_url()
    assert client.post(url).status_code == 409  # already published


def test_edit_rules(client, world):
    s = _draft(world.mentor, world.mentor)
    edit = reverse("spotlights:edit", args=[s.pk])
    client.force_login(world.mentor)
    assert client.get(edit).status_code == 200
    assert client.post(edit, _form(title="New title")).status_code == 302
    assert Spotlight.objects.get().title == "New title"
    assert client.post(edit, _form(title="")).status_code == 400
    other = make_mentor()
    client.force_login(other)
    assert client.get(edit).status_code == 404  # someone else's draft is not visible
    services.publish_spotlight(actor=world.staff, spotlight_id=s.pk)
    client.force_login(other)
    assert client.get(edit).status_code == 403
    client.force_login(world.mentor)
    assert client.get(edit).status_code == 403  # published: staff only
    client.force_login(world.staff)
    assert client.post(edit, _form(title="Staff fixed it")).status_code == 302
    assert Spotlight.objects.get().title == "Staff fixed it"


def test_the_other_band_sees_a_404_like_a_missing_spotlight(client, world):
    teen_mentor = make_mentor(teen=True)
    s = _published(world.staff, teen_mentor)
    client.force_login(world.adult_listener)
    hidden = client.get(s.get_absolute_url())
    missing = client.get("/spotlights/999999999/")
    assert hidden.status_code == missing.status_code == 404
    assert mask_csrf(hidden.content) == mask_csrf(missing.content)
    assert s not in client.get("/spotlights/").context["spotlights"]
    client.force_login(world.teen_listener)
    assert client.get(s.get_absolute_url()).status_code == 200
    listed = [x for x, _ in client.get("/spotlights/").context["spotlights"]]
    assert listed == [s]


def test_drafts_are_hidden_from_the_community(client, world):
    s = _draft(world.mentor, world.mentor)
    client.force_login(world.adult_listener)
    assert client.get(s.get_absolute_url()).status_code == 404


def test_the_cta_follows_the_request_policy(client, world):
    mentor = make_mentor()  # with a mentor profile and room for a mentee
    s = _published(world.staff, mentor)
    client.force_login(world.adult_listener)
    response = client.get(s.get_absolute_url())
    assert response.context["can_request"] is True
    cta = reverse("mentorship:mentor", args=[mentor.username])
    assert cta.encode() in response.content
    assert b'data-testid="request-cta"' in response.content
    assert b"<svg" in response.content
    assert b"<img" not in response.content
    # a member is not a listener: no CTA, the reason instead
    client.force_login(world.adult_member)
    response = client.get(s.get_absolute_url())
    assert response.context["can_request"] is False
    assert b'data-testid="request-cta"' not in response.content
    assert b'data-testid="cta-reason"' in response.content
    # a listener who already has a mentor is told why
    mentee = make_listener()
    make_mentorship(make_mentor(), mentee)
    client.force_login(mentee)
    response = client.get(s.get_absolute_url())
    assert "already have a mentor" in response.context["request_reason"]


def test_one_mentor_of_the_month_per_band_per_month(world):
    month = dt.date(2030, 5, 1)
    first = make_mentor()
    _published(world.staff, first, kind="mentor_of_month", month=month)
    second = make_mentor()
    with pytest.raises(Conflict, match=first.username):
        _draft(world.staff, second, kind="mentor_of_month", month=dt.date(2030, 5, 17))
    # a draft made before the month was taken is refused when published
    early = make_mentor()
    Spotlight.objects.filter(kind="mentor_of_month").update(status=SpotlightStatus.DRAFT)
    waiting = _draft(world.staff, early, kind="mentor_of_month", month=month)
    Spotlight.objects.exclude(pk=waiting.pk).update(
        status=SpotlightStatus.PUBLISHED, published_at=timezone.now()
    )
    with pytest.raises(Conflict, match="already mentor of the month for adults in May 2030"):
        services.publish_spotlight(actor=world.staff, spotlight_id=waiting.pk)
    assert Spotlight.objects.get(pk=waiting.pk).status == SpotlightStatus.DRAFT
    # the other band's month is free
    teen = make_mentor(teen=True)
    _published(world.staff, teen, kind="mentor_of_month", month=month)


def test_mentor_of_the_month_is_on_top_for_the_viewers_band(client, world):
    today = timezone.localdate(timezone=world.adult_listener.tzinfo)
    interview = _published(world.staff, make_mentor())
    top = _published(world.staff, world.mentor, kind="mentor_of_month", month=today)
    _published(world.staff, make_mentor(teen=True), kind="mentor_of_month", month=today)
    client.force_login(world.adult_listener)
    response = client.get("/spotlights/")
    assert [s for s, _ in response.context["mentors_of_month"]] == [top]
    assert [s for s, _ in response.context["spotlights"]] == [interview]


def test_a_non_mentor_cannot_be_spotlighted(world):
    with pytest.raises(Forbidden):
        _draft(world.staff, world.adult_listener)


def test_the_avatar_is_an_inline_svg_with_initials():
    svg = avatar_svg("demo-mentor")
    assert svg.startswith("<svg")
    assert "DM" in svg
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert avatar_svg("demo-mentor") == svg
    assert initials("sam") == "SA"
    assert "&lt;" in avatar_svg("<b>")


def test_a_mentor_of_the_month_is_created_and_edited_through_the_form(client, world):
    # issue 19: the month field ran a max-length validator on the parsed date (500)
    client.force_login(world.staff)
    form = _form(mentor=world.mentor.username, kind="mentor_of_month", month="2030-05")
    response = client.post("/spotlights/new/", form)
    assert response.status_code == 302
    s = Spotlight.objects.get()
    assert (s.kind, s.month) == ("mentor_of_month", dt.date(2030, 5, 1))
    edit = reverse("spotlights:edit", args=[s.pk])
    page = client.get(edit)
    assert page.status_code == 200
    assert b'value="2030-05"' in page.content
    assert client.post(edit, {**form, "month": "2030-06"}).status_code == 302
    s.refresh_from_db()
    assert s.month == dt.date(2030, 6, 1)
    assert client.post(edit, {**form, "month": "2030-06-01"}).status_code == 400


def test_the_admin_edits_a_mentor_of_the_month(client, world):
    s = _draft(world.staff, world.mentor, kind="mentor_of_month", month=dt.date(2030, 5, 1))
    client.force_login(world.staff)
    url = f"/admin/spotlights/spotlight/{s.pk}/change/"
    assert client.get(url).status_code == 200
    answer = s.answers.get()
    response = client.post(
        url,
        {
            "kind": "mentor_of_month",
            "month": "2030-07-01",
            "title": "Fixed in the admin",
            "intro": "",
            "answers-TOTAL_FORMS": "1",
            "answers-INITIAL_FORMS": "1",
            "answers-MIN_NUM_FORMS": "0",
            "answers-MAX_NUM_FORMS": "1000",
            "answers-0-id": str(answer.pk),
            "answers-0-spotlight": str(s.pk),
            "answers-0-position": "1",
            "answers-0-question": answer.question,
            "answers-0-answer": answer.answer,
        },
    )
    assert response.status_code == 302, response.content[:2000]
    s.refresh_from_db()
    assert (s.title, s.month) == ("Fixed in the admin", dt.date(2030, 7, 1))
